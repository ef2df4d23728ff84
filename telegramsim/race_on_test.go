//go:build race

package telegramsim

const raceEnabled = true
