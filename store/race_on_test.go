//go:build race

package store

// limiterRaceBuild is true when the tests run with -race (slower, and goroutines wake later).
const limiterRaceBuild = true
