package store

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/domain"
	"thiduabot/rkeys"
)

// Achievement reports. A bloc's reports live in one list (rkeys Achievements): report n is
// element n-1, a few delimited fields and the text. A list is a chain of listpacks whatever
// the size of its elements (a hash of the same records is a hashtable past 64 bytes a value,
// about 100 bytes more a report), its ids cost nothing, and since ids are given in time order
// (a report's time is never before the one before it) the list is also the bloc's time index:
// a period is found by binary search over it. An undone report stays in place, marked with a
// leading "x", so positions and order stay; rkeys AchievementsUndone counts those in a range.
// Each unit has a list of its reports' ids (searched the same way), and a hash of counters per
// year, unit and category that the report and undo scripts keep serves /summary. Reporting
// is one script: dedupe, membership, rate limit, categories, record, indexes, counters and
// audit in one round trip.
//
// A report's audit entry is a reference ("@<id>") whose hashed body is the report's record
// (audit.go): the record is stored once, and the chain covers it, so changing a report (or
// dropping one) shows in VerifyAudit. Undoing marks the record and appends an entry of its
// own; the record stays (as the undone report's text stayed in the audit log before).
//
// A report does not keep its reporter's name: lists and the export take it from the bloc's
// people (the name the person has now), so /forget_me removes it from the reports too, which
// then show the person's numeric id.

// recSep separates a report record's fields: a control character, which the text's stored
// form never holds (vntext.go) and reportArgs removes from the other fields.
const recSep = "\x1f"

// A report record: "<ms>␟<unit>␟<categories>␟<reporter id>␟<year>␟[<file id>␟<kind>␟<name>␟]<text>",
// the text in the compact form of encodeText; an undone report's has an "x" in front.
const (
	recFields         = 6 // without evidence
	recFieldsEvidence = 9 // with evidence
)

// decodeAchievement reads report id's record; ok is false for an undone report (whose record
// is returned all the same). people are the bloc's people (decodePeople), for the reporter's
// name.
func decodeAchievement(id int64, raw string, people map[string]personJSON) (a domain.Achievement, ok bool, err error) {
	raw, undone := strings.CutPrefix(raw, "x")
	f := strings.Split(raw, recSep)
	if len(f) != recFields && len(f) != recFieldsEvidence {
		return domain.Achievement{}, false, fmt.Errorf("achievement %d: malformed record", id)
	}
	ms, _ := strconv.ParseInt(f[0], 10, 64)
	unit, _ := strconv.Atoi(f[1])
	pid, _ := strconv.ParseInt(f[3], 10, 64)
	year, _ := strconv.Atoi(f[4])
	a = domain.Achievement{ID: id, Unit: unit, Reporter: domain.Person{ID: pid}, At: time.UnixMilli(ms), Year: year,
		Text: decodeText(f[len(f)-1])}
	if f[2] != "" {
		a.Categories = strings.Split(f[2], ",")
	} else {
		a.Categories = []string{domain.OtherCategory}
	}
	if len(f) == recFieldsEvidence {
		a.Evidence = &domain.Evidence{FileID: f[5], Kind: f[6], Name: f[7]}
	}
	if p, ok := people[f[3]]; ok {
		a.Reporter.Name, a.Reporter.Username = p.N, p.U
	}
	return a, !undone, nil
}

// achErr maps the achievement scripts' own error codes, then the shared ones.
func achErr(res string) error {
	switch res {
	case "err:slow":
		return domain.ErrRateLimited
	case "err:manycats":
		return domain.ErrTooManyCategories
	}
	return scriptErr(res)
}

// reportCore records a report once the script has checked who reports for which unit: the
// rate limit and the same report sent twice, categories, record, indexes, counters and audit.
// It expects the locals ACH, BYUNIT, COUNTS, CATS, RATE, rec, unit, at, year, tags, rmax, rwin,
// other, hash, and ends the script unless it records (then `res` is set).
//
// The record's time is the caller's clock, but never before the newest report's (replicas'
// clocks differ by milliseconds): ids are positions, and the binary search over them needs
// their times in order. Its result is "<id>|<ms>|<categories as JSON>".
// reportHashLua is report_hash(unit): what makes two reports the same one (the unit, the text
// and the file: ARGV[12] is the hash of text and file, the caller's), 12 hex digits.
const reportHashLua = `
local function report_hash(unit) return string.sub(redis.sha1hex(unit .. '\0' .. ARGV[12]), 1, 12) end
`

const reportCore = `
-- The sender's recent reports: the rate set's field for them, "<ms>:<hash>:<id>,..." (only
-- their own entries are read: a bloc's busy reporting hour must not make each report scan
-- everyone's).
local cutoff, kept, sent = NOW - rwin, {}, 0
local recent = redis.call('HGET', RATE, ACTOR)
if recent then
  for t, h, id in string.gmatch(recent, '(%d+):(%x+):(%d+)') do
    if tonumber(t) > cutoff then
      sent = sent + 1
      kept[sent] = t .. ':' .. h .. ':' .. id
      if h == hash then
        local r = redis.call('LINDEX', ACH, tonumber(id) - 1)
        if r and string.sub(r, 1, 1) ~= 'x' then return done('same:' .. id) end
      end
    end
  end
end
if sent >= rmax then return done('err:slow') end
local cats, seen = {}, {}
for _, t in ipairs(tags) do
  local key = t.k
  if not key then key = redis.call('HGET', CATS, 'a:' .. t.n) or t.t end
  if not seen[key] then seen[key] = true; table.insert(cats, key) end
end
if #cats == 0 then cats = {other} end
local t = tonumber(at)
local last = redis.call('LINDEX', ACH, -1)
if last then
  local lt = tonumber(string.match(last, '^x?(%d+)'))
  if lt and lt > t then t = lt end
end
local ts = string.format('%.0f', t)
local record = ts .. '\31' .. unit .. '\31' .. table.concat(cats, ',') .. '\31' .. rec
local id = redis.call('RPUSH', ACH, record)
redis.call('RPUSH', BYUNIT, id)
local pre = year .. '|' .. unit .. '|'
redis.call('HINCRBY', COUNTS, pre .. '*', 1)
for _, c in ipairs(cats) do redis.call('HINCRBY', COUNTS, pre .. c, 1) end
kept[sent + 1] = string.format('%.0f', NOW) .. ':' .. hash .. ':' .. id
redis.call('HSET', RATE, ACTOR, table.concat(kept, ','))
redis.call('PEXPIRE', RATE, rwin)
audit_entry('@' .. id, '@' .. id .. ' ' .. record)
local res = id .. '|' .. ts .. '|' .. cjson.encode(cats)
done(res)
`

// The report scripts' keys: KEYS[5] the reports, [6] the counters, [7] the categories, [8] the
// rate set, [9] units, [10] members, then the per-unit index(es).
func reportKeys(ck rkeys.Chat) []string {
	return []string{ck.Achievements(), ck.AchievementCounts(), ck.Categories(), ck.ReportRate(), ck.Units(), ck.Members()}
}

var reportScript = NewScript(reportHashLua + `
if not has_bloc() then return done('err:nobloc') end
local ACH, COUNTS, CATS, RATE, UNITS, MEMBERS, BYUNIT = KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11]
local rec, unit, at, year = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local tags = cjson.decode(ARGV[8])
local rmax, rwin, other = tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11]
local hash = report_hash(unit)
if redis.call('HEXISTS', UNITS, unit) == 0 then return done('err:unit') end
if redis.call('HGET', MEMBERS, ACTOR) ~= unit then return done('err:notlinked') end
` + reportCore + `
return {0, res}
`)

// reportMemberScript is reportScript for a report of the sender's own unit, which the script
// finds (HGET members). The caller does not know the unit nor the bloc's time zone (the year
// the report counts in) for sure: it passes its hint (ARGV[13] the time zone, ARGV[14] the
// unit ids of the bloc as it knows them, KEYS[11...] their per-unit indexes) and the script
// records only when the hint holds; otherwise it changes nothing, records no result for the
// update, and returns 'hint:' and the right hint (time zone, then the unit ids) for a retry.
// On success it returns, after the stored result and a newline, what the confirmation shows:
// the bloc's language, the unit's name and the bloc's own categories.
var reportMemberScript = NewScript(reportHashLua + `
local bl = redis.call('HMGET', BLOC, 'lang', 'tz', 'audit_head')
if not bl[1] then return done('err:nobloc') end -- every bloc has a language from its setup
AHEAD = bl[3] or ''
local ACH, COUNTS, CATS, RATE, UNITS, MEMBERS = KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local rec, at = ARGV[4], ARGV[6]
local tags = cjson.decode(ARGV[8])
local rmax, rwin, other = tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11]
local unit = redis.call('HGET', MEMBERS, ACTOR)
if not unit then return done('err:notlinked') end
-- The same report twice: the hash Report's caller computes, of the unit, text and file.
local hash = report_hash(unit)
local tz = bl[2] or ''
local BYUNIT
local known = cjson.decode(ARGV[14])
for i, u in ipairs(known) do
  if tostring(u) == unit then BYUNIT = KEYS[10 + i] end
end
local uname = redis.call('HGET', UNITS, unit)
if not uname then return done('err:unit') end
if tz ~= ARGV[13] or not BYUNIT then
  return {0, 'hint:' .. cjson.encode({tz = tz, u = redis.call('HKEYS', UNITS)})}
end
local year = ARGV[7]
` + reportCore + `
local kc = {}
local all = redis.call('HGETALL', CATS)
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 'k:' then kc[#kc + 1] = string.sub(all[i], 3) .. '\n' .. all[i + 1] end
end
-- After the stored result: language, unit name, unit, the bloc's categories (key and label
-- by line), joined by the record separator (names are free of control characters).
return {0, res .. '\n' .. table.concat({bl[1], uname, unit, table.concat(kc, '\n')}, '\30')}
`)

// ReportResult is what recording a report did.
type ReportResult struct {
	domain.Achievement
	// Same is true when the person had sent the same report (unit, text, evidence) within
	// the rate window: nothing new was recorded and Achievement is the earlier one.
	Same bool
	Dup  bool
}

// Report records an achievement of unit by the person in op.Actor (who must be linked to
// it). The report's time is the store's clock; its year the bloc's year in loc.
func (s *Store) Report(ctx context.Context, chatID int64, op Op, unit int, reporter domain.Person, loc *time.Location, r domain.Report) (ReportResult, error) {
	a := s.reportArgs(unit, reporter, loc, r)
	ck := rkeys.ForChat(chatID)
	res, err := s.Run(ctx, reportScript, chatID, op, append(reportKeys(ck), ck.AchievementsOfUnit(unit)), a.args...)
	if err != nil {
		return ReportResult{}, err
	}
	a.ach.Unit = unit
	return s.reportResult(ctx, chatID, a.ach, res)
}

// ReportHint is what the caller of ReportAsMember believes about a bloc: its time zone (the
// year a report counts in) and its units. A wrong hint costs a second round trip.
type ReportHint struct {
	TZ    string
	Units []int
}

// MemberReport is a report recorded by ReportAsMember, with what its confirmation shows.
type MemberReport struct {
	ReportResult
	// Hint is the bloc's hint as the script found it (keep it for the next report).
	Hint     ReportHint
	Lang     string
	UnitName string
	// Categories are the defaults and the bloc's own (nil on a replay and for Same).
	Categories domain.Categories
}

// ReportAsMember records a report of the unit the person in op.Actor represents, in one round
// trip when hint is right (the script finds the unit and checks the hint; with a wrong one it
// changes nothing and returns the right one, and the report is made again with it). Refusals
// are those of Report; domain.ErrNotLinked when the person represents no unit.
func (s *Store) ReportAsMember(ctx context.Context, chatID int64, op Op, reporter domain.Person, hint ReportHint, r domain.Report) (MemberReport, error) {
	ck := rkeys.ForChat(chatID)
	for attempt := 0; ; attempt++ {
		units := hint.Units
		if units == nil {
			units = []int{}
		}
		keys := reportKeys(ck)
		for _, u := range units {
			keys = append(keys, ck.AchievementsOfUnit(u))
		}
		a := s.reportArgs(0, reporter, (&domain.Bloc{Timezone: hint.TZ}).Location(), r)
		res, err := s.Run(ctx, reportMemberScript, chatID, op, keys, append(a.args, hint.TZ, mustJSON(units))...)
		if err != nil {
			return MemberReport{}, err
		}
		if h, ok := strings.CutPrefix(res.Value, "hint:"); ok && !res.Dup {
			var raw struct {
				TZ string          `json:"tz"`
				U  json.RawMessage `json:"u"`
			}
			if err := json.Unmarshal([]byte(h), &raw); err != nil {
				return MemberReport{}, fmt.Errorf("report: hint: %w", err)
			}
			hint = ReportHint{TZ: raw.TZ, Units: []int{}}
			var ids []string
			_ = json.Unmarshal(raw.U, &ids) // an empty list comes as {}
			for _, id := range ids {
				n, _ := strconv.Atoi(id)
				hint.Units = append(hint.Units, n)
			}
			sort.Ints(hint.Units)
			if attempt >= 2 {
				return MemberReport{}, fmt.Errorf("report: the bloc keeps changing")
			}
			continue
		}
		stored, extra, _ := strings.Cut(res.Value, "\n")
		var x struct {
			L, UN, K string
			U        int
		}
		if extra != "" {
			f := strings.SplitN(extra, "\x1e", 4)
			if len(f) != 4 {
				return MemberReport{}, fmt.Errorf("report: malformed answer %q", extra)
			}
			x.L, x.UN, x.K = f[0], f[1], f[3]
			x.U, _ = strconv.Atoi(f[2])
		}
		a.ach.Unit = x.U
		rr, err := s.reportResult(ctx, chatID, a.ach, Result{Value: stored, Dup: res.Dup})
		out := MemberReport{ReportResult: rr, Hint: hint, Lang: x.L, UnitName: x.UN}
		if extra != "" {
			var custom []domain.Category
			if x.K != "" {
				parts := strings.Split(x.K, "\n")
				for i := 0; i+1 < len(parts); i += 2 {
					custom = append(custom, domain.Category{Key: parts[i], VI: parts[i+1], EN: parts[i+1]})
				}
			}
			sort.Slice(custom, func(i, j int) bool { return domain.Fold(custom[i].Key) < domain.Fold(custom[j].Key) })
			out.Categories = domain.WithCustom(custom)
		}
		return out, err
	}
}

// reportArgs are the report scripts' arguments (ARGV[4] to ARGV[12]) and the report as the
// caller knows it (no id, categories nor unit yet).
type reportArgs struct {
	ach  domain.Achievement
	args []any
}

// recField is a field as a record keeps it: without the separator.
func recField(s string) string { return strings.ReplaceAll(s, recSep, " ") }

func (s *Store) reportArgs(unit int, reporter domain.Person, loc *time.Location, r domain.Report) reportArgs {
	now := s.clk.Now()
	year := now.In(loc).Year()
	ach := domain.Achievement{Reporter: reporter, At: time.UnixMilli(now.UnixMilli()), Year: year, Text: r.Text, Evidence: r.Evidence}
	// The script writes the time, unit and categories; it is given the rest of the record.
	rest := []string{strconv.FormatInt(reporter.ID, 10), strconv.Itoa(year)}
	fileID := ""
	if e := r.Evidence; e != nil {
		fileID = recField(e.FileID)
		rest = append(rest, fileID, recField(e.Kind), recField(e.Name))
	}
	rest = append(rest, encodeText(r.Text)) // vntext.go
	known, other := domain.ResolveTags(r.Tags)
	type tagArg struct {
		K string `json:"k,omitempty"`
		N string `json:"n,omitempty"`
		T string `json:"t,omitempty"`
	}
	tags := make([]tagArg, 0, len(known)+len(other))
	for _, k := range known {
		tags = append(tags, tagArg{K: k})
	}
	for _, t := range other {
		tags = append(tags, tagArg{N: t.Key, T: t.Typed})
	}
	content := sha1hex(r.Text + "\x00" + fileID) // with the unit, the script's report_hash
	return reportArgs{ach: ach, args: []any{strings.Join(rest, recSep), unit, now.UnixMilli(), year,
		mustJSON(tags), domain.ReportRateMax, domain.ReportRateWindow.Milliseconds(), domain.OtherCategory, content}}
}

// reportResult reads a report script's result ("<id>|<ms>|<categories>", "same:<id>" or an
// error) into the report the caller made.
func (s *Store) reportResult(ctx context.Context, chatID int64, a domain.Achievement, res Result) (ReportResult, error) {
	if err := achErr(res.Value); err != nil {
		return ReportResult{Dup: res.Dup}, err
	}
	if id, ok := strings.CutPrefix(res.Value, "same:"); ok {
		a, err := s.Achievement(ctx, chatID, id)
		if err != nil {
			return ReportResult{}, err
		}
		return ReportResult{Achievement: a, Same: true, Dup: res.Dup}, nil
	}
	f := strings.SplitN(res.Value, "|", 3)
	if len(f) != 3 {
		return ReportResult{}, fmt.Errorf("report: unexpected result %q", res.Value)
	}
	if res.Dup {
		// A replay: report the first run's record (its time, not this run's).
		if a, err := s.Achievement(ctx, chatID, f[0]); err == nil {
			return ReportResult{Achievement: a, Dup: true}, nil
		}
	}
	a.ID, _ = strconv.ParseInt(f[0], 10, 64)
	ms, _ := strconv.ParseInt(f[1], 10, 64)
	a.At = time.UnixMilli(ms)
	a.Categories = nil
	_ = json.Unmarshal([]byte(f[2]), &a.Categories)
	return ReportResult{Achievement: a, Dup: res.Dup}, nil
}

// Achievement reads one report; domain.ErrNotFound when there is none (or it was undone).
func (s *Store) Achievement(ctx context.Context, chatID int64, id string) (domain.Achievement, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 1 {
		return domain.Achievement{}, domain.ErrNotFound
	}
	ck := rkeys.ForChat(chatID)
	pipe := s.rdb.Pipeline()
	rec := pipe.LIndex(ctx, ck.Achievements(), n-1)
	people := pipe.HGetAll(ctx, ck.People())
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return domain.Achievement{}, err
	}
	if rec.Err() != nil {
		return domain.Achievement{}, domain.ErrNotFound
	}
	a, ok, err := decodeAchievement(n, rec.Val(), decodePeople(people.Val()))
	if err == nil && !ok {
		err = domain.ErrNotFound
	}
	return a, err
}

var undoReportScript = NewScript(`
local ACH, BYUNIT, COUNTS, UNDONE = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local id, unit, manager, win = tonumber(ARGV[4]), ARGV[5], ARGV[6] == '1', tonumber(ARGV[7])
local raw = id and id >= 1 and redis.call('LINDEX', ACH, id - 1)
if not raw or string.sub(raw, 1, 1) == 'x' then return done('err:notfound') end
local t, u, cats, r, y = string.match(raw, '^(%d+)\31(%d+)\31([^\31]*)\31([^\31]*)\31(%d+)\31')
if u ~= unit then return done('err:stale') end
if r ~= ACTOR and not manager then return done('err:forbidden') end
if NOW - tonumber(t) > win then return done('err:closed') end
-- Marked undone, the record stays: its time for the binary search, and its content for the
-- audit chain (the report's entry covers it) and for the record.
redis.call('LSET', ACH, id - 1, 'x' .. raw)
redis.call('LREM', BYUNIT, -1, id)
redis.call('ZADD', UNDONE, id, id)
local pre = y .. '|' .. unit .. '|'
local fields = {pre .. '*'}
for c in string.gmatch(cats, '[^,]+') do table.insert(fields, pre .. c) end
for _, f in ipairs(fields) do
  if redis.call('HINCRBY', COUNTS, f, -1) <= 0 then redis.call('HDEL', COUNTS, f) end
end
audit('ach.undo', {id = id, unit = tonumber(unit)})
return done(raw)
`)

// UndoReport removes a report: by its author, or a manager, within domain.UndoWindow. The
// undone report stays stored, marked (and covered by the audit chain). Errors: domain.ErrNotFound (no such report,
// or undone already), domain.ErrForbidden (someone else's), domain.ErrClosed (too late),
// domain.ErrStale (the button does not match the report). The report returned has no
// reporter name.
func (s *Store) UndoReport(ctx context.Context, chatID int64, op Op, id int64, unit int, manager bool) (domain.Achievement, bool, error) {
	ck := rkeys.ForChat(chatID)
	mgr := "0"
	if manager {
		mgr = "1"
	}
	res, err := s.Run(ctx, undoReportScript, chatID, op,
		[]string{ck.Achievements(), ck.AchievementsOfUnit(unit), ck.AchievementCounts(), ck.AchievementsUndone()},
		id, unit, mgr, domain.UndoWindow.Milliseconds())
	if err != nil {
		return domain.Achievement{}, false, err
	}
	if err := achErr(res.Value); err != nil {
		return domain.Achievement{}, false, err
	}
	a, _, err := decodeAchievement(id, res.Value, nil)
	return a, res.Dup, err
}

// AchievementQuery selects reports to list.
type AchievementQuery struct {
	Unit int       // 0: every unit
	From time.Time // zero: from the start
	To   time.Time // exclusive; zero: no end
	// Before, when set, hides reports from that time on (keeps pages stable while people
	// keep reporting).
	Before time.Time
	Offset int
	Limit  int
}

// periodSearch is the Lua that finds a period in the reports' list (KEYS[1]) or in a unit's
// list of ids, whose times are in order: span(L, from, to) returns the positions [a, b) of
// list L whose reports' times (unix ms) are in [from, to), by binary search (nil: no bound).
const periodSearch = `
local ACH = KEYS[1]
local function time_of(id)
  return tonumber(string.match(redis.call('LINDEX', ACH, id - 1), '^x?(%d+)'))
end
local function span(L, from, to)
  local n = redis.call('LLEN', L)
  local time_at = function(i) return time_of(i + 1) end
  if L ~= ACH then
    time_at = function(i) return time_of(tonumber(redis.call('LINDEX', L, i))) end
  end
  -- The first position whose time is x or later.
  local function first(x)
    local lo, hi = 0, n
    while lo < hi do
      local mid = math.floor((lo + hi) / 2)
      if time_at(mid) < x then lo = mid + 1 else hi = mid end
    end
    return lo
  end
  local a, b = 0, n
  if from then a = first(from) end
  if to then b = first(to) end
  if b < a then b = a end
  return a, b
end
`

// spanScript returns, for each list KEYS[2...] (the reports' list KEYS[1] itself, or a unit's
// list of ids), the positions [a, b) of the period ARGV[1], ARGV[2] (unix ms; empty: no bound).
var spanScript = redis.NewScript(periodSearch + `
local out = {}
for i = 2, #KEYS do
  local a, b = span(KEYS[i], tonumber(ARGV[1]), tonumber(ARGV[2]))
  out[#out + 1] = a
  out[#out + 1] = b
end
return out
`)

// listScript returns one page of the reports of a period, newest first: of the reports' list
// (KEYS[1]) or of a unit's list of ids (KEYS[3], the reports' list again for every unit).
// ARGV[1] and ARGV[2] are the period in unix ms (empty: no bound), ARGV[3] the offset and
// ARGV[4] the page's length. It returns how many reports the period holds (undone ones, in
// KEYS[2], left out), the page's length, its ids and records, then the reporters' ids and
// their entries in the bloc's people (KEYS[4]).
var listScript = redis.NewScript(periodSearch + `
local UNDONE, L, PEOPLE = KEYS[2], KEYS[3], KEYS[4]
local offset, limit = tonumber(ARGV[3]), tonumber(ARGV[4])
local a, b = span(L, tonumber(ARGV[1]), tonumber(ARGV[2]))
local ids, recs = {}, {}
local total
if L ~= ACH then
  total = b - a
  local top = b - 1 - offset
  local low = math.max(a, top - limit + 1)
  if top >= low then
    local us = redis.call('LRANGE', L, low, top)
    for i = #us, 1, -1 do
      local id = tonumber(us[i])
      ids[#ids + 1] = id
      recs[#recs + 1] = redis.call('LINDEX', ACH, id - 1)
    end
  end
else
  local undone = {}
  if b > a then undone = redis.call('ZRANGEBYSCORE', UNDONE, a + 1, b) end
  total = b - a - #undone
  -- The position of the offset-th report left counting down from b - 1: each undone report
  -- at or above it moves it down one.
  local top = b - 1 - offset
  for j = #undone, 1, -1 do
    if tonumber(undone[j]) - 1 >= top then top = top - 1 else break end
  end
  local low = math.max(a, top - limit + 1 - #undone)
  if top >= low then
    local rs = redis.call('LRANGE', ACH, low, top)
    for i = #rs, 1, -1 do
      if #ids >= limit then break end
      if string.sub(rs[i], 1, 1) ~= 'x' then
        ids[#ids + 1] = low + i
        recs[#recs + 1] = rs[i]
      end
    end
  end
end
local out = {total, #ids}
local who, seen = {}, {}
for i = 1, #ids do
  out[#out + 1] = ids[i]
  out[#out + 1] = recs[i]
  local p = string.match(recs[i], '^%d+\31%d+\31[^\31]*\31([^\31]*)\31')
  if p and not seen[p] then seen[p] = true; who[#who + 1] = p end
end
if #who > 0 then
  local names = redis.call('HMGET', PEOPLE, unpack(who))
  for i, p in ipairs(who) do
    out[#out + 1] = p
    out[#out + 1] = names[i] or ''
  end
end
return out
`)

// periodArgs are a period's bounds for the scripts: from, and the earlier of to and before
// (empty for none).
func periodArgs(from, to, before time.Time) (string, string) {
	lo, hi := "", ""
	if !from.IsZero() {
		lo = strconv.FormatInt(from.UnixMilli(), 10)
	}
	end := to
	if !before.IsZero() && (end.IsZero() || before.Before(end)) {
		end = before
	}
	if !end.IsZero() {
		hi = strconv.FormatInt(end.UnixMilli(), 10)
	}
	return lo, hi
}

// ListAchievements returns one page of reports, newest first, and how many match in all.
// It is one round trip.
func (s *Store) ListAchievements(ctx context.Context, chatID int64, q AchievementQuery) ([]domain.Achievement, int, error) {
	ck := rkeys.ForChat(chatID)
	list := ck.Achievements()
	if q.Unit != 0 {
		list = ck.AchievementsOfUnit(q.Unit)
	}
	if q.Limit <= 0 {
		q.Limit = 10
	}
	lo, hi := periodArgs(q.From, q.To, q.Before)
	v, err := listScript.Run(ctx, s.rdb, []string{ck.Achievements(), ck.AchievementsUndone(), list, ck.People()},
		lo, hi, q.Offset, q.Limit).Slice()
	if err != nil {
		return nil, 0, fmt.Errorf("list achievements: %w", err)
	}
	if len(v) < 2 {
		return nil, 0, fmt.Errorf("list achievements: unexpected reply %v", v)
	}
	total, _ := v[0].(int64)
	n, _ := v[1].(int64)
	items := v[2:]
	if int64(len(items)) < 2*n {
		return nil, 0, fmt.Errorf("list achievements: unexpected reply %v", v)
	}
	people := map[string]personJSON{}
	for i := 2 * n; i+1 < int64(len(items)); i += 2 {
		p, _ := items[i].(string)
		v, _ := items[i+1].(string)
		people[p] = decodePerson(v)
	}
	out := make([]domain.Achievement, 0, n)
	for i := int64(0); i < n; i++ {
		id, _ := items[2*i].(int64)
		raw, _ := items[2*i+1].(string)
		a, ok, err := decodeAchievement(id, raw, people)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			out = append(out, a)
		}
	}
	return out, int(total), nil
}

// YearAchievements returns every report of a period (the export's year), oldest first, in
// two round trips (the period's positions, then the records in chunks and the bloc's people
// through one pipeline).
func (s *Store) YearAchievements(ctx context.Context, chatID int64, from, to time.Time) ([]domain.Achievement, error) {
	ck := rkeys.ForChat(chatID)
	lo, hi := periodArgs(from, to, time.Time{})
	r, err := spanScript.Run(ctx, s.rdb, []string{ck.Achievements(), ck.Achievements()}, lo, hi).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("achievements of the year: %w", err)
	}
	if len(r) != 2 {
		return nil, fmt.Errorf("achievements of the year: unexpected reply %v", r)
	}
	a, b := r[0], r[1]
	if b <= a {
		return nil, nil
	}
	const chunk = 1000
	pipe := s.rdb.Pipeline()
	var cmds []*redis.StringSliceCmd
	for i := a; i < b; i += chunk {
		cmds = append(cmds, pipe.LRange(ctx, ck.Achievements(), i, min(i+chunk, b)-1))
	}
	people := pipe.HGetAll(ctx, ck.People())
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("achievements of the year: %w", err)
	}
	out := make([]domain.Achievement, 0, b-a)
	id := a
	ppl := decodePeople(people.Val())
	for _, cmd := range cmds {
		for _, raw := range cmd.Val() {
			id++
			ach, ok, err := decodeAchievement(id, raw, ppl)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, ach)
			}
		}
	}
	return out, nil
}

func sha1hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// AchievementCounts returns a year's counters as domain.BuildTally takes them
// ("<unit>|<category>" and "<unit>|*"), with the bloc's categories, in one round trip.
func (s *Store) AchievementCounts(ctx context.Context, chatID int64, year int) (map[string]int, domain.Categories, error) {
	ck := rkeys.ForChat(chatID)
	pipe := s.rdb.Pipeline()
	counts := pipe.HGetAll(ctx, ck.AchievementCounts())
	cats := pipe.HGetAll(ctx, ck.Categories())
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, fmt.Errorf("achievement counts: %w", err)
	}
	pre := strconv.Itoa(year) + "|"
	out := map[string]int{}
	for k, v := range counts.Val() {
		rest, ok := strings.CutPrefix(k, pre)
		if !ok {
			continue
		}
		n, _ := strconv.Atoi(v)
		out[rest] = n
	}
	return out, customCategories(cats.Val()), nil
}

func customCategories(h map[string]string) domain.Categories {
	var custom []domain.Category
	for k, v := range h {
		if key, ok := strings.CutPrefix(k, "k:"); ok {
			custom = append(custom, domain.Category{Key: key, VI: v, EN: v})
		}
	}
	sort.Slice(custom, func(i, j int) bool { return domain.Fold(custom[i].Key) < domain.Fold(custom[j].Key) })
	return domain.WithCustom(custom)
}

// Categories returns the bloc's categories: the defaults, then its own.
func (s *Store) Categories(ctx context.Context, chatID int64) (domain.Categories, error) {
	h, err := s.rdb.HGetAll(ctx, rkeys.ForChat(chatID).Categories()).Result()
	if err != nil {
		return nil, err
	}
	return customCategories(h), nil
}

var addCategoryScript = NewScript(`
if not has_bloc() then return done('err:nobloc') end
local CATS = KEYS[5]
local key, name, max = ARGV[4], ARGV[5], tonumber(ARGV[6])
local aliases = cjson.decode(ARGV[7])
for _, a in ipairs(aliases) do
  if redis.call('HEXISTS', CATS, 'a:' .. a) == 1 then return done('err:dupname') end
end
local n = 0
for _, f in ipairs(redis.call('HKEYS', CATS)) do
  if string.sub(f, 1, 2) == 'k:' then n = n + 1 end
end
if n >= max then return done('err:manycats') end
redis.call('HSET', CATS, 'k:' .. key, name)
for _, a in ipairs(aliases) do redis.call('HSET', CATS, 'a:' .. a, key) end
audit('ach.category', {tag = key, name = name})
return done('ok')
`)

// AddCategory adds a category of the bloc's own. domain.ErrDuplicateName when its tag or name
// is one of the bloc's categories already (defaults included), domain.ErrTooManyCategories
// past domain.MaxCategories.
func (s *Store) AddCategory(ctx context.Context, chatID int64, op Op, c domain.Category) (bool, error) {
	if _, ok := domain.Categories(domain.DefaultCategories).Match(c.Key); ok {
		return false, domain.ErrDuplicateName
	}
	if _, ok := domain.Categories(domain.DefaultCategories).Match(c.VI); ok {
		return false, domain.ErrDuplicateName
	}
	aliases := []string{domain.CategoryKey(c.Key)}
	if a := domain.CategoryKey(c.VI); a != "" && a != aliases[0] {
		aliases = append(aliases, a)
	}
	res, err := s.Run(ctx, addCategoryScript, chatID, op, []string{rkeys.ForChat(chatID).Categories()},
		c.Key, c.VI, domain.MaxCategories, mustJSON(aliases))
	if err != nil {
		return false, err
	}
	if err := achErr(res.Value); err != nil {
		return false, err
	}
	return res.Dup, nil
}

// ReportDraft is a report typed in a private chat, waiting for its author to pick the bloc.
type ReportDraft struct {
	Text     string           `json:"x"`
	Evidence *domain.Evidence `json:"e,omitempty"`
}

// DraftTTL is how long a private chat's report draft waits for the bloc to be chosen.
const DraftTTL = time.Hour

var saveDraftScript = NewScript(`
redis.call('SET', KEYS[5], ARGV[4], 'PX', ARGV[5])
return done('ok')
`)

// SaveReportDraft keeps a draft in the private chat under id (the message's id).
func (s *Store) SaveReportDraft(ctx context.Context, privateChat int64, op Op, id int, d ReportDraft) error {
	_, err := s.Run(ctx, saveDraftScript, privateChat, op, []string{rkeys.ForChat(privateChat).ReportDraft(id)},
		mustJSON(d), DraftTTL.Milliseconds())
	return err
}

// LoadReportDraft reads a draft; ok is false when it was used or has expired.
func (s *Store) LoadReportDraft(ctx context.Context, privateChat int64, id int) (ReportDraft, bool, error) {
	v, err := s.rdb.Get(ctx, rkeys.ForChat(privateChat).ReportDraft(id)).Result()
	if errors.Is(err, redis.Nil) {
		return ReportDraft{}, false, nil
	}
	if err != nil {
		return ReportDraft{}, false, err
	}
	var d ReportDraft
	if err := json.Unmarshal([]byte(v), &d); err != nil {
		return ReportDraft{}, false, fmt.Errorf("report draft: %w", err)
	}
	return d, true, nil
}

var dropDraftScript = NewScript(`
redis.call('DEL', KEYS[5])
return done('ok')
`)

// DropReportDraft deletes a draft once it was reported.
func (s *Store) DropReportDraft(ctx context.Context, privateChat int64, op Op, id int) error {
	_, err := s.Run(ctx, dropDraftScript, privateChat, op, []string{rkeys.ForChat(privateChat).ReportDraft(id)})
	return err
}
