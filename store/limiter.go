package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"thiduabot/rkeys"
)

// RateLimits are the sending limits the shared limiter keeps (Telegram's: 20 messages per
// minute to a group, one per second to a private chat, about 30 per second overall).
type RateLimits struct {
	GroupPerMinute  int           // messages to one group per GroupWindow (20)
	GroupWindow     time.Duration // default one minute (tests shrink it with the simulator's Scale)
	PrivateInterval time.Duration // gap between messages to one private chat (1s)
	GlobalPerSecond float64       // messages per second overall (30)
	// Horizon is how far ahead a bulk message may reserve its place (default: four global gaps,
	// at least 50ms). An interactive message waits at most about this long behind bulk ones.
	Horizon time.Duration
	// MaxFlight is how long a message let go counts as in flight when its sender never says it
	// was answered (a crashed replica); default 30s.
	MaxFlight time.Duration
}

// RedisLimiter paces outgoing messages for every replica at once (bot.Limiter and
// bot.Completer): the global rate and the per-chat limits live in Redis, so replicas share
// them. Time is Redis's own clock (TIME), so replicas agree on it; Telegram counts in wall
// time, so the bot's injected clock does not apply here.
//
// Telegram allows N messages in any window W (30 per second overall, 20 per minute to a
// group, 1 per second to a private chat), counted when they reach it. A sender cannot know
// that moment, but it lies between the moment the message was let go and the moment its answer
// came back. So a message counts against a window from its reserved slot, while in flight,
// until its answer + W (the sender reports the answer through Done). A new message is let go
// only when fewer than N messages count at its slot: however late a message leaves (a
// starved process, a slow network), no window Telegram sees can hold more than N. Slots are
// also spaced W/N apart overall, so messages go out evenly.
//
// Bulk messages (reminders) reserve only slots within Horizon, one contender per process at a
// time, and step aside while an interactive message of any replica waits; interactive messages
// reserve the next free slot. Global keys and chat keys live in different hash slots, so each
// side is its own script (it works on Redis Cluster too).
//
// If Redis cannot be reached, the limiter falls back to pacing this process alone at the
// global rate (logged), so replies still go out.
type RedisLimiter struct {
	rdb redis.UniversalClient
	log *slog.Logger

	gapUS      int64 // global spacing, µs
	globalN    int
	globalWUS  int64 // global window, µs (1s)
	groupN     int
	groupWUS   int64
	privateWUS int64
	horizonUS  int64
	flightUS   int64

	gate        chan struct{} // one bulk contender per process
	interactive atomic.Int64
	fallback    *rate.Limiter
	lastWarn    atomic.Int64
	token       string
	seq         atomic.Int64

	mu      sync.Mutex
	pending map[int64][]string // chat -> tokens let go and not yet Done, oldest first
}

// NewRedisLimiter returns a shared limiter on rdb. Zero fields of l take Telegram's limits.
func NewRedisLimiter(rdb redis.UniversalClient, l RateLimits, log *slog.Logger) *RedisLimiter {
	if l.GroupPerMinute <= 0 {
		l.GroupPerMinute = 20
	}
	if l.GroupWindow <= 0 {
		l.GroupWindow = time.Minute
	}
	if l.PrivateInterval <= 0 {
		l.PrivateInterval = time.Second
	}
	if l.GlobalPerSecond <= 0 {
		l.GlobalPerSecond = 30
	}
	if l.MaxFlight <= 0 {
		l.MaxFlight = 30 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	// The global limit as N per window: 30/s is 30 per second; a scaled 150/s is 30 per 200ms.
	globalN := 30
	globalW := time.Duration(float64(globalN) / l.GlobalPerSecond * float64(time.Second))
	if l.GlobalPerSecond < 30 {
		globalN, globalW = max(1, int(l.GlobalPerSecond)), time.Second
	}
	gap := globalW.Microseconds() / int64(globalN)
	if l.Horizon <= 0 {
		l.Horizon = max(4*time.Duration(gap)*time.Microsecond, 50*time.Millisecond)
	}
	var tok [6]byte
	_, _ = rand.Read(tok[:])
	return &RedisLimiter{
		rdb: rdb, log: log,
		gapUS: gap, globalN: globalN, globalWUS: globalW.Microseconds() + 1000,
		groupN: l.GroupPerMinute, groupWUS: l.GroupWindow.Microseconds() + 1000,
		privateWUS: l.PrivateInterval.Microseconds() + 1000,
		horizonUS:  l.Horizon.Microseconds(), flightUS: l.MaxFlight.Microseconds(),
		gate:     make(chan struct{}, 1),
		fallback: rate.NewLimiter(rate.Limit(l.GlobalPerSecond), 1),
		token:    hex.EncodeToString(tok[:]),
		pending:  map[int64][]string{},
	}
}

// placeLua finds the earliest slot at or after `slot` when fewer than n entries of the sorted
// set KEYS[k] count (score > slot). It sets `slot`, or returns a retry answer when the place
// depends on a message still in flight. It expects now, slot, n, retry to be defined.
const placeLua = `
redis.call('ZREMRANGEBYSCORE', KEY, '-inf', string.format('%d', now))
local from = '(' .. string.format('%d', slot)
local c = redis.call('ZCOUNT', KEY, from, '+inf')
if c >= n then
  local e = redis.call('ZRANGEBYSCORE', KEY, from, '+inf', 'WITHSCORES', 'LIMIT', c - n, 1)
  if string.sub(e[1], 1, 2) == 'f:' then return {0, retry} end
  slot = tonumber(e[2])
end
`

// globalScript reserves the next global slot. KEYS: tat, flight, pause, interactive. ARGV:
// gap µs, n, horizon µs (-1: interactive), token, max flight µs, window µs. Reply:
// {1, delay µs, slot µs} or {0, retry in µs}.
var globalScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local gap, n, h, tok, mf, w = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local retry = math.min(gap, 2000) -- waiting for an answer: look again soon
local p = tonumber(redis.call('GET', KEYS[3]) or '0')
if p > now then return {0, p - now} end
if h >= 0 and redis.call('EXISTS', KEYS[4]) == 1 then return {0, gap} end
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local KEY = KEYS[2]
local function place()
` + placeLua + `
  return nil
end
local r = place()
if r then
  if h < 0 then redis.call('SET', KEYS[4], '1', 'PX', 100) end
  return r
end
if h >= 0 and slot - now > h then return {0, slot - now - h} end
redis.call('SET', KEYS[1], string.format('%d', slot + gap), 'PX', 600000)
redis.call('ZADD', KEYS[2], string.format('%d', slot + mf), 'f:' .. tok)
redis.call('PEXPIRE', KEYS[2], math.floor((mf + w) / 1000) + 1000)
return {1, slot - now, string.format('%d', slot)}
`)

// chatScript records a message to a chat at its global slot if the chat's limit allows it.
// KEYS: rate, pause. ARGV: slot µs, n, window µs, token, max flight µs. Reply: {1, 0} or
// {0, retry in µs}.
var chatScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local want, n, w, tok, mf = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local retry = 5000
local p = tonumber(redis.call('GET', KEYS[2]) or '0')
if p > want then return {0, p - now} end
local slot = want
local KEY = KEYS[1]
local function place()
` + placeLua + `
  return nil
end
local r = place()
if r then return r end
if slot > want then return {0, math.max(slot - now, 1000)} end
redis.call('ZADD', KEYS[1], string.format('%d', slot + mf), 'f:' .. tok)
redis.call('PEXPIRE', KEYS[1], math.floor((mf + w) / 1000) + 1000)
return {1, 0}
`)

// doneScript marks a message answered: it counts until now + window. KEYS: the sorted set.
// ARGV: token, window µs, max flight µs.
var doneScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
if redis.call('ZREM', KEYS[1], 'f:' .. ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[1], string.format('%d', now + tonumber(ARGV[2])), 'd:' .. ARGV[1])
  redis.call('PEXPIRE', KEYS[1], math.floor((tonumber(ARGV[3]) + tonumber(ARGV[2])) / 1000) + 1000)
end
return 1
`)

// dropScript forgets a reserved message that will not be sent. KEYS: the sorted set. ARGV: token.
var dropScript = redis.NewScript(`return redis.call('ZREM', KEYS[1], 'f:' .. ARGV[1])`)

// pauseScript sets a pause until now + ARGV[1] µs unless a later one is set. KEYS: pause.
var pauseScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untl = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if cur < untl then redis.call('SET', KEYS[1], string.format('%d', untl), 'PX', math.floor(tonumber(ARGV[1]) / 1000) + 1000) end
return 1
`)

// Wait blocks until a message to chatID may go (bot.Limiter). Call Done(chatID) once it has
// been answered.
func (l *RedisLimiter) Wait(ctx context.Context, chatID int64, bulk bool) error {
	if !bulk {
		l.interactive.Add(1)
		defer l.interactive.Add(-1)
	}
	horizon := int64(-1)
	if bulk {
		horizon = l.horizonUS
	}
	for {
		if bulk {
			select {
			case l.gate <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			for l.interactive.Load() > 0 {
				if err := sleepCtx(ctx, time.Millisecond); err != nil {
					<-l.gate
					return err
				}
			}
		}
		tok := l.token + ":" + strconv.FormatInt(l.seq.Add(1), 36)
		ok, wait, slot, err := l.reserve(ctx, horizon, tok)
		at := time.Now().Add(wait) // the slot on this machine's clock
		if err == nil && !ok {
			err = sleepCtx(ctx, wait)
		}
		if bulk {
			<-l.gate
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return l.fallbackWait(ctx, err)
		}
		if !ok {
			continue
		}
		ok, cwait, err := l.chat(ctx, chatID, slot, tok)
		if err != nil || !ok {
			l.drop(rkeys.RateGlobalFlight, tok)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return l.fallbackWait(ctx, err)
		}
		if !ok {
			// The chat is at its limit: the global slot goes unused; try again when it is not.
			if err := sleepCtx(ctx, cwait); err != nil {
				return err
			}
			continue
		}
		if err := sleepCtx(ctx, time.Until(at)); err != nil {
			l.drop(rkeys.RateGlobalFlight, tok)
			l.drop(rkeys.ForChat(chatID).SendRate(), tok)
			return err
		}
		l.mu.Lock()
		l.pending[chatID] = append(l.pending[chatID], tok)
		l.mu.Unlock()
		return nil
	}
}

// Done tells the limiter that a message to chatID it let go has been answered (bot.Completer):
// from now on it counts for one window more, then no longer.
func (l *RedisLimiter) Done(chatID int64) {
	l.mu.Lock()
	q := l.pending[chatID]
	if len(q) == 0 {
		l.mu.Unlock()
		return
	}
	tok := q[0]
	if len(q) == 1 {
		delete(l.pending, chatID)
	} else {
		l.pending[chatID] = q[1:]
	}
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := doneScript.Run(ctx, l.rdb, []string{rkeys.RateGlobalFlight}, tok, l.globalWUS, l.flightUS).Err(); err != nil {
		l.warn("shared limiter: answer not recorded; the message counts until it expires", err)
	}
	if err := doneScript.Run(ctx, l.rdb, []string{rkeys.ForChat(chatID).SendRate()}, tok, l.chatWindow(chatID), l.flightUS).Err(); err != nil {
		l.warn("shared limiter: answer not recorded; the message counts until it expires", err)
	}
}

func (l *RedisLimiter) chatWindow(chatID int64) int64 {
	if chatID < 0 {
		return l.groupWUS
	}
	return l.privateWUS
}

func (l *RedisLimiter) drop(key, tok string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := dropScript.Run(ctx, l.rdb, []string{key}, tok).Err(); err != nil {
		l.warn("shared limiter: reservation not released; it expires by itself", err)
	}
}

func (l *RedisLimiter) reserve(ctx context.Context, horizon int64, tok string) (ok bool, wait time.Duration, slot int64, err error) {
	v, err := globalScript.Run(ctx, l.rdb,
		[]string{rkeys.RateGlobal, rkeys.RateGlobalFlight, rkeys.RateGlobalPause, rkeys.RateGlobalInteractive},
		l.gapUS, l.globalN, horizon, tok, l.flightUS, l.globalWUS).Slice()
	if err != nil {
		return false, 0, 0, err
	}
	if len(v) < 2 {
		return false, 0, 0, fmt.Errorf("limiter: unexpected reply %v", v)
	}
	got, _ := v[0].(int64)
	us, _ := v[1].(int64)
	if got != 1 {
		return false, time.Duration(max(us, 100)) * time.Microsecond, 0, nil
	}
	if len(v) < 3 {
		return false, 0, 0, fmt.Errorf("limiter: unexpected reply %v", v)
	}
	s, _ := v[2].(string)
	slot, _ = strconv.ParseInt(s, 10, 64)
	return true, time.Duration(us) * time.Microsecond, slot, nil
}

func (l *RedisLimiter) chat(ctx context.Context, chatID int64, slot int64, tok string) (bool, time.Duration, error) {
	ck := rkeys.ForChat(chatID)
	n := l.groupN
	if chatID > 0 {
		n = 1
	}
	v, err := chatScript.Run(ctx, l.rdb, []string{ck.SendRate(), ck.SendPause()},
		slot, n, l.chatWindow(chatID), tok, l.flightUS).Slice()
	if err != nil {
		return false, 0, err
	}
	if len(v) < 2 {
		return false, 0, fmt.Errorf("limiter: unexpected reply %v", v)
	}
	got, _ := v[0].(int64)
	us, _ := v[1].(int64)
	return got == 1, time.Duration(max(us, 100)) * time.Microsecond, nil
}

func (l *RedisLimiter) warn(msg string, err error) {
	now := time.Now().UnixMilli()
	if last := l.lastWarn.Load(); now-last > 10_000 && l.lastWarn.CompareAndSwap(last, now) {
		l.log.Warn(msg, "err", err)
	}
}

func (l *RedisLimiter) fallbackWait(ctx context.Context, err error) error {
	l.warn("shared limiter unavailable, pacing this replica alone", err)
	return l.fallback.Wait(ctx)
}

// Pause stops sends to a chat (0: every chat) for d after a 429, on every replica.
func (l *RedisLimiter) Pause(chatID int64, d time.Duration) {
	key := rkeys.RateGlobalPause
	if chatID != 0 {
		key = rkeys.ForChat(chatID).SendPause()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := pauseScript.Run(ctx, l.rdb, []string{key}, d.Microseconds()).Err(); err != nil {
		l.log.Warn("shared limiter: pause not stored", "chat", chatID, "err", err)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
