package domain

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Achievement reports (báo cáo thành tích): what a unit reports through the year, the
// categories its #tags name, the periods people browse by, and the per-unit × category tally
// the year-end review needs.

// Limits of achievement reports.
const (
	// MaxReportText is the longest report, in characters.
	MaxReportText = 2000
	// ReportRateMax reports per person within ReportRateWindow; the next one is refused.
	ReportRateMax    = 20
	ReportRateWindow = 10 * time.Minute
	// UndoWindow is how long the author (or a manager) may undo a report.
	UndoWindow = 24 * time.Hour
	// MaxTags is the most #tags of a report that count; MaxTagLen the longest tag, in characters.
	MaxTags   = 10
	MaxTagLen = 40
	// MaxCategories is the most categories a bloc may add to the defaults.
	MaxCategories = 50
	// MaxCategoryName is the longest category name.
	MaxCategoryName = 80
	// OtherCategory is the category of a report without tags.
	OtherCategory = "khac"
)

// ErrTooManyCategories is returned when a bloc already has MaxCategories of its own.
var ErrTooManyCategories = errors.New("too many categories")

// ErrBadTag is returned for a category tag that is not letters, digits and underscores.
var ErrBadTag = errors.New("a tag is letters, digits and underscores")

// Evidence is a file (photo or document) kept with a report, by its Telegram file_id.
type Evidence struct {
	FileID string
	Kind   string // photo, document
	Name   string // document file name, if any
}

// Achievement is one recorded report.
type Achievement struct {
	ID       int64
	Unit     int
	Reporter Person
	At       time.Time
	Year     int
	Text     string
	// Categories are category keys (default or the bloc's own) and, for unknown tags, the tag
	// as typed. Never empty: a report without tags is in OtherCategory.
	Categories []string
	Evidence   *Evidence
}

// Category is a kind of achievement that #tags select.
type Category struct {
	Key    string // the tag people type, without '#': an_sinh
	VI, EN string // its name in each language (a bloc's own category has one name in both)
	Custom bool   // added by the bloc's managers
}

// Name is the category's name in a language.
func (c Category) Name(lang string) string {
	if lang == LangEN && c.EN != "" {
		return c.EN
	}
	return c.VI
}

// DefaultCategories are the categories every bloc starts with.
var DefaultCategories = []Category{
	{Key: "an_sinh", VI: "An sinh xã hội", EN: "Social welfare"},
	{Key: "hoi_thi", VI: "Hội thi, phong trào", EN: "Contests and campaigns"},
	{Key: "chuyen_mon", VI: "Chuyên môn, nghiệp vụ", EN: "Professional work"},
	{Key: "cai_cach", VI: "Cải cách hành chính", EN: "Administrative reform"},
	{Key: "chuyen_doi_so", VI: "Chuyển đổi số", EN: "Digital transformation"},
	{Key: "van_hoa", VI: "Văn hóa, thể thao", EN: "Culture and sports"},
	{Key: OtherCategory, VI: "Khác", EN: "Other"},
}

// CategoryKey is the form tags are compared in: folded (no case, no diacritics) and with
// only letters and digits, so #an_sinh, #AnSinh and #ansinh are the same tag, and a tag may
// also be a category's name written as one word (#AnSinhXaHoi).
func CategoryKey(s string) string {
	f := Fold(s)
	var b strings.Builder
	for _, r := range f {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Categories are a bloc's categories: the defaults, then its own.
type Categories []Category

// WithCustom returns the default categories followed by a bloc's own (in the given order).
func WithCustom(custom []Category) Categories {
	out := make(Categories, 0, len(DefaultCategories)+len(custom))
	out = append(out, DefaultCategories...)
	for _, c := range custom {
		c.Custom = true
		out = append(out, c)
	}
	return out
}

// Match finds the category a tag names: by its key or by its name written as one word,
// ignoring case, diacritics and underscores.
func (cs Categories) Match(tag string) (Category, bool) {
	k := CategoryKey(tag)
	if k == "" {
		return Category{}, false
	}
	def := defaultKeys()
	for i, c := range cs {
		if i < len(DefaultCategories) && c == DefaultCategories[i] {
			if d := def[i]; d[0] == k || d[1] == k || d[2] == k {
				return c, true
			}
			continue
		}
		if CategoryKey(c.Key) == k || CategoryKey(c.VI) == k || (c.EN != "" && CategoryKey(c.EN) == k) {
			return c, true
		}
	}
	return Category{}, false
}

// defaultKeys are the CategoryKeys of DefaultCategories' tags and names (a tag is matched
// against them for every report), computed once.
var defaultKeys = sync.OnceValue(func() [][3]string {
	out := make([][3]string, len(DefaultCategories))
	for i, c := range DefaultCategories {
		out[i] = [3]string{CategoryKey(c.Key), CategoryKey(c.VI), ""}
		if c.EN != "" {
			out[i][2] = CategoryKey(c.EN)
		}
	}
	return out
})

// Get returns the category with exactly this key.
func (cs Categories) Get(key string) (Category, bool) {
	for _, c := range cs {
		if c.Key == key {
			return c, true
		}
	}
	return Category{}, false
}

// Label is how a report's category reads: a known category's name, else the tag as typed
// with its '#'.
func (cs Categories) Label(key, lang string) string {
	if c, ok := cs.Get(key); ok {
		return c.Name(lang)
	}
	if c, ok := cs.Match(key); ok {
		return c.Name(lang)
	}
	return "#" + key
}

// Canon is the column a category key counts in: a known category's key, or, for an unknown
// tag, "#" + its CategoryKey (so #PhongTrao and #phongtrao count together).
func (cs Categories) Canon(key string) string {
	if c, ok := cs.Get(key); ok {
		return c.Key
	}
	if c, ok := cs.Match(key); ok {
		return c.Key
	}
	return "#" + CategoryKey(key)
}

// CleanCategory checks a category a manager adds: its tag (letters, digits, underscores, at
// most MaxTagLen) and its name. It returns the category with a clean tag and name.
func CleanCategory(tag, name string) (Category, error) {
	tag = strings.TrimPrefix(strings.TrimSpace(tag), "#")
	if tag == "" || utf8.RuneCountInString(tag) > MaxTagLen {
		return Category{}, ErrBadTag
	}
	hasLetter := false
	for _, r := range tag {
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			hasLetter = true
		case unicode.IsDigit(r) || r == '_':
		default:
			return Category{}, ErrBadTag
		}
	}
	if !hasLetter || CategoryKey(tag) == "" {
		return Category{}, ErrBadTag
	}
	n, err := CleanName(name, MaxCategoryName)
	if err != nil {
		return Category{}, err
	}
	return Category{Key: tag, VI: n, EN: n, Custom: true}, nil
}

// Tag is a #tag found in a report.
type Tag struct {
	Typed string // as typed, without '#'
	Key   string // CategoryKey(Typed)
}

// ExtractTags finds the #tags of a text: '#' at the start or after a character that is not
// part of a word or a URL, followed by letters, digits and underscores with at least one
// letter. Tags are kept once each (by CategoryKey), in order, at most MaxTags.
func ExtractTags(text string) []Tag {
	var out []Tag
	seen := map[string]bool{}
	rs := []rune(text)
	for i := 0; i < len(rs) && len(out) < MaxTags; i++ {
		if rs[i] != '#' && rs[i] != '＃' {
			continue
		}
		if i > 0 && !tagBoundary(rs[i-1]) {
			continue
		}
		j := i + 1
		letter := false
		for j < len(rs) && isTagRune(rs[j]) {
			if unicode.IsLetter(rs[j]) {
				letter = true
			}
			j++
		}
		if !letter {
			continue
		}
		body := strings.TrimRight(string(rs[i+1:j]), "_")
		if r := []rune(body); len(r) > MaxTagLen {
			body = string(r[:MaxTagLen])
		}
		k := CategoryKey(body)
		if k != "" && !seen[k] {
			seen[k] = true
			out = append(out, Tag{Typed: body, Key: k})
		}
		i = j - 1
	}
	return out
}

func isTagRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || unicode.Is(unicode.Mn, r)
}

// tagBoundary: a '#' after these starts a tag; after a letter, digit, '/', '&' or another '#'
// it is part of something else (C#, a URL's #fragment, an HTML entity).
func tagBoundary(r rune) bool {
	if isTagRune(r) {
		return false
	}
	switch r {
	case '/', '&', '#', '＃', '=', '?', '.', ':', '@', '-':
		return false
	}
	return true
}

// Report is a report as typed, checked and ready to record.
type Report struct {
	Text     string
	Tags     []Tag
	Evidence *Evidence
}

// ParseReport checks a report's text: trimmed, not empty, at most MaxReportText characters
// (ErrTextTooLong otherwise), control characters other than line breaks and tabs removed.
func ParseReport(text string) (Report, error) {
	text = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r == '\r' {
			return -1
		}
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, text)
	text = strings.TrimSpace(text)
	if text == "" {
		return Report{}, ErrTextEmpty
	}
	if utf8.RuneCountInString(text) > MaxReportText {
		return Report{}, ErrTextTooLong
	}
	return Report{Text: text, Tags: ExtractTags(text)}, nil
}

// ResolveTags splits a report's tags into the default categories they name (keys) and the
// others (to be matched against the bloc's own categories, else kept as typed).
func ResolveTags(tags []Tag) (known []string, other []Tag) {
	seen := map[string]bool{}
	for _, t := range tags {
		if c, ok := Categories(DefaultCategories).Match(t.Typed); ok {
			if !seen[c.Key] {
				seen[c.Key] = true
				known = append(known, c.Key)
			}
			continue
		}
		other = append(other, t)
	}
	return known, other
}

// PeriodKind is what a period spans.
type PeriodKind int

// Period kinds.
const (
	PeriodAll PeriodKind = iota
	PeriodYear
	PeriodQuarter
	PeriodMonth
)

// Period is a span of time to browse achievements by: all time, a year, a quarter or a month.
type Period struct {
	Kind    PeriodKind
	Year    int
	Quarter int // 1..4 for PeriodQuarter
	Month   int // 1..12 for PeriodMonth
}

// Limits of the years a period may name.
const (
	MinPeriodYear = 2000
	MaxPeriodYear = 2100
)

// Range is the period's time span [from, to) in a time zone; both zero for PeriodAll.
func (p Period) Range(loc *time.Location) (time.Time, time.Time) {
	switch p.Kind {
	case PeriodYear:
		from := time.Date(p.Year, 1, 1, 0, 0, 0, 0, loc)
		return from, from.AddDate(1, 0, 0)
	case PeriodQuarter:
		from := time.Date(p.Year, time.Month(3*(p.Quarter-1)+1), 1, 0, 0, 0, 0, loc)
		return from, from.AddDate(0, 3, 0)
	case PeriodMonth:
		from := time.Date(p.Year, time.Month(p.Month), 1, 0, 0, 0, 0, loc)
		return from, from.AddDate(0, 1, 0)
	}
	return time.Time{}, time.Time{}
}

// Code is a compact form of the period for button data: "", "2024", "2024q1", "2024m06".
func (p Period) Code() string {
	switch p.Kind {
	case PeriodYear:
		return strconv.Itoa(p.Year)
	case PeriodQuarter:
		return fmt.Sprintf("%dq%d", p.Year, p.Quarter)
	case PeriodMonth:
		return fmt.Sprintf("%dm%02d", p.Year, p.Month)
	}
	return ""
}

// Label is how the period reads: "2024", "Q1/2024" (Quý 1/2024), "06/2024" (Tháng 06/2024).
func (p Period) Label(lang string) string {
	switch p.Kind {
	case PeriodYear:
		if lang == LangEN {
			return strconv.Itoa(p.Year)
		}
		return "năm " + strconv.Itoa(p.Year)
	case PeriodQuarter:
		if lang == LangEN {
			return fmt.Sprintf("Q%d/%d", p.Quarter, p.Year)
		}
		return fmt.Sprintf("quý %d/%d", p.Quarter, p.Year)
	case PeriodMonth:
		if lang == LangEN {
			return fmt.Sprintf("%02d/%d", p.Month, p.Year)
		}
		return fmt.Sprintf("tháng %02d/%d", p.Month, p.Year)
	}
	return ""
}

// ParsePeriodCode reads Code's output.
func ParsePeriodCode(code string) (Period, error) {
	if code == "" {
		return Period{}, nil
	}
	var p Period
	switch {
	case len(code) == 4:
		p.Kind = PeriodYear
	case len(code) == 6 && code[4] == 'q':
		p.Kind = PeriodQuarter
	case len(code) == 7 && code[4] == 'm':
		p.Kind = PeriodMonth
	default:
		return Period{}, ErrInvalidArgs
	}
	y, ok := parseYear(code[:4])
	if !ok || (len(code) > 5 && !digitsOnly(code[5:])) {
		return Period{}, ErrInvalidArgs
	}
	p.Year = y
	switch p.Kind {
	case PeriodQuarter:
		p.Quarter, ok = parseSmall(code[5:], 1, 4)
	case PeriodMonth:
		if len(code[5:]) != 2 {
			return Period{}, ErrInvalidArgs
		}
		p.Month, ok = parseSmall(code[5:], 1, 12)
	}
	if !ok || !p.valid() {
		return Period{}, ErrInvalidArgs
	}
	return p, nil
}

func (p Period) valid() bool {
	if p.Kind == PeriodAll {
		return true
	}
	if p.Year < MinPeriodYear || p.Year > MaxPeriodYear {
		return false
	}
	switch p.Kind {
	case PeriodQuarter:
		return p.Quarter >= 1 && p.Quarter <= 4
	case PeriodMonth:
		return p.Month >= 1 && p.Month <= 12
	}
	return true
}

// ParsePeriod reads a period as people type it: "2024"; "q1/2024", "Q1-2024", "quý 1/2024",
// "quý I/2024"; "06/2024", "6/2024", "tháng 6/2024", "t6/2024", "2024-06"; and "q1", "tháng 6"
// for thisYear. It returns ErrInvalidArgs for anything else.
func ParsePeriod(s string, thisYear int) (Period, error) {
	f := Fold(s)
	f = strings.NewReplacer(" / ", "/", "/ ", "/", " /", "/", " - ", "-", ".", "/").Replace(f)
	if f == "" {
		return Period{}, ErrInvalidArgs
	}
	// Year alone.
	if y, ok := parseYear(f); ok {
		return Period{Kind: PeriodYear, Year: y}, nil
	}
	// yyyy-mm, yyyy/mm
	if len(f) >= 6 && len(f) <= 7 && (f[4] == '-' || f[4] == '/') {
		if y, ok := parseYear(f[:4]); ok {
			if m, ok := parseSmall(f[5:], 1, 12); ok {
				return Period{Kind: PeriodMonth, Year: y, Month: m}, nil
			}
		}
	}
	head, year, hasYear := splitYear(f)
	if !hasYear {
		year = thisYear
	}
	if year < MinPeriodYear || year > MaxPeriodYear {
		return Period{}, ErrInvalidArgs
	}
	head = strings.TrimSpace(head)
	for _, pre := range []string{"quy ", "quy", "quarter ", "quarter", "q ", "q"} {
		if rest, ok := strings.CutPrefix(head, pre); ok {
			if q, ok := parseQuarter(rest); ok {
				return Period{Kind: PeriodQuarter, Year: year, Quarter: q}, nil
			}
		}
	}
	for _, pre := range []string{"thang ", "thang", "month ", "month", "t ", "t", "m "} {
		if rest, ok := strings.CutPrefix(head, pre); ok {
			if m, ok := parseSmall(rest, 1, 12); ok {
				return Period{Kind: PeriodMonth, Year: year, Month: m}, nil
			}
		}
	}
	// A bare month needs its year ("06/2024"): "06" alone could be anything.
	if hasYear {
		if m, ok := parseSmall(head, 1, 12); ok {
			return Period{Kind: PeriodMonth, Year: year, Month: m}, nil
		}
	}
	return Period{}, ErrInvalidArgs
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseYear(s string) (int, bool) {
	if len(s) != 4 {
		return 0, false
	}
	for i := 0; i < 4; i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	y, _ := strconv.Atoi(s)
	return y, y >= MinPeriodYear && y <= MaxPeriodYear
}

// splitYear cuts "<head>/<yyyy>" (or '-' or ' ' before the year).
func splitYear(s string) (string, int, bool) {
	if len(s) < 5 {
		return s, 0, false
	}
	sep := s[len(s)-5]
	if sep != '/' && sep != '-' && sep != ' ' {
		return s, 0, false
	}
	y, ok := parseYear(s[len(s)-4:])
	if !ok {
		return s, 0, false
	}
	return s[:len(s)-5], y, true
}

func parseSmall(s string, lo, hi int) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 2 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, _ := strconv.Atoi(s)
	return n, n >= lo && n <= hi
}

func parseQuarter(s string) (int, bool) {
	s = strings.TrimSpace(s)
	switch s {
	case "i":
		return 1, true
	case "ii":
		return 2, true
	case "iii":
		return 3, true
	case "iv":
		return 4, true
	}
	return parseSmall(s, 1, 4)
}

// SplitQuery reads the arguments of /achievements: a unit (name or prefix) and a period, in
// either order ("cuc thue q1/2024", "2024 kho bac"). An argument that is only a period leaves
// unit empty; ok is false when there is a period-like word that does not parse.
func SplitQuery(args string, thisYear int) (unit string, p Period, ok bool) {
	words := strings.Fields(args)
	if len(words) == 0 {
		return "", Period{}, true
	}
	// Try the longest period at the end, then at the start (a period is one or two words).
	for n := min(2, len(words)); n >= 1; n-- {
		if per, err := ParsePeriod(strings.Join(words[len(words)-n:], " "), thisYear); err == nil {
			return strings.Join(words[:len(words)-n], " "), per, true
		}
	}
	for n := min(2, len(words)); n >= 1; n-- {
		if per, err := ParsePeriod(strings.Join(words[:n], " "), thisYear); err == nil {
			return strings.Join(words[n:], " "), per, true
		}
	}
	last := words[len(words)-1]
	if looksLikePeriod(last) {
		return strings.Join(words[:len(words)-1], " "), Period{}, false
	}
	return strings.Join(words, " "), Period{}, true
}

// looksLikePeriod: a word with a digit and a '/' or of 4 or more digits ("13/2024",
// "q5/2024", "20245"). A shorter number ("3") is a unit's number in /units, not a period.
func looksLikePeriod(w string) bool {
	digits := 0
	for _, r := range w {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	return digits > 0 && (strings.ContainsAny(w, "/-") || digits == len(w) && digits >= 4)
}

// UnitTally is one unit's counts in a Tally.
type UnitTally struct {
	Unit       Unit
	Total      int            // reports
	ByCategory map[string]int // canon category -> reports
}

// Tally is the year's per-unit × category counts.
type Tally struct {
	Year int
	// Columns are the canon categories with at least one report (or every known category,
	// with AllColumns), defaults first, then the bloc's own, then unknown tags by name.
	Columns []string
	Units   []UnitTally // in the bloc's unit order
	ByCat   map[string]int
	Total   int
	// Names of unknown-tag columns ("#" + key) as first typed.
	TagNames map[string]string
}

// BuildTally turns a year's counters into a tally. counts maps "<unit>|<category>" to the
// number of reports of the unit in the category, and "<unit>|*" to its number of reports. A
// report with several categories counts once in each, and once in the total.
func BuildTally(b *Bloc, cats Categories, year int, counts map[string]int, allColumns bool) Tally {
	t := Tally{Year: year, ByCat: map[string]int{}, TagNames: map[string]string{}}
	byUnit := map[int]*UnitTally{}
	for _, u := range b.Units {
		ut := &UnitTally{Unit: u, ByCategory: map[string]int{}}
		byUnit[u.ID] = ut
	}
	// Deterministic order for the first-typed names of unknown tags.
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		n := counts[k]
		if n <= 0 {
			continue
		}
		us, cat, ok := strings.Cut(k, "|")
		if !ok {
			continue
		}
		id, err := strconv.Atoi(us)
		if err != nil {
			continue
		}
		ut := byUnit[id]
		if ut == nil { // a unit removed since (by its name), or unknown ("#<id>")
			ut = &UnitTally{Unit: Unit{ID: id, Name: b.UnitLabel(id)}, ByCategory: map[string]int{}}
			byUnit[id] = ut
		}
		if cat == "*" {
			ut.Total += n
			t.Total += n
			continue
		}
		c := cats.Canon(cat)
		if strings.HasPrefix(c, "#") {
			if _, ok := t.TagNames[c]; !ok {
				t.TagNames[c] = "#" + cat
			}
		}
		ut.ByCategory[c] += n
		t.ByCat[c] += n
	}
	for _, u := range b.Units {
		t.Units = append(t.Units, *byUnit[u.ID])
		delete(byUnit, u.ID)
	}
	var gone []int
	for id := range byUnit {
		gone = append(gone, id)
	}
	sort.Ints(gone)
	for _, id := range gone {
		t.Units = append(t.Units, *byUnit[id])
	}
	for _, c := range cats {
		if allColumns || t.ByCat[c.Key] > 0 {
			t.Columns = append(t.Columns, c.Key)
		}
	}
	var tags []string
	for c := range t.ByCat {
		if strings.HasPrefix(c, "#") {
			tags = append(tags, c)
		}
	}
	sort.Slice(tags, func(i, j int) bool { return Fold(t.TagNames[tags[i]]) < Fold(t.TagNames[tags[j]]) })
	t.Columns = append(t.Columns, tags...)
	return t
}

// ColumnName is how a tally column reads.
func (t Tally) ColumnName(cats Categories, col, lang string) string {
	if n, ok := t.TagNames[col]; ok {
		return n
	}
	return cats.Label(col, lang)
}
