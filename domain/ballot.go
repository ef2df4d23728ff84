package domain

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Ballots: the election of the bloc's chair (Khối trưởng) and deputy (Khối phó). The unit votes,
// not the person: one ballot per unit, changeable until the ballot closes. The rules are fixed
// when the ballot opens and printed on it.
//
// The store's close script applies Decide's rules inside Redis (so closing and tallying are one
// atomic step); the handlers check the script's outcome against Decide, and the store tests
// compare the two on random ballots.

// Errors of ballots and polls.
var (
	ErrBadDeadline   = errors.New("deadline not understood")
	ErrDeadlinePast  = errors.New("deadline is in the past")
	ErrDeadlineFar   = errors.New("deadline is too far away")
	ErrBadPosition   = errors.New("position must be chair or deputy")
	ErrBadThreshold  = errors.New("threshold not understood")
	ErrChairOpen     = errors.New("the chair ballot of this year is still open")
	ErrDeputyOpen    = errors.New("the deputy ballot of this year is still open")
	ErrSelfVote      = errors.New("a unit may not vote for itself")
	ErrNotEligible   = errors.New("unit may not vote in this ballot")
	ErrNotCandidate  = errors.New("not a candidate of this ballot")
	ErrTooFewOptions = errors.New("too few options")
	ErrTooManyOpts   = errors.New("too many options")
	ErrDuplicateOpt  = errors.New("two options are the same")
)

// Position is what a ballot elects.
type Position string

// Positions.
const (
	PosChair  Position = "chair"
	PosDeputy Position = "deputy"
)

// Valid reports a known position.
func (p Position) Valid() bool { return p == PosChair || p == PosDeputy }

// ParsePosition reads what a person typed for a position, in English or Vietnamese, with or
// without diacritics: chair, truong, trưởng, khối trưởng, khoitruong; deputy, vice, pho, phó,
// khối phó, khoipho.
func ParsePosition(s string) (Position, bool) {
	switch strings.ReplaceAll(Fold(s), " ", "") {
	case "chair", "chairman", "truong", "khoitruong", "kt":
		return PosChair, true
	case "deputy", "vice", "vicechair", "pho", "khoipho", "kp":
		return PosDeputy, true
	}
	return "", false
}

// Threshold is a share that a count must pass: more than Num/Den of a total, or, with AtLeast,
// at least Num/Den of it. "More than half" is {1, 2, false}.
type Threshold struct {
	Num, Den int
	AtLeast  bool
}

// MoreThanHalf is the default quorum and majority.
var MoreThanHalf = Threshold{Num: 1, Den: 2}

// Met reports whether n of total passes the threshold. Nothing passes a threshold of nothing.
func (t Threshold) Met(n, total int) bool {
	if total <= 0 || t.Den <= 0 {
		return false
	}
	if t.AtLeast {
		return n*t.Den >= t.Num*total
	}
	return n*t.Den > t.Num*total
}

// Need is the smallest count that passes the threshold of total.
func (t Threshold) Need(total int) int {
	for n := 0; n <= total; n++ {
		if t.Met(n, total) {
			return n
		}
	}
	return total + 1
}

// String is the threshold as ParseThreshold reads it: "1/2" (more than) or ">=2/3".
func (t Threshold) String() string {
	s := strconv.Itoa(t.Num) + "/" + strconv.Itoa(t.Den)
	if t.AtLeast {
		return ">=" + s
	}
	return s
}

// Valid reports a usable threshold: more than a share below one, or at least a share up to one.
func (t Threshold) Valid() bool {
	if t.Num <= 0 || t.Den <= 0 || t.Den > 1000 || t.Num > t.Den {
		return false
	}
	return t.AtLeast || t.Num < t.Den
}

// ParseThreshold reads a threshold. A share alone means "more than": "1/2", ">1/2", "50%" and
// the words "quá bán", "half", "majority" are more than half. Prefixed by ">=" or "≥" it means
// "at least": ">=2/3" is at least two thirds; "unanimous"/"nhất trí" is all.
func ParseThreshold(s string) (Threshold, error) {
	f := strings.ReplaceAll(Fold(s), " ", "")
	switch f {
	case "quaban", "half", "majority", "morethanhalf", "hon1/2", "trenmotnua", "tren1/2":
		return MoreThanHalf, nil
	case "unanimous", "all", "tatca", "nhattri":
		return Threshold{Num: 1, Den: 1, AtLeast: true}, nil
	}
	var t Threshold
	switch {
	case strings.HasPrefix(f, ">="):
		t.AtLeast, f = true, f[2:]
	case strings.HasPrefix(f, "≥"):
		t.AtLeast, f = true, strings.TrimPrefix(f, "≥")
	case strings.HasPrefix(f, ">"):
		f = f[1:]
	}
	if p, ok := strings.CutSuffix(f, "%"); ok {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 100 {
			return Threshold{}, ErrBadThreshold
		}
		g := gcd(n, 100)
		t.Num, t.Den = n/g, 100/g
	} else {
		a, b, ok := strings.Cut(f, "/")
		if !ok {
			return Threshold{}, ErrBadThreshold
		}
		n, err1 := strconv.Atoi(a)
		d, err2 := strconv.Atoi(b)
		if err1 != nil || err2 != nil || n <= 0 || d <= 0 || d > 1000 {
			return Threshold{}, ErrBadThreshold
		}
		g := gcd(n, d)
		t.Num, t.Den = n/g, d/g
	}
	if !t.Valid() {
		return Threshold{}, ErrBadThreshold
	}
	return t, nil
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	if a <= 0 {
		return 1
	}
	return a
}

// BallotRules are declared when a ballot opens and do not change afterwards.
type BallotRules struct {
	Secret   bool
	Quorum   Threshold // of the eligible units, that must vote
	Majority Threshold // of the votes cast, that the winner needs
	SelfVote bool      // a unit may vote for itself
	// MaxRounds is the number of rounds (the first ballot and its runoffs) after which a tie or
	// a lack of majority leaves the election undecided.
	MaxRounds int
}

// DefaultMaxRounds is how many rounds a ballot may take: the first and two runoffs.
const DefaultMaxRounds = 3

// MaxRoundsLimit is the most rounds a bloc may allow a ballot (/ballotrules rounds).
const MaxRoundsLimit = 10

// DefaultBallotRules are the rules PRODUCT.md prints by default: secret, quorum more than half
// of the units, winner with more than half of the votes cast, self-votes allowed, a runoff
// among the leaders on a tie or without a majority.
func DefaultBallotRules() BallotRules {
	return BallotRules{Secret: true, Quorum: MoreThanHalf, Majority: MoreThanHalf, SelfVote: true, MaxRounds: DefaultMaxRounds}
}

// BallotCandidates are the units a ballot for pos in year is between: all the bloc's units; for
// deputy, without the unit elected chair for that year.
func BallotCandidates(b *Bloc, pos Position, year int) []Unit {
	var out []Unit
	chair, hasChair := b.Chairs[year]
	for _, u := range b.Units {
		if pos == PosDeputy && hasChair && u.ID == chair {
			continue
		}
		out = append(out, u)
	}
	return out
}

// Decision is how a ballot ended.
type Decision string

// Decisions.
const (
	Elected   Decision = "elected"   // one winner
	Runoff    Decision = "runoff"    // a tie or no majority: a runoff between the leaders opens
	NoQuorum  Decision = "noquorum"  // too few units voted: no result
	Undecided Decision = "undecided" // a tie or no majority in the last allowed round
)

// CandidateVotes is a candidate's count.
type CandidateVotes struct {
	Unit  int `json:"id"`
	Votes int `json:"n"`
}

// Outcome is the result of a ballot.
type Outcome struct {
	Decision  Decision
	Winner    int   // when Elected
	Leaders   []int // the runoff's candidates (Runoff), or the tied leaders (Undecided)
	QuorumMet bool
	Cast      int
	Eligible  int
	// Counts are every candidate's votes, most votes first (ties by unit id).
	Counts []CandidateVotes
}

// TallyVotes counts ballots (unit -> chosen candidate) per candidate.
func TallyVotes(votes map[int]int) map[int]int {
	out := map[int]int{}
	for _, c := range votes {
		out[c]++
	}
	return out
}

// SortCounts orders counts most votes first, ties by unit id.
func SortCounts(cs []CandidateVotes) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Votes != cs[j].Votes {
			return cs[i].Votes > cs[j].Votes
		}
		return cs[i].Unit < cs[j].Unit
	})
}

// Decide applies the rules to a ballot's counts. cands are the candidates, counts their votes
// (votes for non-candidates are ignored), cast the number of units that voted, eligible the
// number that could, round the ballot's round (1 for the first).
//
//   - Fewer voters than the quorum: NoQuorum.
//   - One candidate with the most votes and the majority of the votes cast: Elected.
//   - Otherwise, before the last round: Runoff between the leaders — all those tied for the most
//     votes, or, when one leads without a majority, the leader and those tied second.
//   - Otherwise: Undecided.
func Decide(cands []int, counts map[int]int, cast, eligible int, r BallotRules, round int) Outcome {
	o := Outcome{Cast: cast, Eligible: eligible}
	for _, c := range cands {
		o.Counts = append(o.Counts, CandidateVotes{Unit: c, Votes: counts[c]})
	}
	SortCounts(o.Counts)
	o.QuorumMet = r.Quorum.Met(cast, eligible)
	if !o.QuorumMet || len(o.Counts) == 0 {
		o.Decision = NoQuorum
		return o
	}
	top := o.Counts[0].Votes
	var firsts, seconds []int
	second := -1
	for _, cv := range o.Counts {
		switch {
		case cv.Votes == top:
			firsts = append(firsts, cv.Unit)
		case second < 0 || cv.Votes == second:
			second = cv.Votes
			seconds = append(seconds, cv.Unit)
		}
	}
	if len(firsts) == 1 && r.Majority.Met(top, cast) {
		o.Decision, o.Winner = Elected, firsts[0]
		return o
	}
	o.Leaders = firsts
	if len(firsts) == 1 {
		o.Leaders = append(o.Leaders, seconds...)
	}
	maxRounds := r.MaxRounds
	if maxRounds <= 0 {
		maxRounds = DefaultMaxRounds
	}
	if round >= maxRounds || len(o.Leaders) < 2 {
		o.Decision = Undecided
		return o
	}
	o.Decision = Runoff
	return o
}

// Limits on deadlines.
const (
	MinDeadline = time.Minute
	MaxDeadline = 92 * 24 * time.Hour
)

// ParseDuration reads a duration as people type it: "2h", "90m", "1d", "1h30m", "2g" or "2 giờ",
// "45p" or "45 phút", "3 ngày". Units: d/n/ngày, h/g/giờ, m/p/ph/phút/min. A bare number is not a
// duration.
func ParseDuration(s string) (time.Duration, bool) {
	f := strings.ReplaceAll(Fold(s), " ", "")
	if f == "" || len(f) > 40 {
		return 0, false
	}
	var total time.Duration
	for f != "" {
		i := 0
		for i < len(f) && f[i] >= '0' && f[i] <= '9' {
			i++
		}
		if i == 0 || i > 6 {
			return 0, false
		}
		n, _ := strconv.Atoi(f[:i])
		f = f[i:]
		j := 0
		for j < len(f) && (f[j] < '0' || f[j] > '9') {
			j++
		}
		unit, ok := durationUnit(f[:j])
		if !ok {
			return 0, false
		}
		f = f[j:]
		total += time.Duration(n) * unit
		if total > 3650*24*time.Hour {
			return 0, false
		}
	}
	return total, total > 0
}

// durationUnit is the length of a folded unit word: d/n/ngày, h/g/giờ/tiếng, m/p/phút.
func durationUnit(w string) (time.Duration, bool) {
	switch w {
	case "d", "n", "day", "days", "ngay":
		return 24 * time.Hour, true
	case "h", "g", "gio", "hour", "hours", "hr", "hrs", "tieng":
		return time.Hour, true
	case "m", "p", "ph", "phut", "min", "mins", "minute", "minutes":
		return time.Minute, true
	}
	return 0, false
}

// ParseDeadline reads a deadline at or after now, in loc: a duration from now ("2h", "1 ngày"),
// a time today ("17:00", "17h", "17h30"; tomorrow when it has passed), a date ("20/01",
// "20/01/2025"; at 23:59) or a date and time ("20/01 17:00", "17:00 20/01/2025"). The
// deadline must be at least MinDeadline and at most MaxDeadline away.
func ParseDeadline(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	s = strings.TrimSpace(s)
	if s == "" || len([]rune(s)) > 60 {
		return time.Time{}, ErrBadDeadline
	}
	var at time.Time
	if d, ok := ParseDuration(s); ok {
		at = now.Add(d)
	} else {
		local := now.In(loc)
		var date, clock string
		for _, f := range strings.Fields(strings.ReplaceAll(s, ",", " ")) {
			switch {
			case strings.Contains(f, "/") || strings.Count(f, "-") == 2:
				if date != "" {
					return time.Time{}, ErrBadDeadline
				}
				date = f
			case strings.ContainsAny(f, ":hHgG"):
				if clock != "" {
					return time.Time{}, ErrBadDeadline
				}
				clock = f
			default:
				l := strings.ToLower(f)
				if l == "luc" || l == "lúc" || l == "at" || l == "ngay" || l == "ngày" || l == "on" {
					continue
				}
				return time.Time{}, ErrBadDeadline
			}
		}
		hh, mm := 23, 59
		if clock != "" {
			var ok bool
			if hh, mm, ok = parseClock(clock); !ok {
				return time.Time{}, ErrBadDeadline
			}
		}
		if date == "" {
			at = time.Date(local.Year(), local.Month(), local.Day(), hh, mm, 0, 0, loc)
			if !at.After(now) {
				at = at.AddDate(0, 0, 1)
			}
		} else {
			d, m, y, hasYear, ok := parseDate(date)
			if !ok {
				return time.Time{}, ErrBadDeadline
			}
			if !hasYear {
				y = local.Year()
			}
			at = time.Date(y, time.Month(m), d, hh, mm, 0, 0, loc)
			if at.Day() != d || int(at.Month()) != m {
				return time.Time{}, ErrBadDeadline // 31/02
			}
			if !hasYear && !at.After(now) && now.Sub(at) > 24*time.Hour {
				// "05/01" typed in December means next January.
				at = time.Date(y+1, time.Month(m), d, hh, mm, 0, 0, loc)
			}
		}
	}
	switch {
	case at.Sub(now) < MinDeadline:
		return time.Time{}, ErrDeadlinePast
	case at.Sub(now) > MaxDeadline:
		return time.Time{}, ErrDeadlineFar
	}
	return at.Truncate(time.Second), nil
}

// parseClock reads "17:00", "17h", "17h30", "17g30", "9:5" is refused (minutes need two digits).
func parseClock(s string) (int, int, bool) {
	s = strings.ToLower(s)
	var hs, ms string
	if h, m, ok := strings.Cut(s, ":"); ok {
		hs, ms = h, m
		if len(ms) != 2 {
			return 0, 0, false
		}
	} else {
		i := strings.IndexAny(s, "hg")
		if i < 0 {
			return 0, 0, false
		}
		hs, ms = s[:i], s[i+1:]
		if ms == "" {
			ms = "00"
		}
		if len(ms) != 2 {
			return 0, 0, false
		}
	}
	if len(hs) == 0 || len(hs) > 2 || !allDigits(hs) || !allDigits(ms) {
		return 0, 0, false
	}
	h, _ := strconv.Atoi(hs)
	m, _ := strconv.Atoi(ms)
	if h > 23 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

// parseDate reads dd/mm, dd/mm/yyyy or dd-mm-yyyy.
func parseDate(s string) (d, m, y int, hasYear, ok bool) {
	sep := "/"
	if !strings.Contains(s, "/") {
		sep = "-"
	}
	parts := strings.Split(s, sep)
	if len(parts) < 2 || len(parts) > 3 {
		return
	}
	for _, p := range parts {
		if p == "" || len(p) > 4 || !allDigits(p) {
			return
		}
	}
	if len(parts[0]) > 2 || len(parts[1]) > 2 {
		return
	}
	d, _ = strconv.Atoi(parts[0])
	m, _ = strconv.Atoi(parts[1])
	if len(parts) == 3 {
		if len(parts[2]) != 4 {
			return
		}
		y, _ = strconv.Atoi(parts[2])
		hasYear = true
	}
	if d < 1 || d > 31 || m < 1 || m > 12 || (hasYear && (y < 2000 || y > 2200)) {
		return
	}
	ok = true
	return
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ElectArgs is what /elect was given.
type ElectArgs struct {
	Pos Position
	// Mode is "secret", "open" or "" (the bloc's default).
	Mode     string
	Deadline time.Time // zero: no deadline, closed by a manager
	// Year is the year the ballot elects for ("for 2025", "năm 2025" or "2025"); 0: the
	// bloc's current year. A year-end conference elects the next year's chair and deputy.
	Year int
}

// ParseElectArgs reads "/elect chair [open|secret] [for <year>] [deadline]" (and the
// Vietnamese forms: "/baucu truong [congkhai|kin] [năm <năm>] [hạn]"). The position comes
// first; the mode and the year may stand anywhere after it.
func ParseElectArgs(args string, now time.Time, loc *time.Location) (ElectArgs, error) {
	var a ElectArgs
	words := strings.Fields(args)
	var rest []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if a.Pos == "" {
			// "khối trưởng" is two words.
			if i+1 < len(words) && Fold(w) == "khoi" {
				if p, ok := ParsePosition(w + words[i+1]); ok {
					a.Pos = p
					i++
					continue
				}
			}
			if p, ok := ParsePosition(w); ok {
				a.Pos = p
				continue
			}
		}
		if a.Mode == "" {
			if m := parseMode(w); m != "" {
				a.Mode = m
				continue
			}
			// "công khai" is two words, "bỏ phiếu kín" three.
			if i+1 < len(words) {
				if m := parseMode(w + words[i+1]); m != "" {
					a.Mode = m
					i++
					continue
				}
			}
		}
		if a.Pos == "" {
			return ElectArgs{}, ErrBadPosition
		}
		if a.Year == 0 {
			f := Fold(w)
			if (f == "for" || f == "nam") && i+1 < len(words) {
				if y, ok := electYear(words[i+1]); ok {
					a.Year = y
					i++
					continue
				}
			}
			if y, ok := electYear(w); ok {
				a.Year = y
				continue
			}
		}
		rest = append(rest, w)
	}
	if a.Pos == "" {
		return ElectArgs{}, ErrBadPosition
	}
	if len(rest) > 0 {
		at, err := ParseDeadline(strings.Join(rest, " "), now, loc)
		if err != nil {
			return ElectArgs{}, err
		}
		a.Deadline = at
	}
	return a, nil
}

// electYear reads a year of four digits (2000 to 2199).
func electYear(w string) (int, bool) {
	if len(w) != 4 {
		return 0, false
	}
	y, err := strconv.Atoi(w)
	return y, err == nil && y >= 2000 && y < 2200
}

func parseMode(w string) string {
	switch strings.ReplaceAll(Fold(w), " ", "") {
	case "open", "public", "congkhai", "cong-khai", "mo":
		return "open"
	case "secret", "kin", "phieukin", "bophieukin":
		return "secret"
	}
	return ""
}

// FormatLeft writes a duration left in whole minutes, hours and days, in the given words
// (e.g. "ngày", "giờ", "phút").
func FormatLeft(d time.Duration, day, hour, minute string) string {
	if d < time.Minute {
		return "< 1 " + minute
	}
	d = d.Round(time.Minute)
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	hours := int(d / time.Hour)
	d -= time.Duration(hours) * time.Hour
	mins := int(d / time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", days, day))
	}
	if hours > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", hours, hour))
	}
	if mins > 0 && days == 0 {
		parts = append(parts, fmt.Sprintf("%d %s", mins, minute))
	}
	if len(parts) == 0 {
		return "< 1 " + minute
	}
	return strings.Join(parts, " ")
}
