package domain

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Deadlines (hạn chót) and one-off reminders (nhắc việc): what people type after /deadline and
// /remind, and when a deadline reminds.
//
//	/deadline 15/06 Nộp báo cáo sơ kết            → 15/06 of this year at the default time (17:00)
//	/deadline 15/06/2024 17:00 Nộp báo cáo        → that date and time
//	/deadline 15/06 report q2 Báo cáo quý 2       → tied to a reporting period
//	/remind 20/06 08:30 Họp giao ban              → a reminder at that time (the time is required)
//
// "dd/mm" means this year (the bloc's year), as everywhere in the bot: a date earlier this year is
// in the past and refused, with an example of the right form.

// Errors of dates and times. A DateError wraps one of them with what was typed.
var (
	ErrDateMissing   = errors.New("no date: expected dd/mm or dd/mm/yyyy")
	ErrDateInvalid   = errors.New("no such date")
	ErrTimeInvalid   = errors.New("no such time: expected HH:MM (24h)")
	ErrTimeMissing   = errors.New("no time: expected HH:MM")
	ErrDateInPast    = errors.New("the date is in the past")
	ErrDateTooFar    = errors.New("the date is too far ahead")
	ErrPeriodInvalid = errors.New("no such reporting period")
)

// DateError says what was wrong with the date or time typed.
type DateError struct {
	Err   error     // one of the errors above
	Input string    // the words that were not understood (or the date that is past)
	At    time.Time // the time understood, for ErrDateInPast and ErrDateTooFar
}

func (e *DateError) Error() string { return e.Err.Error() + ": " + e.Input }
func (e *DateError) Unwrap() error { return e.Err }

// Limits of deadlines.
const (
	MaxDeadlineText  = 500
	MaxDeadlineAhead = 2 * 366 * 24 * time.Hour
)

// TieKind is what a deadline is tied to: the units that have not done it are the ones reminded.
type TieKind string

// Ties.
const (
	TieNone   TieKind = ""
	TieReport TieKind = "report" // units with no achievement in a period (Ref: the period's Code)
	TiePledge TieKind = "pledge" // units that have not signed the current pledge (Ref: the year)
	TieBallot TieKind = "ballot" // units that have not voted in an open ballot (Ref: the ballot id)
)

// Tie is what a deadline is tied to.
type Tie struct {
	Kind TieKind
	Ref  string
}

// DeadlineRequest is a parsed /deadline or /remind.
type DeadlineRequest struct {
	At      time.Time // in the bloc's zone, to the minute
	HasTime bool      // a time was typed (else the default time)
	Text    string    // what is due; may be empty for a tied deadline
	Tie     Tie
	Period  Period // for TieReport
}

// TimeOfDay is a time of day.
type TimeOfDay struct{ Hour, Minute int }

// ParseTimeOfDay reads a time of day as people type it: "17:00", "8:30", "17h", "17h30", "17g30".
func ParseTimeOfDay(s string) (TimeOfDay, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	var hs, ms string
	if h, m, ok := strings.Cut(s, ":"); ok {
		hs, ms = h, m
	} else if i := strings.IndexAny(s, "hg"); i > 0 {
		hs, ms = s[:i], s[i+1:]
		if ms == "" {
			ms = "00"
		}
	} else {
		return TimeOfDay{}, false
	}
	if len(hs) < 1 || len(hs) > 2 || len(ms) != 2 || !dlDigits(hs) || !dlDigits(ms) {
		return TimeOfDay{}, false
	}
	h, _ := strconv.Atoi(hs)
	m, _ := strconv.Atoi(ms)
	if h > 23 || m > 59 {
		return TimeOfDay{}, false
	}
	return TimeOfDay{h, m}, true
}

// String is "HH:MM".
func (c TimeOfDay) String() string {
	return twoDigits(c.Hour) + ":" + twoDigits(c.Minute)
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func dlDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// looksLikeClock says whether a word is meant as a time (so "25:00" is a bad time, not text).
func looksLikeClock(w string) bool {
	w = strings.ToLower(w)
	if strings.Contains(w, ":") {
		return w != "" && w[0] >= '0' && w[0] <= '9'
	}
	i := strings.IndexAny(w, "hg")
	return i > 0 && i <= 2 && dlDigits(w[:i]) && (i == len(w)-1 || dlDigits(w[i+1:]))
}

// looksLikeDate says whether a word is meant as a date: digits with / . or - between.
func looksLikeDate(w string) bool {
	n := 0
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c >= '0' && c <= '9':
		case c == '/' || c == '.' || c == '-':
			n++
		default:
			return false
		}
	}
	return n >= 1 && n <= 2 && w[0] >= '0' && w[0] <= '9'
}

// parseDMY reads dd/mm, dd/mm/yyyy or dd/mm/yy (also with . or -). ok is false when the form
// is wrong; valid is false when the form is right but there is no such day (31/02).
func parseDMY(w string) (d, m, y int, hasYear, ok bool) {
	parts := strings.FieldsFunc(w, func(r rune) bool { return r == '/' || r == '.' || r == '-' })
	if len(parts) < 2 || len(parts) > 3 || strings.Count(w, "/")+strings.Count(w, ".")+strings.Count(w, "-") != len(parts)-1 {
		return
	}
	if len(parts[0]) > 2 || len(parts[1]) > 2 || !dlDigits(parts[0]) || !dlDigits(parts[1]) {
		return
	}
	d, _ = strconv.Atoi(parts[0])
	m, _ = strconv.Atoi(parts[1])
	if len(parts) == 3 {
		p := parts[2]
		if !dlDigits(p) || (len(p) != 2 && len(p) != 4) {
			return
		}
		y, _ = strconv.Atoi(p)
		if len(p) == 2 {
			y += 2000
		}
		hasYear = true
	}
	return d, m, y, hasYear, true
}

// relativeDay reads "hôm nay", "ngày mai", "mai", "hôm qua", "today", "tomorrow", "yesterday"
// at the start of words: the day offset and how many words it took.
func relativeDay(words []string) (int, int, bool) {
	one := ""
	if len(words) > 0 {
		one = Fold(words[0])
	}
	two := one
	if len(words) > 1 {
		two = one + " " + Fold(words[1])
	}
	switch two {
	case "hom nay", "bua nay":
		return 0, 2, true
	case "ngay mai":
		return 1, 2, true
	case "hom qua", "bua qua":
		return -1, 2, true
	case "ngay kia":
		return 2, 2, true
	}
	switch one {
	case "today", "homnay":
		return 0, 1, true
	case "tomorrow", "mai", "ngaymai":
		return 1, 1, true
	case "yesterday", "homqua":
		return -1, 1, true
	}
	return 0, 0, false
}

// DeadlineOptions are what parsing needs besides the text.
type DeadlineOptions struct {
	Now         time.Time
	Loc         *time.Location
	DefaultTime TimeOfDay // when no time is typed (deadlines)
	NeedTime    bool      // a time must be typed (/remind)
	AllowTie    bool      // "report <period>" may follow the date (deadlines)
}

// ParseDeadlineRequest reads "<date> [time] [report <period>] <text>". The date comes first (a time
// typed before it is accepted too); the result is at or after opts.Now and at most
// MaxDeadlineAhead away. Errors are *DateError (ErrDateMissing, ErrDateInvalid,
// ErrTimeInvalid, ErrTimeMissing, ErrDateInPast, ErrDateTooFar, ErrPeriodInvalid) or
// ErrTextTooLong.
func ParseDeadlineRequest(s string, o DeadlineOptions) (DeadlineRequest, error) {
	loc := o.Loc
	if loc == nil {
		loc = time.UTC
	}
	words := strings.Fields(s)
	var r DeadlineRequest
	if len(words) == 0 {
		return r, &DateError{Err: ErrDateMissing}
	}
	local := o.Now.In(loc)
	var y, d int
	var m time.Month
	var clock *TimeOfDay
	// An optional time before the date ("17:00 15/06").
	if looksLikeClock(words[0]) && len(words) > 1 && (looksLikeDate(words[1]) || isRelative(words[1:])) {
		c, ok := ParseTimeOfDay(words[0])
		if !ok {
			return r, &DateError{Err: ErrTimeInvalid, Input: words[0]}
		}
		clock = &c
		words = words[1:]
	}
	if off, n, ok := relativeDay(words); ok {
		t := local.AddDate(0, 0, off)
		y, m, d = t.Date()
		words = words[n:]
	} else {
		w := words[0]
		if !looksLikeDate(w) {
			return r, &DateError{Err: ErrDateMissing, Input: firstWords(words, 2)}
		}
		dd, mm, yy, hasYear, ok := parseDMY(w)
		if !ok {
			return r, &DateError{Err: ErrDateInvalid, Input: w}
		}
		if !hasYear {
			yy = local.Year()
		}
		if mm < 1 || mm > 12 || dd < 1 || dd > daysIn(time.Month(mm), yy) || yy < 2000 || yy > 2200 {
			return r, &DateError{Err: ErrDateInvalid, Input: w}
		}
		y, m, d = yy, time.Month(mm), dd
		words = words[1:]
	}
	if clock == nil && len(words) > 0 && looksLikeClock(words[0]) {
		c, ok := ParseTimeOfDay(words[0])
		if !ok {
			return r, &DateError{Err: ErrTimeInvalid, Input: words[0]}
		}
		clock = &c
		words = words[1:]
	}
	if clock == nil {
		if o.NeedTime {
			return r, &DateError{Err: ErrTimeMissing, Input: strings.TrimSpace(firstWords(words, 1))}
		}
		dc := o.DefaultTime
		clock = &dc
	} else {
		r.HasTime = true
	}
	r.At = time.Date(y, m, d, clock.Hour, clock.Minute, 0, 0, loc)
	switch {
	case !r.At.After(o.Now):
		return DeadlineRequest{}, &DateError{Err: ErrDateInPast, Input: r.At.Format("02/01/2006 15:04"), At: r.At}
	case r.At.Sub(o.Now) > MaxDeadlineAhead:
		return DeadlineRequest{}, &DateError{Err: ErrDateTooFar, Input: r.At.Format("02/01/2006"), At: r.At}
	}
	if o.AllowTie {
		if n := reportWord(words); n > 0 {
			rest := words[n:]
			p, used, ok := periodWords(rest, r.At.Year())
			if !ok {
				return DeadlineRequest{}, &DateError{Err: ErrPeriodInvalid, Input: firstWords(rest, 2)}
			}
			r.Tie = Tie{Kind: TieReport, Ref: p.Code()}
			r.Period = p
			words = rest[used:]
		}
	}
	r.Text = strings.Join(words, " ")
	if utf8.RuneCountInString(r.Text) > MaxDeadlineText {
		return DeadlineRequest{}, ErrTextTooLong
	}
	return r, nil
}

func isRelative(words []string) bool { _, _, ok := relativeDay(words); return ok }

func firstWords(words []string, n int) string {
	if len(words) > n {
		words = words[:n]
	}
	s := strings.Join(words, " ")
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return s
}

func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// reportWord says how many words name the report tie: "report", "baocao", "bc", "báo cáo".
func reportWord(words []string) int {
	if len(words) == 0 {
		return 0
	}
	switch Fold(words[0]) {
	case "report", "reports", "baocao", "bc", "thanhtich":
		return 1
	case "bao":
		if len(words) > 1 && Fold(words[1]) == "cao" {
			return 2
		}
	}
	return 0
}

// periodWords reads a period from the first one to three words ("q2", "quý 2", "q2/2024",
// "tháng 6", "06/2024", "2024"), longest first. Year alone counts only as the last word read.
func periodWords(words []string, year int) (Period, int, bool) {
	for n := min(3, len(words)); n >= 1; n-- {
		p, err := ParsePeriod(strings.Join(words[:n], " "), year)
		if err == nil && p.Kind != PeriodAll {
			return p, n, true
		}
	}
	return Period{}, 0, false
}

// ReminderPlan is when a deadline reminds: DaysBefore days before at At (local time), and
// HoursBefore hours before the deadline.
type ReminderPlan struct {
	DaysBefore  []int
	At          TimeOfDay
	HoursBefore []int
}

// DefaultReminderPlan is 7, 3 and 1 days before at 08:00, and 2 hours before.
func DefaultReminderPlan() ReminderPlan {
	return ReminderPlan{DaysBefore: []int{7, 3, 1}, At: TimeOfDay{8, 0}, HoursBefore: []int{2}}
}

// ReminderTime is one reminder of a deadline. Key names the offset ("d7", "h2"): with the
// deadline's id it makes the reminder's timer id, so scheduling twice schedules once.
type ReminderTime struct {
	Key string
	At  time.Time
}

// Times lists the reminders of a deadline at `deadline` in loc that are still ahead of now,
// earliest first, and how many offsets were skipped because they had passed. Reminders at the
// same minute are kept once; a reminder at or after the deadline is dropped.
func (p ReminderPlan) Times(deadline, now time.Time, loc *time.Location) ([]ReminderTime, int) {
	if loc == nil {
		loc = time.UTC
	}
	local := deadline.In(loc)
	var all []ReminderTime
	for _, d := range p.DaysBefore {
		if d <= 0 {
			continue
		}
		day := local.AddDate(0, 0, -d)
		at := time.Date(day.Year(), day.Month(), day.Day(), p.At.Hour, p.At.Minute, 0, 0, loc)
		all = append(all, ReminderTime{Key: "d" + strconv.Itoa(d), At: at})
	}
	for _, h := range p.HoursBefore {
		if h <= 0 {
			continue
		}
		all = append(all, ReminderTime{Key: "h" + strconv.Itoa(h), At: deadline.Add(-time.Duration(h) * time.Hour)})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].At.Before(all[j].At) })
	var out []ReminderTime
	skipped := 0
	for _, rt := range all {
		if !rt.At.Before(deadline) {
			continue
		}
		if !rt.At.After(now) {
			skipped++
			continue
		}
		if n := len(out); n > 0 && out[n-1].At.Equal(rt.At) {
			continue
		}
		out = append(out, rt)
	}
	return out, skipped
}

// SplitLeft splits the time left before a deadline into days, hours and minutes (rounded to the
// minute; negative durations count as zero).
func SplitLeft(d time.Duration) (days, hours, minutes int) {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Minute)
	days = int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	hours = int(d / time.Hour)
	d -= time.Duration(hours) * time.Hour
	return days, hours, int(d / time.Minute)
}
