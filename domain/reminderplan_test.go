package domain

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseReminderPlan(t *testing.T) {
	at := TimeOfDay{8, 0}
	for in, want := range map[string]string{
		"7 3 1 08:00 2h":                "7 3 1 08:00 2h",
		"1, 3, 7":                       "7 3 1 08:00",
		"5 ngày 2 ngày trước lúc 07:30": "5 2 07:30",
		"3d 1d 4h 1h":                   "3 1 08:00 4h 1h",
		"2 giờ":                         "2h",
		"2h 07:30":                      "2h",
		"24g 2 tiếng":                   "24h 2h",
		"7 7 3":                         "7 3 08:00",
		"Tắt":                           "off",
		"off":                           "off",
		"14 7 1 17:30 3h 1h":            "14 7 1 17:30 3h 1h",
	} {
		p, err := ParseReminderPlan(in, at)
		if err != nil || p.String() != want {
			t.Errorf("ParseReminderPlan(%q) = %q, %v; want %q", in, p.String(), err, want)
		}
	}
	for _, in := range []string{"", "trước", "0 3", "61", "73h", "1 2 3 4 5 6 7", "3 tuần", "7 08:00 09:00", "25:00 3", "abc", "3x", "1234"} {
		if p, err := ParseReminderPlan(in, at); !errors.Is(err, ErrBadReminderPlan) {
			t.Errorf("ParseReminderPlan(%q) = %q, %v; want ErrBadReminderPlan", in, p.String(), err)
		}
	}
	p, _ := ParseReminderPlan("7 1 2h", at)
	for key, want := range map[string]bool{"d7": true, "d1": true, "h2": true, "d2": false, "h7": false, "x": false, "dd": false, "": false} {
		if p.Has(key) != want {
			t.Errorf("Has(%q) = %v", key, !want)
		}
	}
	if !DefaultReminderPlan().Has("d7") || DefaultReminderPlan().String() != "7 3 1 08:00 2h" {
		t.Errorf("default plan %q", DefaultReminderPlan().String())
	}
	off, _ := ParseReminderPlan("khong", at)
	if !off.Off() || off.Has("d7") {
		t.Errorf("off plan %+v", off)
	}
}

// Whatever a manager types, the parser does not panic, and a plan it accepts reads back the
// same from its String form (which is how it is stored).
func FuzzParseReminderPlan(f *testing.F) {
	for _, s := range []string{"7 3 1 08:00 2h", "5 ngày 07:30", "2 giờ", "tắt", "3d 1h", ",,", "99 9:99", "1h 07:30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		at := TimeOfDay{8, 0}
		p, err := ParseReminderPlan(s, at)
		if err != nil {
			return
		}
		back, err := ParseReminderPlan(p.String(), at)
		if err != nil || !reflect.DeepEqual(back, p) {
			t.Fatalf("%q → %q → %+v, %v; want %+v", s, p.String(), back, err, p)
		}
		if n := len(p.DaysBefore) + len(p.HoursBefore); n > MaxReminderOffsets {
			t.Fatalf("%q: %d offsets", s, n)
		}
	})
}
