package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/domain"
	"thiduabot/rkeys"
)

// Deadlines and one-off reminders in Redis, in the chat's hash slot:
//
//	{c:<chat>}:dl    hash  id -> the record's JSON (ids: "<n>" from the chat's counter for
//	                       /deadline and /remind; "p<year>" for the pledge's sign-by date,
//	                       "b<ballot id>" for an open ballot's deadline)
//	{c:<chat>}:dl:t  zset  id -> its time (unix ms), while it is pending
//
// A record leaves both when it is cancelled or when its time comes (the "deadline passed"
// summary, the reminder itself). The reminders before a deadline are durable timers whose ids
// derive from the record's id, its time and the offset (see handlers/reminders.go).

// Kinds of records.
const (
	KindDeadline = "deadline"
	KindRemind   = "remind"
)

// MaxPendingDeadlines is how many deadlines and reminders a chat may have pending.
const MaxPendingDeadlines = 100

// Deadline is a deadline or a one-off reminder.
type Deadline struct {
	ID      string
	Kind    string // KindDeadline or KindRemind
	At      time.Time
	Text    string
	Tie     domain.Tie
	By      domain.Person
	Created time.Time
	// Reminders are the keys of the reminders scheduled before a deadline ("d7", "h2").
	Reminders []string
	// Lang and TZ are the chat's language and time zone when it was set (a private chat has no
	// bloc to read them from when the reminder fires).
	Lang, TZ string
}

// Tied reports whether the id is that of a tied deadline kept by another feature ("p2024").
func Tied(id string) bool {
	_, err := strconv.Atoi(id)
	return id != "" && err != nil
}

type deadlineJSON struct {
	K  string   `json:"k"`
	At string   `json:"at"` // unix ms, a string: Lua compares it and audits it exactly
	X  string   `json:"x,omitempty"`
	TK string   `json:"tk,omitempty"`
	TR string   `json:"tr,omitempty"`
	B  string   `json:"b"` // a string: Lua compares it with the actor
	BN string   `json:"bn,omitempty"`
	BU string   `json:"bu,omitempty"`
	C  int64    `json:"c"`
	R  []string `json:"r,omitempty"`
	L  string   `json:"l,omitempty"`
	Z  string   `json:"z,omitempty"`
}

func encodeDeadline(d Deadline) string {
	return mustJSON(deadlineJSON{K: d.Kind, At: strconv.FormatInt(ms(d.At), 10), X: d.Text, TK: string(d.Tie.Kind), TR: d.Tie.Ref,
		B: strconv.FormatInt(d.By.ID, 10), BN: d.By.Name, BU: d.By.Username, C: ms(d.Created), R: d.Reminders, L: d.Lang, Z: d.TZ})
}

func decodeDeadline(id, raw string) (Deadline, error) {
	var j deadlineJSON
	if err := json.Unmarshal([]byte(raw), &j); err != nil {
		return Deadline{}, fmt.Errorf("deadline %s: %w", id, err)
	}
	by, _ := strconv.ParseInt(j.B, 10, 64)
	return Deadline{ID: id, Kind: j.K, At: fromMS(j.At), Text: j.X, Tie: domain.Tie{Kind: domain.TieKind(j.TK), Ref: j.TR},
		By: domain.Person{ID: by, Name: j.BN, Username: j.BU}, Created: time.UnixMilli(j.C), Reminders: j.R, Lang: j.L, TZ: j.Z}, nil
}

var addDeadlineScript = NewScript(`
local DL, DLT, SEQ = KEYS[5], KEYS[6], KEYS[7]
local rec, at, max, kind, needbloc = ARGV[4], ARGV[5], tonumber(ARGV[6]), ARGV[7], ARGV[8] == '1'
if needbloc and not has_bloc() then return done('err:nobloc') end
if redis.call('ZCARD', DLT) >= max then return done('err:toomany') end
local id = tostring(redis.call('HINCRBY', SEQ, 'deadline', 1))
redis.call('HSET', DL, id, rec)
redis.call('ZADD', DLT, at, id)
local r = cjson.decode(rec)
if needbloc then audit(kind .. '.add', {id = id, at = at, text = r.x or '', tie = r.tk or '', ref = r.tr or ''}) end
return done(id)
`)

// AddDeadline records a deadline or a one-off reminder and returns its id (and whether the
// update was handled before). With needBloc the chat must be a bloc (domain.ErrNoBloc) and the
// change is audited; a reminder in a private chat needs neither. ErrTooManyDeadlines when the
// chat has MaxPendingDeadlines pending.
func (s *Store) AddDeadline(ctx context.Context, chatID int64, op Op, d Deadline, needBloc bool) (string, bool, error) {
	ck := rkeys.ForChat(chatID)
	nb := "0"
	if needBloc {
		nb = "1"
	}
	res, err := s.Run(ctx, addDeadlineScript, chatID, op, []string{ck.Deadlines(), ck.DeadlinesByTime(), ck.Counter()},
		encodeDeadline(d), ms(d.At), MaxPendingDeadlines, d.Kind, nb)
	if err != nil {
		return "", false, err
	}
	if res.Value == "err:toomany" {
		return "", false, ErrTooManyDeadlines
	}
	if err := scriptErr(res.Value); err != nil {
		return "", false, err
	}
	return res.Value, res.Dup, nil
}

// ErrTooManyDeadlines is returned when a chat has MaxPendingDeadlines pending.
var ErrTooManyDeadlines = errors.New("too many pending deadlines")

var setTiedScript = NewScript(`
local DL, DLT = KEYS[5], KEYS[6]
local id, rec, at = ARGV[4], ARGV[5], ARGV[6]
local old = redis.call('HGET', DL, id) or ''
if rec == '' then
  redis.call('HDEL', DL, id)
  redis.call('ZREM', DLT, id)
else
  redis.call('HSET', DL, id, rec)
  redis.call('ZADD', DLT, at, id)
end
return done(old)
`)

// SetTiedDeadline stores (or, with a zero At, removes) the deadline of another feature's
// action under its own id ("p2024"), and returns the record it replaced (ok false: none).
func (s *Store) SetTiedDeadline(ctx context.Context, chatID int64, d Deadline) (Deadline, bool, error) {
	ck := rkeys.ForChat(chatID)
	rec := ""
	if !d.At.IsZero() {
		rec = encodeDeadline(d)
	}
	res, err := s.Run(ctx, setTiedScript, chatID, Op{}, []string{ck.Deadlines(), ck.DeadlinesByTime()}, d.ID, rec, ms(d.At))
	if err != nil {
		return Deadline{}, false, err
	}
	if res.Value == "" {
		return Deadline{}, false, nil
	}
	old, err := decodeDeadline(d.ID, res.Value)
	return old, err == nil, err
}

var cancelDeadlineScript = NewScript(`
local DL, DLT = KEYS[5], KEYS[6]
local id, manager = ARGV[4], ARGV[5] == '1'
local rec = redis.call('HGET', DL, id)
if not rec then return done('err:notfound') end
local r = cjson.decode(rec)
if not manager and (r.k ~= 'remind' or r.b ~= ACTOR) then return done('err:forbidden') end
redis.call('HDEL', DL, id)
redis.call('ZREM', DLT, id)
if has_bloc() then audit(r.k .. '.cancel', {id = id, at = r.at, text = r.x or ''}) end
return done(rec)
`)

// CancelDeadline removes a pending deadline or reminder and returns it. A manager may cancel
// any; others only the reminders they set (domain.ErrForbidden). domain.ErrNotFound when there
// is no such pending id.
func (s *Store) CancelDeadline(ctx context.Context, chatID int64, op Op, id string, manager bool) (Deadline, bool, error) {
	ck := rkeys.ForChat(chatID)
	m := "0"
	if manager {
		m = "1"
	}
	res, err := s.Run(ctx, cancelDeadlineScript, chatID, op, []string{ck.Deadlines(), ck.DeadlinesByTime()}, id, m)
	if err != nil {
		return Deadline{}, false, err
	}
	if err := scriptErr(res.Value); err != nil {
		return Deadline{}, false, err
	}
	d, err := decodeDeadline(id, res.Value)
	return d, res.Dup, err
}

var fireDeadlineScript = NewScript(`
local DL, DLT = KEYS[5], KEYS[6]
local id, at, final = ARGV[4], ARGV[5], ARGV[6] == '1'
local rec = redis.call('HGET', DL, id)
if not rec then return done('gone') end
local r = cjson.decode(rec)
if r.at ~= at then return done('moved') end
if final then
  redis.call('HDEL', DL, id)
  redis.call('ZREM', DLT, id)
  if has_bloc() and r.k == 'deadline' then audit('deadline.passed', {id = id, at = r.at, text = r.x or ''}) end
end
return done('ok:' .. rec)
`)

// FireResult is what firing a deadline's timer found.
type FireResult struct {
	Deadline Deadline
	// Live is false when the deadline was cancelled, or moved to another time since the timer
	// was scheduled: the timer is stale and sends nothing.
	Live bool
	// Dup is true when this timer was handled before (its message went out then).
	Dup bool
}

// FireDeadline is called by a deadline's timers, once per timer (key is the timer's id, which
// makes it idempotent). It checks the deadline is still pending at the time the timer was
// made for; with final (the deadline itself, or a one-off reminder) it also removes it.
func (s *Store) FireDeadline(ctx context.Context, chatID int64, key, id string, at time.Time, final bool) (FireResult, error) {
	ck := rkeys.ForChat(chatID)
	f := "0"
	if final {
		f = "1"
	}
	res, err := s.Run(ctx, fireDeadlineScript, chatID, Op{Key: key}, []string{ck.Deadlines(), ck.DeadlinesByTime()},
		id, strconv.FormatInt(ms(at), 10), f)
	if err != nil {
		return FireResult{}, err
	}
	raw, ok := cutPrefix(res.Value, "ok:")
	if !ok {
		return FireResult{Dup: res.Dup}, nil
	}
	d, err := decodeDeadline(id, raw)
	if err != nil {
		return FireResult{}, err
	}
	return FireResult{Deadline: d, Live: true, Dup: res.Dup}, nil
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}

var onceScript = NewScript(`return done('1')`)

// Once records that the message named key (e.g. one occurrence of a recurring reminder in
// this chat) is being sent, and reports whether it was the first time.
func (s *Store) Once(ctx context.Context, chatID int64, key string) (bool, error) {
	res, err := s.Run(ctx, onceScript, chatID, Op{Key: key}, nil)
	if err != nil {
		return false, err
	}
	return !res.Dup, nil
}

// Deadline reads one pending deadline or reminder (ok false: none).
func (s *Store) Deadline(ctx context.Context, chatID int64, id string) (Deadline, bool, error) {
	raw, err := s.rdb.HGet(ctx, rkeys.ForChat(chatID).Deadlines(), id).Result()
	if errors.Is(err, redis.Nil) {
		return Deadline{}, false, nil
	}
	if err != nil {
		return Deadline{}, false, fmt.Errorf("deadline: %w", err)
	}
	d, err := decodeDeadline(id, raw)
	return d, err == nil, err
}

// Deadlines lists the chat's pending deadlines and reminders, earliest first, in one round trip.
func (s *Store) Deadlines(ctx context.Context, chatID int64) ([]Deadline, error) {
	ck := rkeys.ForChat(chatID)
	all, err := s.rdb.HGetAll(ctx, ck.Deadlines()).Result()
	if err != nil {
		return nil, fmt.Errorf("deadlines: %w", err)
	}
	out := make([]Deadline, 0, len(all))
	for id, raw := range all {
		d, err := decodeDeadline(id, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// ReportCounts returns how many achievements each unit reported in [from, to), in one round
// trip (units with none are in the map with 0).
func (s *Store) ReportCounts(ctx context.Context, chatID int64, units []int, from, to time.Time) (map[int]int, error) {
	out := make(map[int]int, len(units))
	if len(units) == 0 {
		return out, nil
	}
	ck := rkeys.ForChat(chatID)
	keys := []string{ck.Achievements()}
	for _, u := range units {
		keys = append(keys, ck.AchievementsOfUnit(u))
	}
	lo, hi := periodArgs(from, to, time.Time{})
	v, err := spanScript.Run(ctx, s.rdb, keys, lo, hi).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("report counts: %w", err)
	}
	if len(v) != 2*len(units) {
		return nil, fmt.Errorf("report counts: unexpected reply %v", v)
	}
	for i, u := range units {
		out[u] = int(v[2*i+1] - v[2*i])
	}
	return out, nil
}
