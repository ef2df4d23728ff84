package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var dlZone = time.FixedZone("ICT", 7*3600)

// 01/06/2024 09:00 in Tây Ninh.
var dlNow = time.Date(2024, 6, 1, 9, 0, 0, 0, dlZone)

func dlOpts() DeadlineOptions {
	return DeadlineOptions{Now: dlNow, Loc: dlZone, DefaultTime: TimeOfDay{17, 0}, AllowTie: true}
}

func TestParseDeadlineRequest(t *testing.T) {
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, dlZone) }
	cases := []struct {
		in      string
		at      time.Time
		hasTime bool
		text    string
		tie     Tie
	}{
		{"15/06 Nộp báo cáo sơ kết", at(2024, 6, 15, 17, 0), false, "Nộp báo cáo sơ kết", Tie{}},
		{"15/06/2024 Nộp báo cáo", at(2024, 6, 15, 17, 0), false, "Nộp báo cáo", Tie{}},
		{"15/06 17:00 Nộp báo cáo", at(2024, 6, 15, 17, 0), true, "Nộp báo cáo", Tie{}},
		{"15/06/2024   8:30   Họp   giao ban", at(2024, 6, 15, 8, 30), true, "Họp giao ban", Tie{}},
		{"15.06.2024 17h30 x", at(2024, 6, 15, 17, 30), true, "x", Tie{}},
		{"15-6-24 17g x", at(2024, 6, 15, 17, 0), true, "x", Tie{}},
		{"17:00 15/06 x", at(2024, 6, 15, 17, 0), true, "x", Tie{}},
		{"05/01/2025 x", at(2025, 1, 5, 17, 0), false, "x", Tie{}},
		{"ngày mai 10:00 Họp", at(2024, 6, 2, 10, 0), true, "Họp", Tie{}},
		{"hôm nay 17:00 Họp", at(2024, 6, 1, 17, 0), true, "Họp", Tie{}},
		{"tomorrow x", at(2024, 6, 2, 17, 0), false, "x", Tie{}},
		{"15/06 report q2 Báo cáo quý 2", at(2024, 6, 15, 17, 0), false, "Báo cáo quý 2", Tie{TieReport, "2024q2"}},
		{"15/06 17:00 báo cáo quý 2", at(2024, 6, 15, 17, 0), true, "", Tie{TieReport, "2024q2"}},
		{"30/06 baocao tháng 6 Thành tích tháng", at(2024, 6, 30, 17, 0), false, "Thành tích tháng", Tie{TieReport, "2024m06"}},
		{"15/06 report q1/2024", at(2024, 6, 15, 17, 0), false, "", Tie{TieReport, "2024q1"}},
		{"15/06 report 2024 cả năm", at(2024, 6, 15, 17, 0), false, "cả năm", Tie{TieReport, "2024"}},
	}
	for _, c := range cases {
		r, err := ParseDeadlineRequest(c.in, dlOpts())
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if !r.At.Equal(c.at) || r.HasTime != c.hasTime || r.Text != c.text || r.Tie != c.tie {
			t.Errorf("%q: got %v %v %q %+v, want %v %v %q %+v", c.in, r.At, r.HasTime, r.Text, r.Tie, c.at, c.hasTime, c.text, c.tie)
		}
	}
}

func TestParseDeadlineRequestErrors(t *testing.T) {
	cases := []struct {
		in    string
		want  error
		input string
	}{
		{"", ErrDateMissing, ""},
		{"31/02 Nộp báo cáo", ErrDateInvalid, "31/02"},
		{"29/02/2025 x", ErrDateInvalid, "29/02/2025"},
		{"15/13 x", ErrDateInvalid, "15/13"},
		{"1/2/3 x", ErrDateInvalid, "1/2/3"},
		{"hôm qua Nộp báo cáo", ErrDateInPast, "31/05/2024 17:00"},
		{"yesterday x", ErrDateInPast, "31/05/2024 17:00"},
		{"15/05 x", ErrDateInPast, "15/05/2024 17:00"},
		{"01/06 08:00 x", ErrDateInPast, "01/06/2024 08:00"},
		{"01/06/2030 x", ErrDateTooFar, "01/06/2030"},
		{"thứ sáu Nộp báo cáo", ErrDateMissing, "thứ sáu"},
		{"Nộp báo cáo 15/06", ErrDateMissing, "Nộp báo"},
		{"15/06 25:00 x", ErrTimeInvalid, "25:00"},
		{"15/06 17:75 x", ErrTimeInvalid, "17:75"},
		{"15/06 report q5 x", ErrPeriodInvalid, "q5 x"},
		{"15/06 " + strings.Repeat("a ", MaxDeadlineText), ErrTextTooLong, ""},
	}
	for _, c := range cases {
		_, err := ParseDeadlineRequest(c.in, dlOpts())
		if !errors.Is(err, c.want) {
			t.Errorf("%q: got %v, want %v", c.in, err, c.want)
			continue
		}
		var de *DateError
		if errors.As(err, &de) && de.Input != c.input {
			t.Errorf("%q: input %q, want %q", c.in, de.Input, c.input)
		}
	}
	// /remind needs a time, and never reads a tie.
	o := dlOpts()
	o.NeedTime, o.AllowTie = true, false
	if _, err := ParseDeadlineRequest("15/06 Họp", o); !errors.Is(err, ErrTimeMissing) {
		t.Errorf("remind without a time: %v", err)
	}
	r, err := ParseDeadlineRequest("15/06 08:00 report q2", o)
	if err != nil || r.Tie.Kind != TieNone || r.Text != "report q2" {
		t.Errorf("remind read a tie: %+v %v", r, err)
	}
}

func TestParseTimeOfDay(t *testing.T) {
	good := map[string]TimeOfDay{"17:00": {17, 0}, "8:05": {8, 5}, "00:00": {0, 0}, "23:59": {23, 59}, "17h": {17, 0}, "7h30": {7, 30}, "17G30": {17, 30}}
	for in, want := range good {
		if got, ok := ParseTimeOfDay(in); !ok || got != want {
			t.Errorf("%q: %v %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "24:00", "12:60", "1:5", "123:00", "h30", "17h3", "a:bc", "17", "-1:00"} {
		if got, ok := ParseTimeOfDay(in); ok {
			t.Errorf("%q parsed as %v", in, got)
		}
	}
	if s := (TimeOfDay{8, 5}).String(); s != "08:05" {
		t.Errorf("String: %q", s)
	}
}

// The example: a deadline set on 01/06 for 15/06 17:00 reminds on 08/06, 12/06 and
// 14/06 at 08:00 and on 15/06 at 15:00.
func TestReminderTimes(t *testing.T) {
	deadline := time.Date(2024, 6, 15, 17, 0, 0, 0, dlZone)
	got, skipped := DefaultReminderPlan().Times(deadline, dlNow, dlZone)
	want := []ReminderTime{
		{"d7", time.Date(2024, 6, 8, 8, 0, 0, 0, dlZone)},
		{"d3", time.Date(2024, 6, 12, 8, 0, 0, 0, dlZone)},
		{"d1", time.Date(2024, 6, 14, 8, 0, 0, 0, dlZone)},
		{"h2", time.Date(2024, 6, 15, 15, 0, 0, 0, dlZone)},
	}
	if skipped != 0 || len(got) != len(want) {
		t.Fatalf("got %v (skipped %d), want %v", got, skipped, want)
	}
	for i := range want {
		if got[i].Key != want[i].Key || !got[i].At.Equal(want[i].At) {
			t.Errorf("reminder %d: %v, want %v", i, got[i], want[i])
		}
	}
	// Set on 13/06 at 09:00: 7 and 3 days before have passed.
	got, skipped = DefaultReminderPlan().Times(deadline, time.Date(2024, 6, 13, 9, 0, 0, 0, dlZone), dlZone)
	if skipped != 2 || len(got) != 2 || got[0].Key != "d1" || got[1].Key != "h2" {
		t.Fatalf("set on 13/06: %v skipped %d", got, skipped)
	}
	// A deadline at 09:00: 2 hours before is 07:00, before the day's 08:00? No: same day, and
	// the 1-day reminder is the day before at 08:00. Same-minute reminders are kept once.
	p := ReminderPlan{DaysBefore: []int{1}, At: TimeOfDay{7, 0}, HoursBefore: []int{24}}
	got, _ = p.Times(time.Date(2024, 6, 15, 7, 0, 0, 0, dlZone), dlNow, dlZone)
	if len(got) != 1 {
		t.Fatalf("same-minute reminders not merged: %v", got)
	}
	// A reminder at or after the deadline is dropped (08:00 on a deadline day at 07:00 is not
	// "0 days before").
	p = ReminderPlan{DaysBefore: []int{0, -1}, At: TimeOfDay{8, 0}, HoursBefore: []int{0}}
	if got, _ := p.Times(time.Date(2024, 6, 15, 7, 0, 0, 0, dlZone), dlNow, dlZone); len(got) != 0 {
		t.Fatalf("non-positive offsets: %v", got)
	}
}

func TestSplitLeft(t *testing.T) {
	d, h, m := SplitLeft(7*24*time.Hour + 9*time.Hour + 29*time.Minute + 40*time.Second)
	if d != 7 || h != 9 || m != 30 {
		t.Fatalf("got %d %d %d", d, h, m)
	}
	if d, h, m := SplitLeft(-time.Hour); d != 0 || h != 0 || m != 0 {
		t.Fatalf("negative: %d %d %d", d, h, m)
	}
}

// FuzzParseDeadlineRequest: no panic; an accepted deadline is in the future, within the limit,
// on a minute, with a short single-line text; and typing it back the way the bot shows it
// gives the same time.
func FuzzParseDeadlineRequest(f *testing.F) {
	for _, s := range []string{"15/06 17:00 Nộp báo cáo", "31/02 x", "hôm qua", "ngày mai 8h", "15/06 report q2 x",
		"17:00 15/06/2024 x", "1/1/99", "15/06 bao cao thang 6/2024 x", "29/02/2028 23:59", "mai", "15-6 7g30 a\nb"} {
		f.Add(s, int64(0))
	}
	f.Fuzz(func(t *testing.T, s string, shift int64) {
		o := dlOpts()
		o.Now = o.Now.Add(time.Duration(shift%(3*365*24)) * time.Hour)
		for _, need := range []bool{false, true} {
			o.NeedTime, o.AllowTie = need, !need
			r, err := ParseDeadlineRequest(s, o)
			if err != nil {
				var de *DateError
				if !errors.As(err, &de) && !errors.Is(err, ErrTextTooLong) {
					t.Fatalf("%q: untyped error %v", s, err)
				}
				continue
			}
			if !r.At.After(o.Now) || r.At.Sub(o.Now) > MaxDeadlineAhead || r.At.Second() != 0 {
				t.Fatalf("%q: bad time %v (now %v)", s, r.At, o.Now)
			}
			if need && !r.HasTime {
				t.Fatalf("%q: no time though required", s)
			}
			if strings.ContainsAny(r.Text, "\n\r") || (utf8.ValidString(s) && utf8.RuneCountInString(r.Text) > MaxDeadlineText) {
				t.Fatalf("%q: bad text %q", s, r.Text)
			}
			again, err := ParseDeadlineRequest(r.At.In(dlZone).Format("02/01/2006 15:04")+" x", o)
			if err != nil || !again.At.Equal(r.At) {
				t.Fatalf("%q: %v does not read back: %v %v", s, r.At, again.At, err)
			}
		}
	})
}

// FuzzParseTimeOfDay: no panic; an accepted time is a real time of day that reads back.
func FuzzParseTimeOfDay(f *testing.F) {
	for _, s := range []string{"17:00", "8:05", "17h", "7h30", "24:00", "1:5", "17G30", "٣:٠٠"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := ParseTimeOfDay(s)
		if !ok {
			return
		}
		if c.Hour < 0 || c.Hour > 23 || c.Minute < 0 || c.Minute > 59 {
			t.Fatalf("%q: %v", s, c)
		}
		if back, ok := ParseTimeOfDay(c.String()); !ok || back != c {
			t.Fatalf("%q: %v reads back as %v %v", s, c, back, ok)
		}
	})
}
