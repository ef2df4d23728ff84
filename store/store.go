// Package store keeps the domain in Redis. Every change of state is one Lua script that runs
// inside one chat's hash slot, declares all its keys, and records the Telegram update that
// caused it, so a retried command or a duplicate update changes nothing.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/clock"
	"thiduabot/domain"
	"thiduabot/rkeys"
)

// Store implements the domain's persistence on Redis.
type Store struct {
	rdb redis.UniversalClient
	clk clock.Clock
	// waitN replicas must confirm RunDurable's changes within waitTimeout (durable.go).
	waitN       int
	waitTimeout time.Duration
	// Decoded cards of ballots and polls (cards.go).
	ballotCards cardCache[*BallotCard]
	pollCards   cardCache[PollCard]
	// scripts runs Run's scripts: the client itself, or a ScriptBatcher (batch.go).
	scripts redis.Scripter
	// batch, when set, also carries the redraws' reads (readTogether).
	batch *ScriptBatcher
	// ballotDefaults are the ballot rules of a bloc that has not set its own (ballot.go).
	ballotDefaults BallotSettings
}

// New returns a store over a Redis client (standalone, Sentinel or Cluster).
func New(rdb redis.UniversalClient, clk clock.Clock) *Store {
	return &Store{rdb: rdb, clk: clk, scripts: rdb, ballotDefaults: DefaultBallotSettings}
}

// BatchScripts makes Run send the scripts of concurrent changes together, through b
// (RunDurable's stay on their own connection, with their WAIT).
func (s *Store) BatchScripts(b *ScriptBatcher) { s.scripts, s.batch = b, b }

// readTogether sends read commands in one round trip: with the batched scripts of concurrent
// updates when the store has a batcher, in a pipeline of their own when not. Its error is the
// first command's error, redis.Nil included.
func (s *Store) readTogether(ctx context.Context, cmds ...redis.Cmder) error {
	if s.batch != nil {
		return s.batch.Do(ctx, cmds...)
	}
	pipe := s.rdb.Pipeline()
	for _, c := range cmds {
		_ = pipe.Process(ctx, c)
	}
	_, err := pipe.Exec(ctx)
	return err
}

// Redis exposes the client to the packages that share it (the scheduler, the limiter).
func (s *Store) Redis() redis.UniversalClient { return s.rdb }

// Op identifies the change being made: which update caused it (0 when none, e.g. a timer) and
// who made it. The update id makes the change idempotent.
type Op struct {
	UpdateID int64
	Actor    int64
	// Key, when not empty, replaces the update id as the idempotency key (timers use their id).
	Key string
}

func (o Op) idem() string {
	if o.Key != "" {
		return o.Key
	}
	if o.UpdateID == 0 {
		return "0"
	}
	return strconv.FormatInt(o.UpdateID, 10)
}

// prelude is the start of every state-changing script. KEYS[1] is the chat's seen hash, KEYS[2]
// its previous generation, KEYS[3] its audit log, KEYS[4] its bloc hash; ARGV[1] the
// idempotency key ("0": none), ARGV[2] the time (unix ms, from the injected clock), ARGV[3] the
// actor. A script ends with `return done(result)`; a second run with the same key returns the
// first run's result, marked.
//
// Dedupe: results live in two generations of a hash (rkeys Seen). The current one is renamed
// to the old one once it is an hour old or holds 2,500 results (both dropped when it is two
// hours old), so a result is kept at least an hour (Telegram redelivers within minutes) and
// at most 5,000 are. That costs an update three commands (HMGET, HGET, HSET) where an order
// list and its trimming cost five to eight, and it needs no second structure per result. A
// generation that began with no previous one (the chat's first, or after two quiet hours
// dropped both) is marked '_f', and its updates skip the HGET of the old generation: most
// blocs are quiet for hours, and that spares most of their updates a command.
//
// Audit: each entry's hash is sha1(previous hash + "\n" + body), the chain's head (in full)
// is the bloc's audit_head, and the entry keeps the first 8 hex digits of its own hash only:
// VerifyAudit recomputes the chain from the bodies, checks each prefix and the head. The body
// is "<unix ms> <kind> <actor> <data as JSON>"; an entry's number is its position.
// audit_entry(entry, body) appends an entry that stores something else than its body: a
// report's entry is "@<id>" and its body "@<id> <the report's record>" (audit.go), so the
// record is not stored twice and the chain covers it.
const prelude = `
local IDEM = ARGV[1]
local NOW = tonumber(ARGV[2])
local ACTOR = ARGV[3]
local SEEN, SEENOLD, AUDIT, BLOC = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local seen_t, seen_n
if IDEM ~= '0' then
  local hit = redis.call('HMGET', SEEN, IDEM, '_t', '_n', '_f')
  if hit[1] then return {1, hit[1]} end
  seen_t, seen_n = tonumber(hit[2]), tonumber(hit[3]) or 0
  if not hit[4] and (not seen_t or NOW - seen_t < 7200000) then
    local old = redis.call('HGET', SEENOLD, IDEM)
    if old then return {1, old} end
  end
end
-- AHEAD is the chain's head when the script read it already (with its other fields of BLOC,
-- in one HMGET: AHEAD = fields[i] or ''); nil: audit_entry reads it.
local AHEAD
local function audit_entry(entry, body)
  local head = AHEAD
  if head == nil then head = redis.call('HGET', BLOC, 'audit_head') or '' end
  local h = redis.sha1hex(head .. '\n' .. body)
  AHEAD = h
  redis.call('HSET', BLOC, 'audit_head', h)
  redis.call('RPUSH', AUDIT, string.sub(h, 1, 8) .. ' ' .. entry)
  return h
end
local function audit(kind, data)
  local body = ARGV[2] .. ' ' .. kind .. ' ' .. ACTOR .. ' ' .. cjson.encode(data)
  return audit_entry(body, body)
end
local function done(res)
  if IDEM ~= '0' then
    if seen_t and NOW - seen_t < 3600000 and seen_n < 2500 then
      redis.call('HSET', SEEN, IDEM, res, '_n', seen_n + 1)
    else
      local fresh
      if seen_t and NOW - seen_t < 7200000 then
        redis.call('RENAME', SEEN, SEENOLD)
      elseif seen_t then
        redis.call('DEL', SEEN, SEENOLD)
        fresh = true
      else
        fresh = redis.call('EXISTS', SEENOLD) == 0
      end
      if fresh then
        redis.call('HSET', SEEN, '_t', ARGV[2], '_n', 1, '_f', 1, IDEM, res)
      else
        redis.call('HSET', SEEN, '_t', ARGV[2], '_n', 1, IDEM, res)
      end
    end
  end
  return {0, res}
end
local function has_bloc() return redis.call('EXISTS', BLOC) == 1 end
`

// Script is a state-changing Lua script of one chat.
type Script struct {
	s *redis.Script
}

// NewScript builds a script from its body (which uses the prelude's helpers).
func NewScript(body string) *Script { return &Script{s: redis.NewScript(prelude + body)} }

// Result is what a script returned; Dup is true when the change had been made before and the
// first run's result is returned again.
type Result struct {
	Value string
	Dup   bool
}

// Run runs a chat's script: keys are the feature's own keys (KEYS[5] onwards), args the
// feature's arguments (ARGV[4] onwards).
func (s *Store) Run(ctx context.Context, sc *Script, chatID int64, op Op, keys []string, args ...any) (Result, error) {
	allKeys, allArgs := s.scriptInput(chatID, op, keys, args)
	v, err := sc.s.Run(ctx, s.scripts, allKeys, allArgs...).Slice()
	if err != nil {
		return Result{}, fmt.Errorf("redis script: %w", err)
	}
	if len(v) != 2 {
		return Result{}, fmt.Errorf("redis script: unexpected reply %v", v)
	}
	dup, _ := v[0].(int64)
	val, _ := v[1].(string)
	return Result{Value: val, Dup: dup == 1}, nil
}

// scriptInput is a chat script's KEYS and ARGV: the prelude's, then the feature's.
func (s *Store) scriptInput(chatID int64, op Op, keys []string, args []any) ([]string, []any) {
	ck := rkeys.ForChat(chatID)
	allKeys := append([]string{ck.Seen(), ck.SeenOld(), ck.Audit(), ck.Bloc()}, keys...)
	allArgs := append([]any{op.idem(), s.clk.Now().UnixMilli(), op.Actor}, args...)
	return allKeys, allArgs
}

// scriptErr maps an "err:<code>" result to a domain error.
func scriptErr(res string) error {
	code, ok := strings.CutPrefix(res, "err:")
	if !ok {
		return nil
	}
	if e, ok := errCodes[code]; ok {
		return e
	}
	return fmt.Errorf("store: %s", code)
}

var errCodes = map[string]error{
	"nobloc":    domain.ErrNoBloc,
	"unit":      domain.ErrUnknownUnit,
	"linked":    domain.ErrAlreadyLinked,
	"notlinked": domain.ErrNotLinked,
	"pending":   domain.ErrNotPending,
	"toomany":   domain.ErrTooManyUnits,
	"forbidden": domain.ErrForbidden,
	"notfound":  domain.ErrNotFound,
	"closed":    domain.ErrClosed,
	"stale":     domain.ErrStale,
	"open":      domain.ErrAlreadyOpen,
	"dupname":   domain.ErrDuplicateName,
	"units":     domain.ErrNotEnoughUnits,
	"inballot":  domain.ErrUnitInBallot,
	"role":      domain.ErrUnitHasRole,
}

// IsUnavailable reports whether err means Redis could not be reached (as opposed to a bug or
// a domain refusal): the caller should tell people to try again.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var derr interface{ Timeout() bool }
	if errors.As(err, &derr) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "connection refused") || strings.Contains(s, "EOF") ||
		strings.Contains(s, "LOADING") || strings.Contains(s, "READONLY") ||
		strings.Contains(s, "CLUSTERDOWN") || strings.Contains(s, "TRYAGAIN") ||
		strings.Contains(s, "connection reset") || strings.Contains(s, "broken pipe") ||
		strings.Contains(s, "i/o timeout") || strings.Contains(s, "pool timeout") ||
		strings.Contains(s, "MASTERDOWN") || strings.Contains(s, "NOREPLICAS")
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v string) time.Time {
	n, _ := strconv.ParseInt(v, 10, 64)
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
