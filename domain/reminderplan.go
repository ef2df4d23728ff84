package domain

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Bounds of a bloc's own reminder plan.
const (
	MaxReminderOffsets = 6
	MaxReminderDays    = 60
	MaxReminderHours   = 72
)

// ErrBadReminderPlan is a reminder plan that could not be read or is out of bounds.
var ErrBadReminderPlan = errors.New("bad reminder plan")

// Off reports whether the plan reminds of nothing before a deadline.
func (p ReminderPlan) Off() bool { return len(p.DaysBefore) == 0 && len(p.HoursBefore) == 0 }

// Has reports whether a reminder key ("d7", "h2", as ReminderTime.Key) is one of the plan's.
func (p ReminderPlan) Has(key string) bool {
	if len(key) < 2 {
		return false
	}
	n, err := strconv.Atoi(key[1:])
	if err != nil {
		return false
	}
	switch key[0] {
	case 'd':
		return slices.Contains(p.DaysBefore, n)
	case 'h':
		return slices.Contains(p.HoursBefore, n)
	}
	return false
}

// String is the plan as ParseReminderPlan reads it back: "7 3 1 08:00 2h", "off".
func (p ReminderPlan) String() string {
	if p.Off() {
		return "off"
	}
	var parts []string
	for _, d := range p.DaysBefore {
		parts = append(parts, strconv.Itoa(d))
	}
	if len(p.DaysBefore) > 0 {
		parts = append(parts, p.At.String())
	}
	for _, h := range p.HoursBefore {
		parts = append(parts, strconv.Itoa(h)+"h")
	}
	return strings.Join(parts, " ")
}

// ParseReminderPlan reads a reminder plan as a manager types it (/reminders): days before as
// bare numbers or with a unit ("7 3 1", "7d", "3 ngày"), hours before with one ("2h", "2g",
// "2 giờ"), and the time of day of the day reminders as HH:MM ("07:30"; without one, at).
// "tắt", "off", "không" is a plan that reminds of nothing before a deadline. Words such as
// "trước" and "lúc" are skipped. Each offset is kept once, the largest first; at least one and
// at most MaxReminderOffsets, days up to MaxReminderDays, hours up to MaxReminderHours.
func ParseReminderPlan(s string, at TimeOfDay) (ReminderPlan, error) {
	f := Fold(strings.NewReplacer(",", " ", ";", " ", "+", " ").Replace(s))
	words := strings.Fields(f)
	if len(words) == 1 {
		switch words[0] {
		case "off", "tat", "khong", "none", "0":
			return ReminderPlan{At: at}, nil
		}
	}
	p := ReminderPlan{At: at}
	haveAt := false
	add := func(n int, hours bool) error {
		if hours {
			if n < 1 || n > MaxReminderHours {
				return ErrBadReminderPlan
			}
			if !slices.Contains(p.HoursBefore, n) {
				p.HoursBefore = append(p.HoursBefore, n)
			}
			return nil
		}
		if n < 1 || n > MaxReminderDays {
			return ErrBadReminderPlan
		}
		if !slices.Contains(p.DaysBefore, n) {
			p.DaysBefore = append(p.DaysBefore, n)
		}
		return nil
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch w {
		case "truoc", "luc", "va", "and", "before", "at", "nhac", "ngay", "gio":
			continue // filler; a unit word after its number is taken with the number
		}
		if strings.Contains(w, ":") {
			t, ok := ParseTimeOfDay(w)
			if !ok || haveAt {
				return ReminderPlan{}, ErrBadReminderPlan
			}
			p.At, haveAt = t, true
			continue
		}
		j := 0
		for j < len(w) && w[j] >= '0' && w[j] <= '9' {
			j++
		}
		if j == 0 || j > 3 {
			return ReminderPlan{}, ErrBadReminderPlan
		}
		n, _ := strconv.Atoi(w[:j])
		unit := w[j:]
		if unit == "" && i+1 < len(words) && reminderUnit(words[i+1]) != "" {
			i++
			unit = words[i]
		}
		var hours bool
		switch reminderUnit(unit) {
		case "d":
		case "h":
			hours = true
		default:
			if unit != "" {
				return ReminderPlan{}, ErrBadReminderPlan
			}
		}
		if err := add(n, hours); err != nil {
			return ReminderPlan{}, err
		}
	}
	if n := len(p.DaysBefore) + len(p.HoursBefore); n == 0 || n > MaxReminderOffsets {
		return ReminderPlan{}, ErrBadReminderPlan
	}
	if len(p.DaysBefore) == 0 {
		p.At = at // a time of day means nothing without day reminders
	}
	slices.SortFunc(p.DaysBefore, func(a, b int) int { return b - a })
	slices.SortFunc(p.HoursBefore, func(a, b int) int { return b - a })
	return p, nil
}

// reminderUnit is "d" for a word of days, "h" for one of hours (durationUnit's words), ""
// otherwise.
func reminderUnit(w string) string {
	switch u, _ := durationUnit(w); u {
	case 24 * time.Hour:
		return "d"
	case time.Hour:
		return "h"
	}
	return ""
}
