package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The emulation pledge (giao ước thi đua): a title and a short list of commitments that every
// unit of the bloc signs for the year. Its version is a short hash of its text, so a signature
// names exactly the text that was signed.

// Limits on a pledge. A posted pledge, its signatures and its buttons must fit in one Telegram
// message (4,096 characters), which is edited as units sign.
const (
	MaxPledgeText        = 3000 // characters of the whole text as typed
	MaxPledgeTitle       = 200
	MaxPledgeCommitments = 30
	// PledgeVersionLen is the length of a version: hex characters of the text's SHA-256.
	PledgeVersionLen = 8
	// PledgeDefaultHour is the time of day of a sign-by date given without a time.
	PledgeDefaultHour = 17
)

// Errors of the pledge's rules.
var (
	ErrPledgeEmpty         = errors.New("pledge text is empty")
	ErrPledgeTooLong       = errors.New("pledge text is too long")
	ErrPledgeTitleTooLong  = errors.New("pledge title is too long")
	ErrPledgeNoItems       = errors.New("pledge has no commitments")
	ErrPledgeTooManyItems  = errors.New("pledge has too many commitments")
	ErrPledgeUnchanged     = errors.New("pledge text is unchanged")
	ErrPledgeExists        = errors.New("a pledge for this year exists")
	ErrPledgeNone          = errors.New("no pledge")
	ErrPledgeOldVersion    = errors.New("an older version of the pledge")
	ErrPledgeSigned        = errors.New("unit already signed this version")
	ErrPledgeDeadlinePast  = errors.New("sign-by date is in the past")
	ErrPledgeDeadlineBad   = errors.New("sign-by date is not a date")
	ErrPledgeDeadlineRange = errors.New("sign-by date is too far ahead")
)

// Pledge is the text of one version of a pledge.
type Pledge struct {
	Title       string
	Commitments []string
}

// Text is the pledge's canonical text: the title, then one commitment per line.
func (p Pledge) Text() string {
	return p.Title + "\n" + strings.Join(p.Commitments, "\n")
}

// Version is the short hash of the canonical text: two texts that differ only in spacing or
// list markers have the same version; any other change gives a new one.
func (p Pledge) Version() string {
	sum := sha256.Sum256([]byte(p.Text()))
	return hex.EncodeToString(sum[:])[:PledgeVersionLen]
}

// pledgeMarker is a list marker at the start of a line: a bullet or a number ("1.", "2)", "(3)").
var pledgeMarker = regexp.MustCompile(`^(?:[-–—•*·+▪●◦✓✔]+|\(?[0-9]{1,3}[.)](?:[0-9]{1,3}[.)])*|\([0-9]{1,3}\))\s*`)

// pledgeLine cleans one line: control characters become spaces, runs of spaces one space.
func pledgeLine(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)), " ")
}

// stripPledgeMarkers removes the list markers people type in front of a commitment.
func stripPledgeMarkers(s string) string {
	for {
		loc := pledgeMarker.FindStringIndex(s)
		if loc == nil || loc[1] == 0 {
			return s
		}
		rest := s[loc[1]:]
		// "1.5 tỷ" or "2.000 người" is text, not a number marker: a marker ends in a space or
		// the end of the line, or is a bullet.
		m := s[:loc[1]]
		if strings.TrimRightFunc(m, unicode.IsSpace) == m && rest != "" {
			if r, _ := utf8.DecodeRuneInString(m); r >= '0' && r <= '9' || r == '(' {
				return s
			}
		}
		s = rest
	}
}

// ParsePledge reads what a manager typed: the title on the first line, then one commitment
// per line. List markers (bullets, "1.", "2)") are dropped, empty lines skipped.
func ParsePledge(text string) (Pledge, error) {
	text = strings.ToValidUTF8(text, "\uFFFD")
	if utf8.RuneCountInString(text) > MaxPledgeText {
		return Pledge{}, ErrPledgeTooLong
	}
	var p Pledge
	for _, raw := range strings.Split(text, "\n") {
		line := pledgeLine(raw)
		if line == "" {
			continue
		}
		if p.Title == "" {
			p.Title = line
			continue
		}
		if line = stripPledgeMarkers(line); line == "" {
			continue
		}
		p.Commitments = append(p.Commitments, line)
	}
	switch {
	case p.Title == "":
		return Pledge{}, ErrPledgeEmpty
	case utf8.RuneCountInString(p.Title) > MaxPledgeTitle:
		return Pledge{}, ErrPledgeTitleTooLong
	case len(p.Commitments) == 0:
		return Pledge{}, ErrPledgeNoItems
	case len(p.Commitments) > MaxPledgeCommitments:
		return Pledge{}, ErrPledgeTooManyItems
	}
	return p, nil
}

// PledgeChange is one changed commitment between two versions: Op is '+' (added, Pos is its
// number in the new version) or '-' (removed, Pos is its number in the old version).
type PledgeChange struct {
	Op   byte
	Pos  int
	Text string
}

// PledgeDiff is what changed from one version to the next.
type PledgeDiff struct {
	TitleChanged bool
	OldTitle     string
	NewTitle     string
	Changes      []PledgeChange // in reading order
}

// Empty reports whether nothing changed.
func (d PledgeDiff) Empty() bool { return !d.TitleChanged && len(d.Changes) == 0 }

// DiffPledge is a line diff of the commitments (a longest common subsequence), plus the title.
// A changed commitment shows as removed then added.
func DiffPledge(old, cur Pledge) PledgeDiff {
	d := PledgeDiff{TitleChanged: old.Title != cur.Title, OldTitle: old.Title, NewTitle: cur.Title}
	a, b := old.Commitments, cur.Commitments
	// lcs[i][j] is the length of the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] > lcs[i+1][j]):
			d.Changes = append(d.Changes, PledgeChange{Op: '+', Pos: j + 1, Text: b[j]})
			j++
		default:
			d.Changes = append(d.Changes, PledgeChange{Op: '-', Pos: i + 1, Text: a[i]})
			i++
		}
	}
	return d
}

var pledgeDate = regexp.MustCompile(`^([0-9]{1,2})[/.\-]([0-9]{1,2})(?:[/.\-]([0-9]{4}|[0-9]{2}))?(?:\s+(?:lúc\s+|luc\s+|at\s+)?([0-9]{1,2})(?:[:hH]([0-9]{2})?)?)?$`)

// ParsePledgeDeadline reads a sign-by date: dd/mm (this year) or dd/mm/yyyy, optionally
// followed by a time (HH:MM, or 17h / 17h30); without a time it is PledgeDefaultHour:00. The
// date is in loc and must be after now and within two years.
func ParsePledgeDeadline(s string, now time.Time, loc *time.Location) (time.Time, error) {
	m := pledgeDate.FindStringSubmatch(strings.TrimSpace(strings.Join(strings.Fields(s), " ")))
	if m == nil {
		return time.Time{}, ErrPledgeDeadlineBad
	}
	day, _ := strconv.Atoi(m[1])
	month, _ := strconv.Atoi(m[2])
	now = now.In(loc)
	year := now.Year()
	if m[3] != "" {
		year, _ = strconv.Atoi(m[3])
		if len(m[3]) == 2 {
			year += 2000
		}
	}
	hour, minute := PledgeDefaultHour, 0
	if m[4] != "" {
		hour, _ = strconv.Atoi(m[4])
		if m[5] != "" {
			minute, _ = strconv.Atoi(m[5])
		}
	}
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 {
		return time.Time{}, ErrPledgeDeadlineBad
	}
	t := time.Date(year, time.Month(month), day, hour, minute, 0, 0, loc)
	if t.Day() != day || t.Month() != time.Month(month) { // 31/02
		return time.Time{}, ErrPledgeDeadlineBad
	}
	if !t.After(now) {
		return time.Time{}, ErrPledgeDeadlinePast
	}
	if t.After(now.AddDate(2, 0, 0)) {
		return time.Time{}, ErrPledgeDeadlineRange
	}
	return t, nil
}
