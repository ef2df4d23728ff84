//go:build !race

package telegramsim

const raceEnabled = false
