package domain

import (
	"sort"
	"strings"
	"time"
)

// Quick polls (thăm dò ý kiến): per person, not per unit; one choice or several, changeable;
// closed by the author, a manager, or when the duration ends.

// Limits of a poll.
const (
	MinPollOptions    = 2
	MaxPollOptions    = 10
	MaxPollQuestion   = 300
	MaxPollOption     = 100
	MinPollDuration   = time.Minute
	MaxPollDuration   = MaxDeadline
	MaxPollArgsLength = 4000
)

// PollSpec is a poll as typed.
type PollSpec struct {
	Question string
	Options  []string
	Multi    bool
	Duration time.Duration // 0: until closed
}

// ParsePoll reads the text after /poll:
//
//	[multi] [2h] question | option | option ...
//
// or, on several lines, the question on the first line and one option per following line.
// "multi" (also "nhieu", "nhiều") allows several choices; a duration ("2h", "30p", "1 ngày")
// closes the poll after that long. Both flags go before the question, in any order.
func ParsePoll(args string) (PollSpec, error) {
	var p PollSpec
	if len([]rune(args)) > MaxPollArgsLength {
		return PollSpec{}, ErrTextTooLong
	}
	text := strings.TrimSpace(args)
	// Flags: up to two leading words.
	for i := 0; i < 2; i++ {
		end := strings.IndexAny(text, " \t\r\n|")
		if end < 0 {
			end = len(text)
		}
		word := text[:end]
		if !p.Multi && isMultiWord(word) {
			p.Multi = true
		} else if d, ok := ParseDuration(word); ok && p.Duration == 0 {
			if d < MinPollDuration {
				return PollSpec{}, ErrDeadlinePast
			}
			if d > MaxPollDuration {
				return PollSpec{}, ErrDeadlineFar
			}
			p.Duration = d
		} else {
			break
		}
		text = strings.TrimSpace(text[end:])
	}
	var parts []string
	if strings.Contains(text, "|") {
		parts = strings.Split(text, "|")
	} else {
		parts = strings.Split(text, "\n")
	}
	if len(parts) == 0 || strings.TrimSpace(parts[0]) == "" {
		return PollSpec{}, ErrTextEmpty
	}
	q, err := CleanName(parts[0], MaxPollQuestion)
	if err != nil {
		if err == ErrNameTooLong {
			return PollSpec{}, ErrTextTooLong
		}
		return PollSpec{}, ErrTextEmpty
	}
	p.Question = q
	seen := map[string]bool{}
	for _, raw := range parts[1:] {
		raw = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(raw), "-•*·"))
		if raw == "" {
			continue
		}
		o, err := CleanName(raw, MaxPollOption)
		if err != nil {
			return PollSpec{}, ErrNameTooLong
		}
		f := Fold(o)
		if seen[f] {
			return PollSpec{}, ErrDuplicateOpt
		}
		seen[f] = true
		p.Options = append(p.Options, o)
		if len(p.Options) > MaxPollOptions {
			return PollSpec{}, ErrTooManyOpts
		}
	}
	if len(p.Options) < MinPollOptions {
		return PollSpec{}, ErrTooFewOptions
	}
	return p, nil
}

func isMultiWord(w string) bool {
	switch Fold(w) {
	case "multi", "multiple", "nhieu", "many":
		return true
	}
	return false
}

// PollChoose is the rule of a press on option opt given a person's current choices: in a
// single-choice poll the option replaces the choice, or withdraws it when it was the choice;
// in a multi-choice poll the option is toggled. The result is sorted.
func PollChoose(current []int, opt int, multi bool) []int {
	has := false
	for _, c := range current {
		if c == opt {
			has = true
		}
	}
	var out []int
	switch {
	case !multi && has:
		out = nil
	case !multi:
		out = []int{opt}
	case has:
		for _, c := range current {
			if c != opt {
				out = append(out, c)
			}
		}
	default:
		out = append(append(out, current...), opt)
	}
	sort.Ints(out)
	return out
}
