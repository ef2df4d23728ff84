package domain

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"
)

func ict() *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		return time.FixedZone("ICT", 7*3600)
	}
	return loc
}

func TestParsePosition(t *testing.T) {
	for in, want := range map[string]Position{
		"chair": PosChair, "truong": PosChair, "trưởng": PosChair, "Khối trưởng": PosChair, "KHOITRUONG": PosChair,
		"deputy": PosDeputy, "pho": PosDeputy, "phó": PosDeputy, "khối phó": PosDeputy, "vice": PosDeputy,
	} {
		if got, ok := ParsePosition(in); !ok || got != want {
			t.Errorf("ParsePosition(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "president", "tr", "2h"} {
		if _, ok := ParsePosition(in); ok {
			t.Errorf("ParsePosition(%q) accepted", in)
		}
	}
}

func TestThreshold(t *testing.T) {
	half := MoreThanHalf
	cases := []struct {
		t        Threshold
		n, total int
		want     bool
	}{
		{half, 4, 7, true}, {half, 3, 7, false}, {half, 3, 6, false}, {half, 4, 6, true},
		{half, 0, 0, false}, {half, 1, 1, true}, {half, 1, 2, false},
		{Threshold{2, 3, true}, 2, 3, true}, {Threshold{2, 3, true}, 4, 7, false}, {Threshold{2, 3, true}, 5, 7, true},
		{Threshold{2, 3, false}, 2, 3, false},
	}
	for _, c := range cases {
		if got := c.t.Met(c.n, c.total); got != c.want {
			t.Errorf("%v.Met(%d, %d) = %v, want %v", c.t, c.n, c.total, got, c.want)
		}
	}
	if n := half.Need(7); n != 4 {
		t.Errorf("Need(7) = %d, want 4", n)
	}
	if n := half.Need(6); n != 4 {
		t.Errorf("Need(6) = %d, want 4", n)
	}
}

func TestParseThreshold(t *testing.T) {
	ok := map[string]Threshold{
		"1/2": MoreThanHalf, ">1/2": MoreThanHalf, "50%": MoreThanHalf, "quá bán": MoreThanHalf, "2/4": MoreThanHalf,
		">=2/3": {2, 3, true}, "≥2/3": {2, 3, true}, ">= 2/3": {2, 3, true}, "2/3": {2, 3, false},
		">=100%": {1, 1, true}, "nhất trí": {1, 1, true}, ">=60%": {3, 5, true},
	}
	for in, want := range ok {
		got, err := ParseThreshold(in)
		if err != nil || got != want {
			t.Errorf("ParseThreshold(%q) = %v, %v; want %v", in, got, err, want)
		}
		back, err := ParseThreshold(got.String())
		if err != nil || back != got {
			t.Errorf("round trip of %v: %v, %v", got, back, err)
		}
	}
	for _, in := range []string{"", "1/1", "100%", "0/2", "3/2", "1/0", "abc", ">=0%", "101%", "1/2/3", "-1/2"} {
		if got, err := ParseThreshold(in); err == nil {
			t.Errorf("ParseThreshold(%q) = %v, want an error", in, got)
		}
	}
}

func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{"1/2", ">=2/3", "50%", "quá bán", "≥ 3/4", "1/1", ">100%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		th, err := ParseThreshold(s)
		if err != nil {
			return
		}
		if !th.Valid() {
			t.Fatalf("%q parsed to invalid %v", s, th)
		}
		back, err := ParseThreshold(th.String())
		if err != nil || back != th {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, th, th.String(), back, err)
		}
		// A valid threshold is met by everyone and not by no one.
		if !th.Met(10, 10) || th.Met(0, 10) {
			t.Fatalf("%v: Met(10,10)=%v Met(0,10)=%v", th, th.Met(10, 10), th.Met(0, 10))
		}
	})
}

func TestBallotCandidates(t *testing.T) {
	b := tayNinh()
	if got := BallotCandidates(b, PosChair, 2024); len(got) != 7 {
		t.Fatalf("chair candidates: %d", len(got))
	}
	if got := BallotCandidates(b, PosDeputy, 2024); len(got) != 7 {
		t.Fatalf("deputy candidates without a chair: %d", len(got))
	}
	b.Chairs[2024] = 1
	b.Chairs[2023] = 5
	got := BallotCandidates(b, PosDeputy, 2024)
	if len(got) != 6 {
		t.Fatalf("deputy candidates: %d", len(got))
	}
	for _, u := range got {
		if u.ID == 1 {
			t.Fatalf("the chair is a deputy candidate")
		}
	}
	if got := BallotCandidates(b, PosChair, 2024); len(got) != 7 {
		t.Fatalf("chair candidates with a chair: %d", len(got))
	}
}

func TestDecide(t *testing.T) {
	r := DefaultBallotRules()
	cands := []int{1, 2, 3, 4, 5, 6, 7}
	cases := []struct {
		name     string
		counts   map[int]int
		cast     int
		round    int
		decision Decision
		winner   int
		leaders  []int
	}{
		{"clear winner", map[int]int{1: 5, 2: 2}, 7, 1, Elected, 1, nil},
		{"exactly half is not a majority", map[int]int{1: 3, 2: 2, 3: 1}, 6, 1, Runoff, 0, []int{1, 2}},
		{"tie for first", map[int]int{3: 2, 5: 2}, 4, 1, Runoff, 0, []int{3, 5}},
		{"three-way tie", map[int]int{2: 2, 4: 2, 6: 2}, 6, 1, Runoff, 0, []int{2, 4, 6}},
		{"leader without majority, tie for second", map[int]int{1: 3, 2: 1, 3: 1, 4: 1}, 6, 1, Runoff, 0, []int{1, 2, 3, 4}},
		{"no quorum", map[int]int{1: 3}, 3, 1, NoQuorum, 0, nil},
		{"nobody voted", map[int]int{}, 0, 1, NoQuorum, 0, nil},
		{"tie in the last round", map[int]int{3: 2, 5: 2}, 4, 3, Undecided, 0, []int{3, 5}},
		{"winner in a runoff", map[int]int{3: 3, 5: 2}, 5, 2, Elected, 3, nil},
	}
	for _, c := range cases {
		o := Decide(cands, c.counts, c.cast, 7, r, c.round)
		if o.Decision != c.decision || o.Winner != c.winner || !reflect.DeepEqual(o.Leaders, c.leaders) {
			t.Errorf("%s: got %s winner %d leaders %v; want %s %d %v", c.name, o.Decision, o.Winner, o.Leaders, c.decision, c.winner, c.leaders)
		}
		if len(o.Counts) != len(cands) {
			t.Errorf("%s: %d counts", c.name, len(o.Counts))
		}
		for i := 1; i < len(o.Counts); i++ {
			if o.Counts[i].Votes > o.Counts[i-1].Votes {
				t.Errorf("%s: counts not sorted: %v", c.name, o.Counts)
			}
		}
	}
	// A stricter majority.
	r.Majority = Threshold{2, 3, true}
	if o := Decide(cands, map[int]int{1: 4, 2: 3}, 7, 7, r, 1); o.Decision != Runoff {
		t.Errorf("4 of 7 with a 2/3 majority: %s", o.Decision)
	}
	if o := Decide(cands, map[int]int{1: 5, 2: 2}, 7, 7, r, 1); o.Decision != Elected || o.Winner != 1 {
		t.Errorf("5 of 7 with a 2/3 majority: %s", o.Decision)
	}
}

// Properties of Decide over random ballots.
func TestDecideProperties(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 5000; i++ {
		n := 2 + rng.Intn(9)
		cands := make([]int, n)
		for j := range cands {
			cands[j] = j + 1
		}
		eligible := n + rng.Intn(5)
		votes := map[int]int{}
		for u := 1; u <= eligible; u++ {
			if rng.Intn(3) > 0 {
				votes[u] = cands[rng.Intn(len(cands))]
			}
		}
		round := 1 + rng.Intn(3)
		o := Decide(cands, TallyVotes(votes), len(votes), eligible, DefaultBallotRules(), round)
		total := 0
		for _, c := range o.Counts {
			total += c.Votes
		}
		if total != len(votes) {
			t.Fatalf("counts add up to %d, %d voted", total, len(votes))
		}
		switch o.Decision {
		case Elected:
			if o.Counts[0].Unit != o.Winner || 2*o.Counts[0].Votes <= len(votes) {
				t.Fatalf("winner %d without a majority: %v", o.Winner, o.Counts)
			}
		case Runoff:
			if round >= DefaultMaxRounds || len(o.Leaders) < 2 {
				t.Fatalf("runoff in round %d with %v", round, o.Leaders)
			}
			if o.Leaders[0] != o.Counts[0].Unit {
				t.Fatalf("runoff without the leader: %v %v", o.Leaders, o.Counts)
			}
		case NoQuorum:
			if 2*len(votes) > eligible {
				t.Fatalf("no quorum with %d of %d", len(votes), eligible)
			}
		}
	}
}

func TestParseDuration(t *testing.T) {
	ok := map[string]time.Duration{
		"2h": 2 * time.Hour, "90m": 90 * time.Minute, "1d": 24 * time.Hour, "1h30m": 90 * time.Minute,
		"2g": 2 * time.Hour, "2 giờ": 2 * time.Hour, "45p": 45 * time.Minute, "45 phút": 45 * time.Minute,
		"3 ngày": 72 * time.Hour, "2 tiếng": 2 * time.Hour, "1g30": 0,
	}
	for in, want := range ok {
		got, good := ParseDuration(in)
		if want == 0 {
			if good {
				t.Errorf("ParseDuration(%q) = %v, want refusal", in, got)
			}
			continue
		}
		if !good || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, good, want)
		}
	}
	for _, in := range []string{"", "2", "h", "abc", "2x", "17:00", "20/01", "-2h", "99999999h"} {
		if d, good := ParseDuration(in); good {
			t.Errorf("ParseDuration(%q) = %v", in, d)
		}
	}
}

func TestParseDeadline(t *testing.T) {
	loc := ict()
	now := time.Date(2024, 1, 31, 9, 0, 0, 0, loc) // the Tây Ninh conference day, 09:00
	cases := map[string]time.Time{
		"2h":               now.Add(2 * time.Hour),
		"30p":              now.Add(30 * time.Minute),
		"17:00":            time.Date(2024, 1, 31, 17, 0, 0, 0, loc),
		"17h30":            time.Date(2024, 1, 31, 17, 30, 0, 0, loc),
		"08:00":            time.Date(2024, 2, 1, 8, 0, 0, 0, loc), // passed today: tomorrow
		"05/02":            time.Date(2024, 2, 5, 23, 59, 0, 0, loc),
		"05/02 17:00":      time.Date(2024, 2, 5, 17, 0, 0, 0, loc),
		"17:00 05/02/2024": time.Date(2024, 2, 5, 17, 0, 0, 0, loc),
		"lúc 17:00":        time.Date(2024, 1, 31, 17, 0, 0, 0, loc),
		"31/01":            time.Date(2024, 1, 31, 23, 59, 0, 0, loc),
	}
	for in, want := range cases {
		got, err := ParseDeadline(in, now, loc)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseDeadline(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	// "05/01" typed in late December is next January.
	dec := time.Date(2024, 12, 28, 9, 0, 0, 0, loc)
	if got, err := ParseDeadline("05/01", dec, loc); err != nil || got.Year() != 2025 {
		t.Errorf("05/01 in December: %v, %v", got, err)
	}
	bad := map[string]error{
		"":            ErrBadDeadline,
		"mai":         ErrBadDeadline,
		"31/02":       ErrBadDeadline,
		"25:00":       ErrBadDeadline,
		"30/01/2024":  ErrDeadlinePast,
		"09:00 31/01": ErrDeadlinePast,
		"2024":        ErrBadDeadline,
		"01/01/2030":  ErrDeadlineFar,
		"500d":        ErrDeadlineFar,
		"17:00 18:00": ErrBadDeadline,
	}
	for in, want := range bad {
		if _, err := ParseDeadline(in, now, loc); err != want {
			t.Errorf("ParseDeadline(%q) error %v, want %v", in, err, want)
		}
	}
}

func FuzzParseDeadline(f *testing.F) {
	for _, s := range []string{"2h", "17:00", "05/02 17:00", "31/02", "1h30m", "lúc 17h", "20-01-2025", "3 ngày", "9:5", "0/0/0000"} {
		f.Add(s, int64(1706666400))
	}
	loc := ict()
	f.Fuzz(func(t *testing.T, s string, unix int64) {
		if unix < 0 || unix > 1<<36 {
			return
		}
		now := time.Unix(unix, 0)
		at, err := ParseDeadline(s, now, loc)
		if err != nil {
			return
		}
		if d := at.Sub(now); d < MinDeadline-time.Second || d > MaxDeadline {
			t.Fatalf("%q at %v: deadline %v is %v away", s, now, at, d)
		}
		// The printed form reads back to the same time.
		printed := at.In(loc).Format("02/01/2006 15:04")
		back, err := ParseDeadline(printed, now, loc)
		if at.Second() == 0 && (err != nil && err != ErrDeadlinePast || err == nil && !back.Equal(at)) {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, at, printed, back, err)
		}
	})
}

func TestParseElectArgs(t *testing.T) {
	loc := ict()
	now := time.Date(2024, 1, 31, 9, 0, 0, 0, loc)
	cases := []struct {
		in   string
		want ElectArgs
	}{
		{"chair", ElectArgs{Pos: PosChair}},
		{"truong", ElectArgs{Pos: PosChair}},
		{"khối trưởng", ElectArgs{Pos: PosChair}},
		{"pho 2h", ElectArgs{Pos: PosDeputy, Deadline: now.Add(2 * time.Hour)}},
		{"chair open 17:00", ElectArgs{Pos: PosChair, Mode: "open", Deadline: time.Date(2024, 1, 31, 17, 0, 0, 0, loc)}},
		{"open chair", ElectArgs{Pos: PosChair, Mode: "open"}},
		{"truong cong khai 05/02 17:00", ElectArgs{Pos: PosChair, Mode: "open", Deadline: time.Date(2024, 2, 5, 17, 0, 0, 0, loc)}},
		{"phó kín", ElectArgs{Pos: PosDeputy, Mode: "secret"}},
		{"truong nam 2025 17:00", ElectArgs{Pos: PosChair, Year: 2025, Deadline: time.Date(2024, 1, 31, 17, 0, 0, 0, loc)}},
		{"chair for 2025", ElectArgs{Pos: PosChair, Year: 2025}},
		{"pho 2025 congkhai", ElectArgs{Pos: PosDeputy, Year: 2025, Mode: "open"}},
		{"khối phó năm 2024 2h", ElectArgs{Pos: PosDeputy, Year: 2024, Deadline: now.Add(2 * time.Hour)}},
	}
	for _, c := range cases {
		got, err := ParseElectArgs(c.in, now, loc)
		if err != nil || got.Pos != c.want.Pos || got.Mode != c.want.Mode || got.Year != c.want.Year || !got.Deadline.Equal(c.want.Deadline) {
			t.Errorf("ParseElectArgs(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for in, want := range map[string]error{"": ErrBadPosition, "president": ErrBadPosition, "2h": ErrBadPosition,
		"chair tomorrow": ErrBadDeadline, "chair 30/01/2024": ErrDeadlinePast} {
		if _, err := ParseElectArgs(in, now, loc); err != want {
			t.Errorf("ParseElectArgs(%q) error %v, want %v", in, err, want)
		}
	}
}

func FuzzParseElectArgs(f *testing.F) {
	for _, s := range []string{"chair", "pho 2h", "chair open 17:00", "khối trưởng công khai 05/02", "open", "kín phó 3 ngày"} {
		f.Add(s)
	}
	loc := ict()
	now := time.Date(2024, 1, 31, 9, 0, 0, 0, loc)
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseElectArgs(s, now, loc)
		if err != nil {
			return
		}
		if !a.Pos.Valid() {
			t.Fatalf("%q: position %q", s, a.Pos)
		}
		if a.Mode != "" && a.Mode != "open" && a.Mode != "secret" {
			t.Fatalf("%q: mode %q", s, a.Mode)
		}
		if !a.Deadline.IsZero() && (a.Deadline.Sub(now) < MinDeadline-time.Second || a.Deadline.Sub(now) > MaxDeadline) {
			t.Fatalf("%q: deadline %v", s, a.Deadline)
		}
	})
}

func TestFormatLeft(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second:             "< 1 m",
		90 * time.Minute:             "1 h 30 m",
		26*time.Hour + time.Minute:   "1 d 2 h",
		48 * time.Hour:               "2 d",
		59*time.Minute + time.Second: "59 m",
	} {
		if got := FormatLeft(d, "d", "h", "m"); got != want {
			t.Errorf("FormatLeft(%v) = %q, want %q", d, got, want)
		}
	}
	if !strings.Contains(FormatLeft(3*time.Hour, "ngày", "giờ", "phút"), "giờ") {
		t.Error("words not used")
	}
}
