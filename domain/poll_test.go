package domain

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParsePoll(t *testing.T) {
	cases := []struct {
		in   string
		want PollSpec
	}{
		{"Họp ngày nào? | Thứ Ba | Thứ Năm", PollSpec{Question: "Họp ngày nào?", Options: []string{"Thứ Ba", "Thứ Năm"}}},
		{"multi Món gì? | Phở | Bún | Cơm", PollSpec{Question: "Món gì?", Options: []string{"Phở", "Bún", "Cơm"}, Multi: true}},
		{"2h Ai đi? | Có | Không", PollSpec{Question: "Ai đi?", Options: []string{"Có", "Không"}, Duration: 2 * time.Hour}},
		{"multi 30p Q | a | b", PollSpec{Question: "Q", Options: []string{"a", "b"}, Multi: true, Duration: 30 * time.Minute}},
		{"2h multi Q | a | b", PollSpec{Question: "Q", Options: []string{"a", "b"}, Multi: true, Duration: 2 * time.Hour}},
		{"Ngày họp?\n- 20/01\n- 21/01\n", PollSpec{Question: "Ngày họp?", Options: []string{"20/01", "21/01"}}},
		{"nhiều\nChọn\nA\nB", PollSpec{Question: "Chọn", Options: []string{"A", "B"}, Multi: true}},
		{"Q | a | | b |", PollSpec{Question: "Q", Options: []string{"a", "b"}}},
		{"2 người? | có | không", PollSpec{Question: "2 người?", Options: []string{"có", "không"}}},
	}
	for _, c := range cases {
		got, err := ParsePoll(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParsePoll(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	eleven := "Q"
	for i := 0; i < 11; i++ {
		eleven += " | o" + string(rune('a'+i))
	}
	bad := map[string]error{
		"":              ErrTextEmpty,
		"| a | b":       ErrTextEmpty,
		"Q | a":         ErrTooFewOptions,
		"Q":             ErrTooFewOptions,
		"Q | a | A":     ErrDuplicateOpt,
		"Q | Phở | pho": ErrDuplicateOpt,
		eleven:          ErrTooManyOpts,
		"Q | " + strings.Repeat("x", MaxPollOption+1) + " | b": ErrNameTooLong,
		strings.Repeat("q", MaxPollQuestion+1) + " | a | b":    ErrTextTooLong,
		"500d Q | a | b": ErrDeadlineFar,
	}
	for in, want := range bad {
		if _, err := ParsePoll(in); err != want {
			t.Errorf("ParsePoll(%.40q) error %v, want %v", in, err, want)
		}
	}
}

func FuzzParsePoll(f *testing.F) {
	for _, s := range []string{"Q | a | b", "multi 2h Q | a | b | c", "Q\na\nb", "| |", "2h", "nhiều 30p\nQ\n- a\n- b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePoll(s)
		if err != nil {
			return
		}
		if p.Question == "" || len([]rune(p.Question)) > MaxPollQuestion {
			t.Fatalf("%q: question %q", s, p.Question)
		}
		if len(p.Options) < MinPollOptions || len(p.Options) > MaxPollOptions {
			t.Fatalf("%q: %d options", s, len(p.Options))
		}
		seen := map[string]bool{}
		for _, o := range p.Options {
			if o == "" || len([]rune(o)) > MaxPollOption || strings.ContainsAny(o, "|\n") {
				t.Fatalf("%q: option %q", s, o)
			}
			if seen[Fold(o)] {
				t.Fatalf("%q: duplicate option %q", s, o)
			}
			seen[Fold(o)] = true
		}
		if p.Duration != 0 && (p.Duration < MinPollDuration || p.Duration > MaxPollDuration) {
			t.Fatalf("%q: duration %v", s, p.Duration)
		}
	})
}

func TestPollChoose(t *testing.T) {
	cases := []struct {
		cur   []int
		opt   int
		multi bool
		want  []int
	}{
		{nil, 2, false, []int{2}},
		{[]int{2}, 3, false, []int{3}},
		{[]int{2}, 2, false, nil},
		{nil, 2, true, []int{2}},
		{[]int{2}, 0, true, []int{0, 2}},
		{[]int{0, 2}, 2, true, []int{0}},
	}
	for _, c := range cases {
		if got := PollChoose(c.cur, c.opt, c.multi); !reflect.DeepEqual(got, c.want) {
			t.Errorf("PollChoose(%v, %d, %v) = %v, want %v", c.cur, c.opt, c.multi, got, c.want)
		}
	}
}
