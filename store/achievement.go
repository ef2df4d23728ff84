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

// Achievement reports. A bloc's reports live in one hash (id -> compact JSON), with a sorted
// set by time for the whole bloc and one per unit (newest-first paging and period ranges by
// score), and a hash of counters per year, unit and category that the report and undo
// scripts keep, so /summary reads one hash. Reporting is one script: dedupe, membership,
// rate limit, categories, record, indexes, counters and audit in one round trip.

// achRecord is a report as stored. The id is the hash field; categories come first so the
// script can prepend them to the JSON Go built.
type achRecord struct {
	C  []string `json:"c"`
	U  int      `json:"u"`
	R  string   `json:"r"` // reporter id, a string (Lua numbers lose large ids)
	N  string   `json:"n"` // reporter name
	T  int64    `json:"t"` // unix ms
	Y  int      `json:"y"` // the bloc's year
	X  string   `json:"x"` // text
	F  string   `json:"f,omitempty"`
	FK string   `json:"k,omitempty"`
	FN string   `json:"fn,omitempty"`
}

func (r achRecord) achievement(id int64) domain.Achievement {
	pid, _ := strconv.ParseInt(r.R, 10, 64)
	a := domain.Achievement{ID: id, Unit: r.U, Reporter: domain.Person{ID: pid, Name: r.N},
		At: time.UnixMilli(r.T), Year: r.Y, Text: r.X, Categories: r.C}
	if r.F != "" {
		a.Evidence = &domain.Evidence{FileID: r.F, Kind: r.FK, Name: r.FN}
	}
	if len(a.Categories) == 0 {
		a.Categories = []string{domain.OtherCategory}
	}
	return a
}

func decodeAchievement(id string, raw string) (domain.Achievement, error) {
	var r achRecord
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return domain.Achievement{}, fmt.Errorf("achievement %s: %w", id, err)
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	return r.achievement(n), nil
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
// It expects the locals ACH, BYTIME, BYUNIT, COUNTS, CATS, RATE, SEQ, rec, unit, at, year,
// tags, rmax, rwin, other, hash, and ends the script unless it records (then `res` is set).
const reportCore = `
redis.call('ZREMRANGEBYSCORE', RATE, '-inf', string.format('%.0f', NOW - rwin))
local recent = redis.call('ZRANGE', RATE, 0, -1)
for _, m in ipairs(recent) do
  local h, id = string.match(m, '^([^:]*):(.*)$')
  if h == hash and redis.call('HEXISTS', ACH, id) == 1 then return done('same:' .. id) end
end
if #recent >= rmax then return done('err:slow') end
local cats, seen = {}, {}
for _, t in ipairs(tags) do
  local key = t.k
  if not key then key = redis.call('HGET', CATS, 'a:' .. t.n) or t.t end
  if not seen[key] then seen[key] = true; table.insert(cats, key) end
end
if #cats == 0 then cats = {other} end
local id = redis.call('HINCRBY', SEQ, 'ach', 1)
redis.call('HSET', ACH, id, '{"c":' .. cjson.encode(cats) .. ',"u":' .. unit .. ',' .. string.sub(rec, 2))
local score = string.format('%.0f', tonumber(at) * 1000 + id % 1000)
redis.call('ZADD', BYTIME, score, id)
redis.call('ZADD', BYUNIT, score, id)
local pre = year .. '|' .. unit .. '|'
redis.call('HINCRBY', COUNTS, pre .. '*', 1)
for _, c in ipairs(cats) do redis.call('HINCRBY', COUNTS, pre .. c, 1) end
redis.call('ZADD', RATE, string.format('%.0f', NOW), hash .. ':' .. id)
redis.call('PEXPIRE', RATE, rwin)
audit('ach.report', {id = id, unit = tonumber(unit), c = cats})
local res = id .. '|' .. cjson.encode(cats)
done(res)
`

var reportScript = NewScript(`
if not has_bloc() then return done('err:nobloc') end
local ACH, BYTIME, BYUNIT, COUNTS, CATS, RATE, SEQ, UNITS, MEMBERS =
  KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12], KEYS[13]
local rec, unit, at, year = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local tags = cjson.decode(ARGV[8])
local rmax, rwin, other, hash = tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11], ARGV[12]
if redis.call('HEXISTS', UNITS, unit) == 0 then return done('err:unit') end
if redis.call('HGET', MEMBERS, ACTOR) ~= unit then return done('err:notlinked') end
` + reportCore + `
return {0, res}
`)

// reportMemberScript is reportScript for a report of the sender's own unit, which the script
// finds (HGET members). The caller does not know the unit nor the bloc's time zone (the year
// the report counts in) for sure: it passes its hint (ARGV[13] the time zone, ARGV[14] the
// unit ids of the bloc as it knows them, KEYS[14...] their per-unit indexes; ARGV[15] and
// ARGV[16] the text and file id, for the hash of the same report sent twice) and the script
// records only when the hint holds; otherwise it changes nothing, records no result for the
// update, and returns 'hint:' and the right hint (time zone, then the unit ids) for a retry.
// On success it returns, after the stored result and a newline, what the confirmation shows:
// the bloc's language, the unit's name and the bloc's own categories.
var reportMemberScript = NewScript(`
if not has_bloc() then return done('err:nobloc') end
local ACH, BYTIME, COUNTS, CATS, RATE, SEQ, UNITS, MEMBERS =
  KEYS[5], KEYS[6], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12], KEYS[13]
local rec, at = ARGV[4], ARGV[6]
local tags = cjson.decode(ARGV[8])
local rmax, rwin, other = tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11]
local unit = redis.call('HGET', MEMBERS, ACTOR)
if not unit then return done('err:notlinked') end
-- The same report twice: the hash Report's caller computes, of the unit, text and file.
local hash = string.sub(redis.sha1hex(unit .. '\0' .. ARGV[15] .. '\0' .. ARGV[16]), 1, 12)
local tz = redis.call('HGET', BLOC, 'tz') or ''
local BYUNIT
local known = cjson.decode(ARGV[14])
for i, u in ipairs(known) do
  if tostring(u) == unit then BYUNIT = KEYS[13 + i] end
end
if redis.call('HEXISTS', UNITS, unit) == 0 then return done('err:unit') end
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
return {0, res .. '\n' .. cjson.encode({l = redis.call('HGET', BLOC, 'lang') or '', un = redis.call('HGET', UNITS, unit) or '',
  u = tonumber(unit), k = table.concat(kc, '\n')})}
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
	a := s.reportArgs(chatID, op, unit, reporter, loc, r)
	ck := rkeys.ForChat(chatID)
	res, err := s.Run(ctx, reportScript, chatID, op,
		[]string{ck.Achievements(), ck.AchievementsByTime(), ck.AchievementsOfUnit(unit), ck.AchievementCounts(),
			ck.Categories(), ck.ReportRate(op.Actor), ck.Counter(), ck.Units(), ck.Members()},
		a.args...)
	if err != nil {
		return ReportResult{}, err
	}
	return s.reportResult(ctx, chatID, a.rec, res)
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
		keys := []string{ck.Achievements(), ck.AchievementsByTime(), ck.AchievementsByTime(), ck.AchievementCounts(),
			ck.Categories(), ck.ReportRate(op.Actor), ck.Counter(), ck.Units(), ck.Members()}
		for _, u := range units {
			keys = append(keys, ck.AchievementsOfUnit(u))
		}
		a := s.reportArgs(chatID, op, 0, reporter, (&domain.Bloc{Timezone: hint.TZ}).Location(), r)
		res, err := s.Run(ctx, reportMemberScript, chatID, op, keys, append(a.args, hint.TZ, mustJSON(units), a.text, a.file)...)
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
			L  string `json:"l"`
			UN string `json:"un"`
			U  int    `json:"u"`
			K  string `json:"k"`
		}
		if extra != "" {
			if err := json.Unmarshal([]byte(extra), &x); err != nil {
				return MemberReport{}, fmt.Errorf("report: %w", err)
			}
		}
		a.rec.U = x.U
		rr, err := s.reportResult(ctx, chatID, a.rec, Result{Value: stored, Dup: res.Dup})
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

// reportArgs are the report scripts' arguments (ARGV[4] to ARGV[12]) and the record.
type reportArgs struct {
	rec        achRecord
	text, file string
	args       []any
}

func (s *Store) reportArgs(chatID int64, op Op, unit int, reporter domain.Person, loc *time.Location, r domain.Report) reportArgs {
	now := s.clk.Now()
	year := now.In(loc).Year()
	rec := achRecord{U: unit, R: strconv.FormatInt(reporter.ID, 10), N: reporter.Name, T: now.UnixMilli(), Y: year, X: r.Text}
	if r.Evidence != nil {
		rec.F, rec.FK, rec.FN = r.Evidence.FileID, r.Evidence.Kind, r.Evidence.Name
	}
	// The script writes "c" and "u" first; give it the rest of the record.
	body := reportBody{R: rec.R, N: rec.N, T: rec.T, Y: rec.Y, X: rec.X, F: rec.F, FK: rec.FK, FN: rec.FN}
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
	fileID := ""
	if r.Evidence != nil {
		fileID = r.Evidence.FileID
	}
	hash := sha1hex(strconv.Itoa(unit) + "\x00" + r.Text + "\x00" + fileID)[:12] // the same report twice
	return reportArgs{rec: rec, text: r.Text, file: fileID, args: []any{mustJSON(body), unit, now.UnixMilli(), year, mustJSON(tags),
		domain.ReportRateMax, domain.ReportRateWindow.Milliseconds(), domain.OtherCategory, hash}}
}

// reportBody is achRecord without the fields the script writes.
type reportBody struct {
	R  string `json:"r"`
	N  string `json:"n"`
	T  int64  `json:"t"`
	Y  int    `json:"y"`
	X  string `json:"x"`
	F  string `json:"f,omitempty"`
	FK string `json:"k,omitempty"`
	FN string `json:"fn,omitempty"`
}

// reportResult reads a report script's result.
func (s *Store) reportResult(ctx context.Context, chatID int64, rec achRecord, res Result) (ReportResult, error) {
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
	idStr, catsJSON, _ := strings.Cut(res.Value, "|")
	id, _ := strconv.ParseInt(idStr, 10, 64)
	rec.C = nil
	_ = json.Unmarshal([]byte(catsJSON), &rec.C)
	if res.Dup {
		// A replay: report the first run's record (its time, not this run's).
		if a, err := s.Achievement(ctx, chatID, idStr); err == nil {
			return ReportResult{Achievement: a, Dup: true}, nil
		}
	}
	return ReportResult{Achievement: rec.achievement(id), Dup: res.Dup}, nil
}

// Achievement reads one report; domain.ErrNotFound when there is none (or it was undone).
func (s *Store) Achievement(ctx context.Context, chatID int64, id string) (domain.Achievement, error) {
	v, err := s.rdb.HGet(ctx, rkeys.ForChat(chatID).Achievements(), id).Result()
	if errors.Is(err, redis.Nil) {
		return domain.Achievement{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.Achievement{}, err
	}
	return decodeAchievement(id, v)
}

var undoReportScript = NewScript(`
local ACH, BYTIME, BYUNIT, COUNTS = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local id, unit, manager, win = ARGV[4], ARGV[5], ARGV[6] == '1', tonumber(ARGV[7])
local raw = redis.call('HGET', ACH, id)
if not raw then return done('err:notfound') end
local r = cjson.decode(raw)
if tostring(r.u) ~= unit then return done('err:stale') end
if r.r ~= ACTOR and not manager then return done('err:forbidden') end
if NOW - r.t > win then return done('err:closed') end
redis.call('HDEL', ACH, id)
redis.call('ZREM', BYTIME, id)
redis.call('ZREM', BYUNIT, id)
local pre = tostring(r.y) .. '|' .. unit .. '|'
local fields = {pre .. '*'}
for _, c in ipairs(r.c or {}) do table.insert(fields, pre .. c) end
for _, f in ipairs(fields) do
  if redis.call('HINCRBY', COUNTS, f, -1) <= 0 then redis.call('HDEL', COUNTS, f) end
end
audit('ach.undo', {id = tonumber(id), unit = tonumber(unit), rec = raw})
return done(raw)
`)

// UndoReport removes a report: by its author, or a manager, within domain.UndoWindow. The
// removed report stays readable in the audit log. Errors: domain.ErrNotFound (no such report,
// or undone already), domain.ErrForbidden (someone else's), domain.ErrClosed (too late),
// domain.ErrStale (the button does not match the report).
func (s *Store) UndoReport(ctx context.Context, chatID int64, op Op, id int64, unit int, manager bool) (domain.Achievement, bool, error) {
	ck := rkeys.ForChat(chatID)
	mgr := "0"
	if manager {
		mgr = "1"
	}
	res, err := s.Run(ctx, undoReportScript, chatID, op,
		[]string{ck.Achievements(), ck.AchievementsByTime(), ck.AchievementsOfUnit(unit), ck.AchievementCounts()},
		id, unit, mgr, domain.UndoWindow.Milliseconds())
	if err != nil {
		return domain.Achievement{}, false, err
	}
	if err := achErr(res.Value); err != nil {
		return domain.Achievement{}, false, err
	}
	a, err := decodeAchievement(strconv.FormatInt(id, 10), res.Value)
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

// listScript counts the reports in a score range and returns one page of them, newest
// first: KEYS[1] the sorted set, KEYS[2] the hash; ARGV min, max, offset, limit.
var listScript = redis.NewScript(`
local total = redis.call('ZCOUNT', KEYS[1], ARGV[1], ARGV[2])
local ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[1], 'LIMIT', ARGV[3], ARGV[4])
local out = {total}
if #ids > 0 then
  local recs = redis.call('HMGET', KEYS[2], unpack(ids))
  for i, id in ipairs(ids) do
    table.insert(out, id)
    table.insert(out, recs[i] or '')
  end
end
return out
`)

// A report's score in the time indexes is its time in unix ms × 1000 plus its id modulo 1000,
// so reports of the same millisecond still list newest (highest id) first. Scores stay below
// 2^53, exact in a double.
const scoreScale = 1000

func scoreRange(from, to, before time.Time) (string, string) {
	lo, hi := "-inf", "+inf"
	if !from.IsZero() {
		lo = strconv.FormatInt(from.UnixMilli()*scoreScale, 10)
	}
	end := to
	if !before.IsZero() && (end.IsZero() || before.Before(end)) {
		end = before
	}
	if !end.IsZero() {
		hi = "(" + strconv.FormatInt(end.UnixMilli()*scoreScale, 10)
	}
	return lo, hi
}

// ListAchievements returns one page of reports, newest first, and how many match in all.
// It is one round trip.
func (s *Store) ListAchievements(ctx context.Context, chatID int64, q AchievementQuery) ([]domain.Achievement, int, error) {
	ck := rkeys.ForChat(chatID)
	set := ck.AchievementsByTime()
	if q.Unit != 0 {
		set = ck.AchievementsOfUnit(q.Unit)
	}
	if q.Limit <= 0 {
		q.Limit = 10
	}
	lo, hi := scoreRange(q.From, q.To, q.Before)
	v, err := listScript.Run(ctx, s.rdb, []string{set, ck.Achievements()}, lo, hi, q.Offset, q.Limit).Slice()
	if err != nil {
		return nil, 0, fmt.Errorf("list achievements: %w", err)
	}
	if len(v) == 0 {
		return nil, 0, nil
	}
	total, _ := v[0].(int64)
	out := make([]domain.Achievement, 0, (len(v)-1)/2)
	for i := 1; i+1 < len(v); i += 2 {
		id, _ := v[i].(string)
		raw, _ := v[i+1].(string)
		if raw == "" {
			continue
		}
		a, err := decodeAchievement(id, raw)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, a)
	}
	return out, int(total), nil
}

// YearAchievements returns every report of a period (the export's year), oldest first, in
// two round trips (the ids, then the records in chunks through one pipeline).
func (s *Store) YearAchievements(ctx context.Context, chatID int64, from, to time.Time) ([]domain.Achievement, error) {
	ck := rkeys.ForChat(chatID)
	lo, hi := scoreRange(from, to, time.Time{})
	ids, err := s.rdb.ZRangeByScore(ctx, ck.AchievementsByTime(), &redis.ZRangeBy{Min: lo, Max: hi}).Result()
	if err != nil {
		return nil, fmt.Errorf("achievements of the year: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	const chunk = 1000
	pipe := s.rdb.Pipeline()
	var cmds []*redis.SliceCmd
	for i := 0; i < len(ids); i += chunk {
		cmds = append(cmds, pipe.HMGet(ctx, ck.Achievements(), ids[i:min(i+chunk, len(ids))]...))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("achievements of the year: %w", err)
	}
	out := make([]domain.Achievement, 0, len(ids))
	for ci, cmd := range cmds {
		for j, v := range cmd.Val() {
			raw, ok := v.(string)
			if !ok {
				continue // undone between the two reads
			}
			a, err := decodeAchievement(ids[ci*chunk+j], raw)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
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
