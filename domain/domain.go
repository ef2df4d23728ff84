// Package domain is the heart of thiduabot: blocs, units, members, roles and the rules that
// govern them. It imports neither Telegram nor Redis (a test enforces it); the store and the
// handlers adapt it to the outside world.
package domain

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Errors the domain reports. Handlers turn each into a message in the chat's language.
var (
	ErrNoBloc         = errors.New("this chat is not a bloc")
	ErrUnknownUnit    = errors.New("no such unit")
	ErrAmbiguousUnit  = errors.New("more than one unit matches")
	ErrAlreadyLinked  = errors.New("person already linked to a unit")
	ErrNotLinked      = errors.New("person not linked to a unit")
	ErrNameEmpty      = errors.New("name is empty")
	ErrNameTooLong    = errors.New("name is too long")
	ErrTooManyUnits   = errors.New("too many units")
	ErrNotPending     = errors.New("request is no longer pending")
	ErrBadLanguage    = errors.New("unsupported language")
	ErrTextTooLong    = errors.New("text is too long")
	ErrTextEmpty      = errors.New("text is empty")
	ErrForbidden      = errors.New("not allowed")
	ErrDuplicateName  = errors.New("a unit with this name exists")
	ErrNotFound       = errors.New("not found")
	ErrClosed         = errors.New("already closed")
	ErrStale          = errors.New("stale")
	ErrRateLimited    = errors.New("too many actions")
	ErrInvalidArgs    = errors.New("invalid arguments")
	ErrAlreadyOpen    = errors.New("already open")
	ErrNotEnoughUnits = errors.New("not enough units")
	// ErrUnitInBallot: a unit cannot be removed while a ballot is open (its voters and
	// candidates are fixed at the opening).
	ErrUnitInBallot = errors.New("a ballot is open")
	// ErrUnitHasRole: a unit that is this year's chair or deputy cannot be removed.
	ErrUnitHasRole = errors.New("the unit is this year's chair or deputy")
)

// Limits on what people may type.
const (
	MaxBlocName = 200
	MaxUnitName = 150
	MaxUnits    = 100
)

// Languages the bot speaks.
const (
	LangVI = "vi"
	LangEN = "en"
)

// DefaultTimezone is the bloc's time zone unless it sets another.
const DefaultTimezone = "Asia/Ho_Chi_Minh"

// ValidLang reports whether lang is a language the bot speaks.
func ValidLang(lang string) bool { return lang == LangVI || lang == LangEN }

// Person is someone in the chat, as the bot last saw them.
type Person struct {
	ID       int64
	Name     string
	Username string
}

// Unit is a member agency of a bloc.
type Unit struct {
	ID   int
	Name string
}

// Bloc is an emulation bloc: one Telegram group, its units and the people linked to them.
type Bloc struct {
	ChatID   int64
	Name     string
	Lang     string
	Timezone string
	Created  time.Time
	// Reminders is the bloc's own reminder plan, as ReminderPlan.String writes it ("" for the
	// configured one).
	Reminders string
	Units     []Unit        // sorted by ID
	Members   map[int64]int // person -> unit id
	People    map[int64]Person
	Chairs    map[int]int // year -> unit id
	Deputies  map[int]int // year -> unit id
	// Gone are the units removed from the bloc (id -> name): their reports, signatures, roles
	// and audit entries keep showing their name.
	Gone map[int]string
}

// Location is the bloc's time zone (the default one when unset or unknown).
func (b *Bloc) Location() *time.Location {
	if b != nil && b.Timezone != "" {
		if loc, err := loadLocation(b.Timezone); err == nil {
			return loc
		}
	}
	loc, err := loadLocation(DefaultTimezone)
	if err != nil {
		return time.FixedZone("ICT", 7*3600)
	}
	return loc
}

// locations remembers time zones already loaded: time.LoadLocation reads and parses the zone
// data on every call, and a location is wanted for nearly every update. It only grows with
// the zones blocs really use (names that fail to load are not kept).
var locations sync.Map // name → *time.Location

func loadLocation(name string) (*time.Location, error) {
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, loc)
	return loc, nil
}

// Year is the bloc's year at time t (its term follows the calendar year).
func (b *Bloc) Year(t time.Time) int { return t.In(b.Location()).Year() }

// Unit returns the unit with the id.
func (b *Bloc) Unit(id int) (Unit, bool) {
	for _, u := range b.Units {
		if u.ID == id {
			return u, true
		}
	}
	return Unit{}, false
}

// NameOf is a unit's name, a removed unit's too (for what it did before: reports, roles,
// history); gone says it was removed.
func (b *Bloc) NameOf(id int) (name string, gone, ok bool) {
	if u, found := b.Unit(id); found {
		return u.Name, false, true
	}
	if n, found := b.Gone[id]; found {
		return n, true, true
	}
	return "", false, false
}

// UnitLabel is a unit's name (a removed unit's too), or "#<id>" for a unit the bloc never had.
func (b *Bloc) UnitLabel(id int) string {
	if n, _, ok := b.NameOf(id); ok {
		return n
	}
	return "#" + strconv.Itoa(id)
}

// UnitsMatching lists the units whose name holds what a person typed (ignoring case and
// diacritics): the choices to offer when FindUnit finds several.
func (b *Bloc) UnitsMatching(query string) []Unit {
	q := Fold(query)
	var out []Unit
	for _, u := range b.Units {
		if strings.Contains(Fold(u.Name), q) {
			out = append(out, u)
		}
	}
	return out
}

// UnitOf returns the unit a person is linked to.
func (b *Bloc) UnitOf(person int64) (Unit, bool) {
	if b == nil {
		return Unit{}, false
	}
	id, ok := b.Members[person]
	if !ok {
		return Unit{}, false
	}
	return b.Unit(id)
}

// MembersOf lists the people linked to a unit, sorted by name.
func (b *Bloc) MembersOf(unitID int) []Person {
	var ps []Person
	for pid, uid := range b.Members {
		if uid == unitID {
			p, ok := b.People[pid]
			if !ok {
				p = Person{ID: pid}
			}
			ps = append(ps, p)
		}
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Name != ps[j].Name {
			return ps[i].Name < ps[j].Name
		}
		return ps[i].ID < ps[j].ID
	})
	return ps
}

// Chair is the chair unit for a year (a unit removed since then too).
func (b *Bloc) Chair(year int) (Unit, bool) {
	id, ok := b.Chairs[year]
	if !ok {
		return Unit{}, false
	}
	name, _, ok := b.NameOf(id)
	return Unit{ID: id, Name: name}, ok
}

// Deputy is the deputy unit for a year (a unit removed since then too).
func (b *Bloc) Deputy(year int) (Unit, bool) {
	id, ok := b.Deputies[year]
	if !ok {
		return Unit{}, false
	}
	name, _, ok := b.NameOf(id)
	return Unit{ID: id, Name: name}, ok
}

// IsManager says whether a person may run manager commands: a Telegram administrator of the
// group, or a member of the chair unit of the current year.
func (b *Bloc) IsManager(person int64, isAdmin bool, now time.Time) bool {
	if isAdmin {
		return true
	}
	if b == nil {
		return false
	}
	chair, ok := b.Chair(b.Year(now))
	if !ok {
		return false
	}
	u, ok := b.UnitOf(person)
	return ok && u.ID == chair.ID
}

// FindUnit resolves what a person typed to one unit: an exact name, its number in the list
// /units shows ("#3", or "3" when no unit's name holds that number: "309" still finds "Sư
// đoàn 309"), or a clear prefix or part of a name, ignoring case and diacritics ("cuc thue"
// finds "Cục Thuế").
func (b *Bloc) FindUnit(query string) (Unit, error) {
	q := Fold(query)
	if q == "" {
		return Unit{}, ErrUnknownUnit
	}
	digits, hash := strings.CutPrefix(q, "#")
	if n, err := strconv.Atoi(digits); err == nil && !strings.ContainsAny(digits, "+-") {
		if hash || len(b.UnitsMatching(digits)) == 0 { // no unit's name holds the number
			if n >= 1 && n <= len(b.Units) {
				return b.Units[n-1], nil
			}
			return Unit{}, ErrUnknownUnit
		}
	}
	var exact, prefix, contains []Unit
	for _, u := range b.Units {
		f := Fold(u.Name)
		switch {
		case f == q:
			exact = append(exact, u)
		case strings.HasPrefix(f, q):
			prefix = append(prefix, u)
		case strings.Contains(f, q):
			contains = append(contains, u)
		}
	}
	for _, set := range [][]Unit{exact, prefix, contains} {
		switch len(set) {
		case 0:
			continue
		case 1:
			return set[0], nil
		default:
			return Unit{}, ErrAmbiguousUnit
		}
	}
	return Unit{}, ErrUnknownUnit
}

// Fold makes text comparable the way people type it on a phone: lower case, without
// diacritics (đ counts as d), with single spaces.
func Fold(s string) string {
	if ascii(s) {
		// Nothing to decompose (the common case of tags and English names): lower case and
		// single spaces, without the cost of a normalization chain.
		return strings.Join(strings.Fields(strings.ToLower(s)), " ")
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	out = strings.Map(func(r rune) rune {
		switch r {
		case 'đ', 'Đ':
			return 'd'
		}
		return unicode.ToLower(r)
	}, out)
	return strings.Join(strings.Fields(out), " ")
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// CleanName trims a name and checks it: not empty, no control characters, not too long.
func CleanName(s string, max int) (string, error) {
	s = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)), " ")
	if s == "" {
		return "", ErrNameEmpty
	}
	if utf8.RuneCountInString(s) > max {
		return "", ErrNameTooLong
	}
	return s, nil
}

// ParseUnitNames splits the text of /addunit: one name per line (or one name on the command
// line). Empty lines are dropped, duplicates (after folding) kept once.
func ParseUnitNames(text string) ([]string, error) {
	var names []string
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "-•*·"))
		if line == "" {
			continue
		}
		n, err := CleanName(line, MaxUnitName)
		if err != nil {
			return nil, err
		}
		if f := Fold(n); !seen[f] {
			seen[f] = true
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, ErrNameEmpty
	}
	if len(names) > MaxUnits {
		return nil, ErrTooManyUnits
	}
	return names, nil
}
