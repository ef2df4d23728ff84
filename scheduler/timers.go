// Package scheduler runs durable timers on Redis: one-shot timers that fire once across restarts
// and replicas (ballot closing, reminders), and recurring reminders from config built on them.
//
// Timers are spread over a fixed number of shards (rkeys.ForTimerShard), picked from the chat
// id; every change is a Lua script over one shard's keys, so it works the same on a standalone
// Redis, Sentinel or Cluster. Time comes from the injected clock.Clock, never from Redis.
//
// Delivery: a due timer is leased by one replica (moved from Due to Leased in one script), handed
// to the handler, and acked (moved to Done) when the handler returns nil. While the handler runs
// the replica renews the lease; if the replica dies, the lease expires and another replica fires
// the timer again. So a timer fires exactly once as long as handlers finish (or the replica
// stays alive) within their lease; a handler cut off by a crash runs again elsewhere, which is
// why handlers should be idempotent where a repeat would hurt. Lease expiry is judged on the
// injected clock too: moving a fake clock past Lease while handlers run lets other replicas
// reclaim those timers (a replica never runs a timer it still holds twice itself).
package scheduler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/clock"
	"thiduabot/rkeys"
)

// Timer is one durable one-shot timer.
type Timer struct {
	// ID is stable and unique. Scheduling the same ID again updates At and Payload while the
	// timer is pending and is a no-op once it fired (fired ids are remembered for
	// Options.DoneTTL). Together with ChatID it names the timer in Get and Cancel.
	ID string
	// Kind routes the timer to a handler: "ballot.close", "reminder", "cron.send", ...
	Kind string
	// ChatID is the chat the timer belongs to; it picks the shard.
	ChatID int64
	// At is when the timer is due (kept to the millisecond).
	At time.Time
	// Payload is opaque to the scheduler (the feature's JSON).
	Payload []byte
}

// Options tune Timers. Zero values take the defaults.
type Options struct {
	// Shards is the number of timer shards (default 16). Every replica must use the same value,
	// for as long as timers exist: it decides where a chat's timers live.
	Shards int
	// Lease is how long a claimed timer stays reserved for its replica without renewal
	// (default 30s). Leases are renewed every Lease/3 while a handler runs.
	Lease time.Duration
	// Poll is the longest the loop sleeps between scans (default 1s); it bounds how late a timer
	// scheduled by another replica is noticed.
	Poll time.Duration
	// Batch is the most timers claimed in one scan (default 100).
	Batch int
	// Workers is the number of handlers run concurrently (default 8).
	Workers int
	// MaxRetries is how many times a failing handler is tried before the timer is dropped
	// (logged at error level and recorded as fired). 0 means the default, 10; negative means
	// retry forever.
	MaxRetries int
	// RetryBase is the backoff after the first failure (default 5s); it doubles with every
	// further failure up to RetryMax (default 10m).
	RetryBase time.Duration
	RetryMax  time.Duration
	// DoneTTL is how long fired ids are remembered (default 7 days): within it, scheduling a
	// fired id again is a no-op.
	DoneTTL time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Shards <= 0 {
		o.Shards = 16
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 10
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 5 * time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 10 * time.Minute
	}
	if o.RetryMax < o.RetryBase {
		o.RetryMax = o.RetryBase
	}
	if o.DoneTTL <= 0 {
		o.DoneTTL = 7 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Handler handles a fired timer. late is how long after tm.At it runs (now - At, by the
// scheduler's clock), so a feature can drop a stale reminder. Returning nil acks the timer;
// an error retries it later with backoff. ctx is cancelled when Run stops or the lease is lost
// (context.Cause is then ErrLeaseLost).
type Handler func(ctx context.Context, tm Timer, late time.Duration) error

// ErrLeaseLost is the cause of a handler's context being cancelled because its timer's lease
// was taken over by another replica or the timer was cancelled.
var ErrLeaseLost = errors.New("scheduler: timer lease lost")

// Timers is a durable timer store and, through Run, its executor.
type Timers struct {
	rdb    redis.UniversalClient
	clk    clock.Clock
	o      Options
	log    *slog.Logger
	shards []shardKeys

	kick     chan struct{}
	wakeAt   atomic.Int64 // unix ms the loop sleeps until; 0 while it scans or is not sleeping
	running  atomic.Bool
	scanSeq  atomic.Int64 // number of scans started (tests wait on these)
	scanDone atomic.Int64 // number of the last scan completed
}

type shardKeys struct{ due, data, leased, owner, done string }

// NewTimers returns timers stored in rdb, timed by clk.
func NewTimers(rdb redis.UniversalClient, clk clock.Clock, opts Options) *Timers {
	o := opts.withDefaults()
	t := &Timers{rdb: rdb, clk: clk, o: o, log: o.Logger, kick: make(chan struct{}, 1)}
	for i := 0; i < o.Shards; i++ {
		k := rkeys.ForTimerShard(i)
		t.shards = append(t.shards, shardKeys{due: k.Due(), data: k.Data(), leased: k.Leased(), owner: k.Owner(), done: k.Done()})
	}
	return t
}

// record is a timer as stored in the shard's Data hash.
type record struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Chat    int64  `json:"chat"`
	At      int64  `json:"at"` // unix ms
	Payload []byte `json:"payload,omitempty"`
	Attempt int    `json:"attempt,omitempty"` // failed handler runs so far
}

func (r record) timer() Timer {
	return Timer{ID: r.ID, Kind: r.Kind, ChatID: r.Chat, At: time.UnixMilli(r.At).UTC(), Payload: r.Payload}
}

func (t *Timers) shardOf(chatID int64) int {
	// splitmix64 finaliser, so neighbouring chat ids spread over the shards.
	z := uint64(chatID) + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return int(z % uint64(len(t.shards)))
}

func validate(tm Timer) error {
	switch {
	case tm.ID == "":
		return errors.New("scheduler: timer without ID")
	case tm.Kind == "":
		return fmt.Errorf("scheduler: timer %q without Kind", tm.ID)
	case tm.At.IsZero():
		return fmt.Errorf("scheduler: timer %q without At", tm.ID)
	}
	return nil
}

func (t *Timers) scheduleArgs(tm Timer) (keys []string, args []any, err error) {
	if err := validate(tm); err != nil {
		return nil, nil, err
	}
	b, err := json.Marshal(record{ID: tm.ID, Kind: tm.Kind, Chat: tm.ChatID, At: tm.At.UnixMilli(), Payload: tm.Payload})
	if err != nil {
		return nil, nil, err
	}
	k := t.shards[t.shardOf(tm.ChatID)]
	return []string{k.due, k.data, k.leased, k.done}, []any{tm.ID, tm.At.UnixMilli(), string(b)}, nil
}

// Schedule stores tm. Scheduling a pending id again updates it; scheduling an id that already
// fired (or is being handled right now) changes nothing.
func (t *Timers) Schedule(ctx context.Context, tm Timer) error {
	keys, args, err := t.scheduleArgs(tm)
	if err != nil {
		return err
	}
	if err := scheduleScript.Run(ctx, t.rdb, keys, args...).Err(); err != nil {
		return fmt.Errorf("scheduler: schedule %q: %w", tm.ID, err)
	}
	t.kickIfBefore(tm.At)
	return nil
}

// scheduleChunk is how many timers ScheduleMany sends in one pipeline.
const scheduleChunk = 500

// ScheduleMany stores many timers with pipelined round trips (fan-out of thousands); each is
// handled as by Schedule. All timers are validated before any is stored.
func (t *Timers) ScheduleMany(ctx context.Context, tms []Timer) error {
	if len(tms) == 0 {
		return nil
	}
	type call struct {
		keys []string
		args []any
	}
	calls := make([]call, len(tms))
	earliest := tms[0].At
	for i, tm := range tms {
		keys, args, err := t.scheduleArgs(tm)
		if err != nil {
			return err
		}
		calls[i] = call{keys, args}
		if tm.At.Before(earliest) {
			earliest = tm.At
		}
	}
	for lo := 0; lo < len(calls); lo += scheduleChunk {
		chunk := calls[lo:min(lo+scheduleChunk, len(calls))]
		cmds := make([]*redis.Cmd, len(chunk))
		pipe := t.rdb.Pipeline()
		for i, c := range chunk {
			cmds[i] = pipe.EvalSha(ctx, scheduleScript.Hash(), c.keys, c.args...)
		}
		_, _ = pipe.Exec(ctx)
		var retry []int
		for i, cmd := range cmds {
			if err := cmd.Err(); err != nil {
				if !redis.HasErrorPrefix(err, "NOSCRIPT") {
					return fmt.Errorf("scheduler: schedule %q: %w", tms[lo+i].ID, err)
				}
				retry = append(retry, i)
			}
		}
		if len(retry) > 0 {
			// The script is not in this server's cache yet: send the source (EVAL) once for
			// those, which also caches it.
			pipe := t.rdb.Pipeline()
			for _, i := range retry {
				cmds[i] = scheduleScript.Eval(ctx, pipe, chunk[i].keys, chunk[i].args...)
			}
			_, _ = pipe.Exec(ctx)
			for _, i := range retry {
				if err := cmds[i].Err(); err != nil {
					return fmt.Errorf("scheduler: schedule %q: %w", tms[lo+i].ID, err)
				}
			}
		}
	}
	t.kickIfBefore(earliest)
	return nil
}

// kickIfBefore wakes the local loop if it is asleep past at (or is scanning and may have missed
// the timer just stored).
func (t *Timers) kickIfBefore(at time.Time) {
	if w := t.wakeAt.Load(); w == 0 || at.UnixMilli() < w {
		t.Kick()
	}
}

// Cancel drops the timer id of chatID. It reports whether there was one pending or running (a
// running handler's context is cancelled when its lease is next renewed). A cancelled id can be
// scheduled again.
func (t *Timers) Cancel(ctx context.Context, chatID int64, id string) (bool, error) {
	k := t.shards[t.shardOf(chatID)]
	n, err := cancelScript.Run(ctx, t.rdb, []string{k.due, k.data, k.leased, k.owner}, id).Int()
	if err != nil {
		return false, fmt.Errorf("scheduler: cancel %q: %w", id, err)
	}
	return n == 1, nil
}

// Get returns the timer id of chatID while it is pending or running; fired and cancelled
// timers are not found. At is the time it was scheduled for (a retried timer keeps it).
func (t *Timers) Get(ctx context.Context, chatID int64, id string) (Timer, bool, error) {
	k := t.shards[t.shardOf(chatID)]
	s, err := t.rdb.HGet(ctx, k.data, id).Result()
	if errors.Is(err, redis.Nil) {
		return Timer{}, false, nil
	}
	if err != nil {
		return Timer{}, false, fmt.Errorf("scheduler: get %q: %w", id, err)
	}
	var r record
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return Timer{}, false, fmt.Errorf("scheduler: get %q: %w", id, err)
	}
	return r.timer(), true, nil
}

// Fired reports whether the timer id of chatID fired (and is still remembered in Done).
func (t *Timers) Fired(ctx context.Context, chatID int64, id string) (bool, error) {
	k := t.shards[t.shardOf(chatID)]
	_, err := t.rdb.ZScore(ctx, k.done, id).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("scheduler: fired %q: %w", id, err)
	}
	return true, nil
}

// Pending lists the pending and running timers of chatID, earliest first. It scans the chat's
// shard, so it is meant for admin views and the sandbox, not hot paths.
func (t *Timers) Pending(ctx context.Context, chatID int64) ([]Timer, error) {
	k := t.shards[t.shardOf(chatID)]
	var out []Timer
	var cursor uint64
	for {
		kv, next, err := t.rdb.HScan(ctx, k.data, cursor, "", 500).Result()
		if err != nil {
			return nil, fmt.Errorf("scheduler: pending: %w", err)
		}
		for i := 1; i < len(kv); i += 2 {
			var r record
			if json.Unmarshal([]byte(kv[i]), &r) == nil && r.Chat == chatID {
				out = append(out, r.timer())
			}
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Next returns the earliest time a pending timer is due, over all shards (a retried timer
// counts at its retry time). ok is false when nothing is pending.
func (t *Timers) Next(ctx context.Context) (time.Time, bool, error) {
	pipe := t.rdb.Pipeline()
	cmds := make([]*redis.ZSliceCmd, len(t.shards))
	for i, k := range t.shards {
		cmds[i] = pipe.ZRangeWithScores(ctx, k.due, 0, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return time.Time{}, false, fmt.Errorf("scheduler: next: %w", err)
	}
	best, ok := math.Inf(1), false
	for _, c := range cmds {
		if z := c.Val(); len(z) > 0 && z[0].Score < best {
			best, ok = z[0].Score, true
		}
	}
	if !ok {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(int64(best)).UTC(), true, nil
}

// InFlight counts the timers claimed by some instance and not yet acknowledged (their handlers
// are running, or their instance died and the lease has not run out). The sandbox and tests
// wait for it to reach zero before they move a fake clock on.
func (t *Timers) InFlight(ctx context.Context) (int, error) {
	pipe := t.rdb.Pipeline()
	cmds := make([]*redis.IntCmd, len(t.shards))
	for i, k := range t.shards {
		cmds[i] = pipe.ZCard(ctx, k.leased)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("scheduler: in flight: %w", err)
	}
	n := 0
	for _, c := range cmds {
		n += int(c.Val())
	}
	return n, nil
}

// Kick wakes the Run loop to scan now (after scheduling an earlier timer elsewhere, or after a
// fake clock moved). It never blocks.
func (t *Timers) Kick() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// claimed is one timer leased by claim.
type claimed struct {
	id  string
	rec record
}

// claim leases up to limit due (or lease-expired) timers of shard s for owner. next is the
// earliest remaining due time or lease expiry in the shard in unix ms, -1 if none.
func (t *Timers) claim(ctx context.Context, s int, now int64, limit int, owner string) ([]claimed, int64, error) {
	k := t.shards[s]
	exp := now + t.o.Lease.Milliseconds()
	res, err := claimScript.Run(ctx, t.rdb, []string{k.due, k.data, k.leased, k.owner}, now, exp, limit, owner).Slice()
	if err != nil {
		return nil, 0, err
	}
	if len(res) == 0 {
		return nil, 0, errors.New("scheduler: empty claim reply")
	}
	next, _ := res[0].(int64)
	var out []claimed
	for i := 1; i+1 < len(res); i += 2 {
		id, _ := res[i].(string)
		data, _ := res[i+1].(string)
		var r record
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			t.log.Error("scheduler: undecodable timer, dropping", "id", id, "err", err)
			r = record{ID: id}
		}
		out = append(out, claimed{id: id, rec: r})
	}
	return out, next, nil
}

// Run claims due timers and hands them to h until ctx is done; then it stops claiming, hands
// back timers it claimed but did not start, waits for running handlers (their context is
// cancelled) and returns nil. Only one Run per Timers at a time.
func (t *Timers) Run(ctx context.Context, h Handler) error {
	if h == nil {
		return errors.New("scheduler: nil handler")
	}
	if !t.running.CompareAndSwap(false, true) {
		return errors.New("scheduler: Run already running")
	}
	defer t.running.Store(false)

	var tok [8]byte
	_, _ = rand.Read(tok[:])
	r := &runner{
		t:       t,
		h:       h,
		ctx:     ctx,
		token:   hex.EncodeToString(tok[:]),
		held:    map[heldKey]*item{},
		holdCap: t.o.Batch + t.o.Workers,
		freed:   make(chan struct{}, 1),
	}
	r.work = make(chan *item, r.holdCap)

	var wg sync.WaitGroup
	for i := 0; i < t.o.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range r.work {
				r.process(it)
			}
		}()
	}
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		r.heartbeat()
	}()

	r.loop()

	close(r.work)
	wg.Wait()
	<-hbDone
	t.wakeAt.Store(0)
	return nil
}

type heldKey struct {
	shard int
	id    string
}

// item is a claimed timer held by this Run.
type item struct {
	shard  int
	rec    record
	ctx    context.Context
	cancel context.CancelCauseFunc
}

type runner struct {
	t     *Timers
	h     Handler
	ctx   context.Context
	token string // owner token of this Run's leases

	mu      sync.Mutex
	held    map[heldKey]*item // claimed and not yet acked/requeued
	holdCap int
	work    chan *item
	freed   chan struct{}
}

func (r *runner) heldCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.held)
}

// changer is implemented by clocks that announce moves (clock.Fake): the loop rescans when the
// clock moves, so moving a fake clock is enough to fire what became due.
type changer interface{ Changed() <-chan struct{} }

func (r *runner) loop() {
	t := r.t
	n := len(t.shards)
	start := 0
	var sleepCh <-chan time.Time // pending wake-up, reused while it is early enough
	var sleepAt int64
	for r.ctx.Err() == nil {
		t.wakeAt.Store(0)
		seq := t.scanSeq.Add(1)
		var changed <-chan struct{}
		if c, ok := t.clk.(changer); ok {
			changed = c.Changed()
		}
		nowMs := t.clk.Now().UnixMilli()
		room := min(t.o.Batch, r.holdCap-r.heldCount())
		next := int64(math.MaxInt64)
		var failed error
		got := 0
		for k := 0; k < n && room > 0; k++ {
			s := (start + k) % n
			cl, nx, err := t.claim(r.ctx, s, nowMs, room, r.token)
			if err != nil {
				if r.ctx.Err() != nil {
					return
				}
				if failed == nil {
					failed = fmt.Errorf("shard %d: %w", s, err)
				}
				continue
			}
			if nx >= 0 && nx < next {
				next = nx
			}
			room -= len(cl)
			got += len(cl)
			r.dispatch(s, cl)
		}
		start = (start + 1) % n
		t.scanDone.Store(seq)
		if failed != nil {
			t.log.Warn("scheduler: claim failed", "err", failed)
		}

		if room <= 0 {
			// Claimed all we may hold (or the batch): there may be more due.
			if r.heldCount() < r.holdCap {
				continue
			}
			// Full: wait until the workers drained half of what we hold.
			for r.heldCount() > r.holdCap/2 {
				select {
				case <-r.ctx.Done():
					return
				case <-r.freed:
				}
			}
			continue
		}
		d := t.o.Poll
		if failed == nil && next != math.MaxInt64 {
			if dd := time.Duration(next-nowMs) * time.Millisecond; dd < d {
				d = dd
			}
		}
		if d <= 0 {
			if got > 0 {
				continue
			}
			d = time.Millisecond
		}
		want := nowMs + d.Milliseconds()
		if sleepCh == nil || sleepAt > want {
			sleepCh, sleepAt = t.clk.After(d), want
		}
		t.wakeAt.Store(want)
		select {
		case <-r.ctx.Done():
			return
		case <-t.kick:
		case <-changed:
		case <-sleepCh:
			sleepCh = nil
		}
	}
}

// dispatch registers freshly claimed timers and queues them for the workers. A timer this Run
// already holds (its lease had expired and the claim took it again) is not run twice.
func (r *runner) dispatch(s int, cl []claimed) {
	for _, c := range cl {
		k := heldKey{s, c.id}
		r.mu.Lock()
		if _, dup := r.held[k]; dup {
			r.mu.Unlock()
			continue
		}
		ctx, cancel := context.WithCancelCause(r.ctx)
		it := &item{shard: s, rec: c.rec, ctx: ctx, cancel: cancel}
		r.held[k] = it
		r.mu.Unlock()
		r.work <- it // never blocks: the buffer is holdCap and held <= holdCap
	}
}

func (r *runner) finish(it *item) {
	it.cancel(nil)
	r.mu.Lock()
	delete(r.held, heldKey{it.shard, it.rec.ID})
	r.mu.Unlock()
	select {
	case r.freed <- struct{}{}:
	default:
	}
}

// opTimeout bounds the Redis calls that settle a handled timer; they run even while Run stops.
const opTimeout = 10 * time.Second

func (r *runner) process(it *item) {
	defer r.finish(it)
	t := r.t
	octx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), opTimeout)
	defer cancel()
	k := t.shards[it.shard]
	reqKeys := []string{k.due, k.data, k.leased, k.owner}

	if r.ctx.Err() != nil {
		// Stopping before it started: hand it back for another replica.
		if err := requeueScript.Run(octx, t.rdb, reqKeys, it.rec.ID, r.token, t.clk.Now().UnixMilli(), "").Err(); err != nil {
			t.log.Warn("scheduler: hand back failed; the lease will expire", "id", it.rec.ID, "err", err)
		}
		return
	}
	if errors.Is(context.Cause(it.ctx), ErrLeaseLost) {
		return // cancelled or taken over while it waited for a worker
	}
	if it.rec.Kind == "" {
		// Undecodable record: nothing can handle it.
		r.ack(octx, it)
		return
	}

	now := t.clk.Now()
	tm := it.rec.timer()
	err := r.call(it.ctx, tm, now.Sub(tm.At))
	now = t.clk.Now()
	switch {
	case err == nil:
		r.ack(octx, it)
	case errors.Is(context.Cause(it.ctx), ErrLeaseLost):
		t.log.Warn("scheduler: handler failed after its lease was lost", "id", tm.ID, "kind", tm.Kind, "err", err)
	case r.ctx.Err() != nil:
		if err := requeueScript.Run(octx, t.rdb, reqKeys, tm.ID, r.token, now.UnixMilli(), "").Err(); err != nil {
			t.log.Warn("scheduler: hand back failed; the lease will expire", "id", tm.ID, "err", err)
		}
	default:
		rec := it.rec
		rec.Attempt++
		if t.o.MaxRetries > 0 && rec.Attempt >= t.o.MaxRetries {
			t.log.Error("scheduler: timer dropped after retries", "id", tm.ID, "kind", tm.Kind, "chat", tm.ChatID, "attempts", rec.Attempt, "err", err)
			r.ack(octx, it)
			return
		}
		backoff := t.backoff(rec.Attempt)
		t.log.Warn("scheduler: handler failed, will retry", "id", tm.ID, "kind", tm.Kind, "chat", tm.ChatID, "attempt", rec.Attempt, "in", backoff, "err", err)
		b, _ := json.Marshal(rec)
		if err := requeueScript.Run(octx, t.rdb, reqKeys, tm.ID, r.token, now.Add(backoff).UnixMilli(), string(b)).Err(); err != nil {
			t.log.Warn("scheduler: retry not stored; the lease will expire", "id", tm.ID, "err", err)
		}
	}
}

func (t *Timers) backoff(attempt int) time.Duration {
	d := t.o.RetryBase
	for i := 1; i < attempt && d < t.o.RetryMax; i++ {
		d *= 2
	}
	return min(d, t.o.RetryMax)
}

func (r *runner) ack(ctx context.Context, it *item) {
	t := r.t
	k := t.shards[it.shard]
	now := t.clk.Now()
	ok, err := ackScript.Run(ctx, t.rdb, []string{k.due, k.data, k.leased, k.owner, k.done},
		it.rec.ID, r.token, now.UnixMilli(), now.Add(-t.o.DoneTTL).UnixMilli()).Int()
	switch {
	case err != nil:
		t.log.Warn("scheduler: ack failed; the timer will fire again after its lease", "id", it.rec.ID, "err", err)
	case ok == 0:
		t.log.Warn("scheduler: ack after the lease was lost", "id", it.rec.ID)
	}
}

func (r *runner) call(ctx context.Context, tm Timer, late time.Duration) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("scheduler: handler panic: %v\n%s", p, debug.Stack())
		}
	}()
	return r.h(ctx, tm, late)
}

// heartbeat renews the leases of held timers every Lease/3 and cancels the handlers of those
// whose lease is gone.
func (r *runner) heartbeat() {
	t := r.t
	tick := t.clk.After(t.o.Lease / 3)
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-tick:
		}
		if r.ctx.Err() != nil {
			return
		}
		tick = t.clk.After(t.o.Lease / 3)
		byShard := map[int][]any{}
		r.mu.Lock()
		for k := range r.held {
			byShard[k.shard] = append(byShard[k.shard], k.id)
		}
		r.mu.Unlock()
		if len(byShard) == 0 {
			continue
		}
		exp := t.clk.Now().Add(t.o.Lease).UnixMilli()
		for s, ids := range byShard {
			k := t.shards[s]
			lost, err := extendScript.Run(r.ctx, t.rdb, []string{k.leased, k.owner}, append([]any{r.token, exp}, ids...)...).StringSlice()
			if err != nil {
				if r.ctx.Err() == nil {
					t.log.Warn("scheduler: lease renewal failed", "shard", s, "err", err)
				}
				continue
			}
			r.mu.Lock()
			for _, id := range lost {
				if it, ok := r.held[heldKey{s, id}]; ok {
					it.cancel(ErrLeaseLost)
				}
			}
			r.mu.Unlock()
		}
	}
}
