//go:build race

package handlers_test

// raceBuild is true when the tests run with -race (everything is several times slower, and
// goroutines are scheduled with more jitter).
const raceBuild = true
