package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/clock"
	"thiduabot/internal/redistest"
	"thiduabot/rkeys"
)

var t0 = time.Date(2025, 1, 6, 0, 30, 0, 0, time.UTC)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func testOpts(o Options) Options {
	if o.Logger == nil {
		o.Logger = quiet()
	}
	return o
}

// waitFor polls cond until it holds or the (real-time) deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// rescan makes tm's loop run one full scan that starts after this call, and waits for it.
func rescan(t testing.TB, tm *Timers) {
	t.Helper()
	s := tm.scanSeq.Load()
	tm.Kick()
	waitFor(t, 10*time.Second, "a scan", func() bool { return tm.scanDone.Load() > s })
}

// run starts tm.Run(h) and returns a stop function that cancels it and waits for it to return.
func run(t testing.TB, tm *Timers, h Handler) (stop func()) {
	t.Helper()
	_, stop = runCancel(t, tm, h)
	return stop
}

// runCancel is run that also returns the bare cancel of Run's context.
func runCancel(t testing.TB, tm *Timers, h Handler) (cancel context.CancelFunc, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tm.Run(ctx, h) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Errorf("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return cancel, stop
}

type firing struct {
	tm   Timer
	late time.Duration
}

// recorder is a handler that records every call.
type recorder struct {
	mu    sync.Mutex
	calls []firing
	count map[string]int
	n     atomic.Int64
}

func newRecorder() *recorder { return &recorder{count: map[string]int{}} }

func (r *recorder) handle(_ context.Context, tm Timer, late time.Duration) error {
	r.mu.Lock()
	r.calls = append(r.calls, firing{tm, late})
	r.count[tm.ID]++
	r.mu.Unlock()
	r.n.Add(1)
	return nil
}

func (r *recorder) get(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count[id]
}

func (r *recorder) last() firing {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[len(r.calls)-1]
}

func mustSchedule(t testing.TB, tm *Timers, timer Timer) {
	t.Helper()
	if err := tm.Schedule(context.Background(), timer); err != nil {
		t.Fatalf("Schedule %s: %v", timer.ID, err)
	}
}

// shardState sums the sizes of the timer shard keys.
func shardState(t testing.TB, rdb redis.UniversalClient, shards int) (due, data, leased, owner, done int64) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < shards; i++ {
		k := rkeys.ForTimerShard(i)
		due += rdb.ZCard(ctx, k.Due()).Val()
		data += rdb.HLen(ctx, k.Data()).Val()
		leased += rdb.ZCard(ctx, k.Leased()).Val()
		owner += rdb.HLen(ctx, k.Owner()).Val()
		done += rdb.ZCard(ctx, k.Done()).Val()
	}
	return
}

func TestScheduleFireAckIdempotentCancel(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	clk := clock.NewFake(t0)
	tm := NewTimers(rdb, clk, testOpts(Options{}))
	ctx := context.Background()
	rec := newRecorder()
	run(t, tm, rec.handle)

	// Schedule, then re-schedule the same id with a later time and a new payload.
	mustSchedule(t, tm, Timer{ID: "a", Kind: "reminder", ChatID: -1001, At: t0.Add(time.Minute), Payload: []byte(`{"v":1}`)})
	mustSchedule(t, tm, Timer{ID: "a", Kind: "reminder", ChatID: -1001, At: t0.Add(2 * time.Minute), Payload: []byte(`{"v":2}`)})
	got, ok, err := tm.Get(ctx, -1001, "a")
	if err != nil || !ok {
		t.Fatalf("Get: %v %v", ok, err)
	}
	if !got.At.Equal(t0.Add(2*time.Minute)) || string(got.Payload) != `{"v":2}` || got.Kind != "reminder" || got.ChatID != -1001 {
		t.Fatalf("Get after reschedule = %+v", got)
	}
	if due, data, _, _, _ := shardState(t, rdb, 16); due != 1 || data != 1 {
		t.Fatalf("after rescheduling one id: due=%d data=%d, want 1 1", due, data)
	}
	if next, ok, _ := tm.Next(ctx); !ok || !next.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("Next = %v %v", next, ok)
	}
	if p, err := tm.Pending(ctx, -1001); err != nil || len(p) != 1 || p[0].ID != "a" {
		t.Fatalf("Pending = %+v %v", p, err)
	}

	// The old time passes: nothing fires.
	clk.Advance(time.Minute)
	rescan(t, tm)
	if rec.n.Load() != 0 {
		t.Fatalf("fired before its (updated) time")
	}

	clk.Advance(time.Minute)
	rescan(t, tm)
	waitFor(t, 10*time.Second, "timer a fired and acked", func() bool {
		f, _ := tm.Fired(ctx, -1001, "a")
		return f
	})
	if c := rec.get("a"); c != 1 {
		t.Fatalf("a fired %d times", c)
	}
	if l := rec.last(); string(l.tm.Payload) != `{"v":2}` || l.late != 0 {
		t.Fatalf("fired with %+v", l)
	}
	if _, ok, _ := tm.Get(ctx, -1001, "a"); ok {
		t.Fatalf("Get finds a fired timer")
	}

	// Scheduling a fired id is a no-op, even at a due time.
	mustSchedule(t, tm, Timer{ID: "a", Kind: "reminder", ChatID: -1001, At: t0, Payload: []byte(`{"v":3}`)})
	if _, ok, _ := tm.Get(ctx, -1001, "a"); ok {
		t.Fatalf("scheduling a fired id stored it again")
	}
	clk.Advance(time.Hour)
	rescan(t, tm)
	if c := rec.get("a"); c != 1 {
		t.Fatalf("a fired %d times after re-scheduling a fired id", c)
	}

	// Cancel.
	now := clk.Now()
	mustSchedule(t, tm, Timer{ID: "c", Kind: "reminder", ChatID: 7, At: now.Add(time.Minute)})
	if ok, err := tm.Cancel(ctx, 7, "c"); err != nil || !ok {
		t.Fatalf("Cancel = %v %v", ok, err)
	}
	if ok, err := tm.Cancel(ctx, 7, "c"); err != nil || ok {
		t.Fatalf("second Cancel = %v %v", ok, err)
	}
	if ok, _ := tm.Cancel(ctx, -1001, "a"); ok {
		t.Fatalf("Cancel of a fired timer reported true")
	}
	clk.Advance(time.Hour)
	rescan(t, tm)
	if c := rec.get("c"); c != 0 {
		t.Fatalf("cancelled timer fired")
	}
	if _, ok, _ := tm.Next(ctx); ok {
		t.Fatalf("Next reports a pending timer after all fired or cancelled")
	}
	if due, data, leased, owner, _ := shardState(t, rdb, 16); due+data+leased+owner != 0 {
		t.Fatalf("leftovers: due=%d data=%d leased=%d owner=%d", due, data, leased, owner)
	}
}

func TestValidation(t *testing.T) {
	srv := redistest.Start(t)
	tm := NewTimers(srv.Client(t), clock.NewFake(t0), testOpts(Options{}))
	ctx := context.Background()
	for _, bad := range []Timer{
		{Kind: "k", At: t0},
		{ID: "x", At: t0},
		{ID: "x", Kind: "k"},
	} {
		if err := tm.Schedule(ctx, bad); err == nil {
			t.Errorf("Schedule(%+v) accepted", bad)
		}
	}
	if err := tm.ScheduleMany(ctx, []Timer{{ID: "ok", Kind: "k", At: t0}, {ID: "", Kind: "k", At: t0}}); err == nil {
		t.Errorf("ScheduleMany with an invalid timer accepted")
	}
	if _, ok, _ := tm.Get(ctx, 0, "ok"); ok {
		t.Errorf("ScheduleMany stored part of an invalid batch")
	}
}

func TestFakeClockNothingEarlyAndLate(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(t0)
	tm := NewTimers(srv.Client(t), clk, testOpts(Options{}))
	rec := newRecorder()
	run(t, tm, rec.handle)

	at := t0.Add(10 * time.Minute)
	mustSchedule(t, tm, Timer{ID: "r", Kind: "reminder", ChatID: 42, At: at})
	clk.Advance(10*time.Minute - time.Millisecond)
	rescan(t, tm)
	if rec.n.Load() != 0 {
		t.Fatalf("fired 1ms early")
	}
	clk.Set(at.Add(5 * time.Second))
	tm.Kick()
	waitFor(t, 10*time.Second, "the handler", func() bool { return rec.n.Load() == 1 })
	if l := rec.last(); l.late != 5*time.Second || !l.tm.At.Equal(at) || l.tm.ChatID != 42 || l.tm.Kind != "reminder" {
		t.Fatalf("fired %+v late %v, want late 5s", l.tm, l.late)
	}
}

// The loop wakes by itself at the due time (its sleep is on the injected clock), without Kick.
func TestWakesOnClockWithoutKick(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(t0)
	// Hide the fake's Changed, so only the loop's own sleep (clk.After) can wake it.
	tm := NewTimers(srv.Client(t), struct{ clock.Clock }{clk}, testOpts(Options{Poll: time.Hour}))
	rec := newRecorder()
	run(t, tm, rec.handle)
	mustSchedule(t, tm, Timer{ID: "r", Kind: "k", ChatID: 1, At: t0.Add(time.Minute)})
	rescan(t, tm)
	waitFor(t, 10*time.Second, "the loop asleep until the due time", func() bool {
		return tm.wakeAt.Load() == t0.Add(time.Minute).UnixMilli()
	})
	clk.Advance(time.Minute - time.Millisecond)
	rescan(t, tm)
	if rec.n.Load() != 0 {
		t.Fatal("fired early")
	}
	waitFor(t, 10*time.Second, "the loop asleep until the due time", func() bool {
		return tm.wakeAt.Load() == t0.Add(time.Minute).UnixMilli()
	})
	clk.Advance(time.Millisecond)
	waitFor(t, 10*time.Second, "the handler", func() bool { return rec.n.Load() == 1 })
}

func TestDueWhileNoInstanceRan(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(t0)
	tm := NewTimers(srv.Client(t), clk, testOpts(Options{}))
	mustSchedule(t, tm, Timer{ID: "x", Kind: "k", ChatID: 5, At: t0.Add(time.Minute)})
	clk.Advance(5 * time.Minute)

	rec := newRecorder()
	run(t, NewTimers(srv.Client(t), clk, testOpts(Options{})), rec.handle)
	waitFor(t, 10*time.Second, "the handler", func() bool { return rec.n.Load() == 1 })
	if l := rec.last(); l.late != 4*time.Minute {
		t.Fatalf("late = %v, want 4m", l.late)
	}
}

func TestRestartAfterCrashMidHandler(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(t0)
	ctx := context.Background()
	const lease = 30 * time.Second

	// Instance A takes the timer and its handler hangs (it ignores its context, as a process
	// that died would never ack).
	a := NewTimers(srv.Client(t), clk, testOpts(Options{Lease: lease}))
	started := make(chan struct{})
	release := make(chan struct{})
	var aCalls atomic.Int64
	cancelA, stopA := runCancel(t, a, func(context.Context, Timer, time.Duration) error {
		if aCalls.Add(1) == 1 {
			close(started)
		}
		<-release
		return nil
	})
	mustSchedule(t, a, Timer{ID: "ballot:1", Kind: "ballot.close", ChatID: 9, At: t0})
	a.Kick()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("A never ran the handler")
	}
	// A stops: its loop and lease renewal end; the handler is still stuck, so Run has not
	// returned.
	cancelA()
	aDone := make(chan struct{})
	go func() { stopA(); close(aDone) }()

	b := NewTimers(srv.Client(t), clk, testOpts(Options{Lease: lease}))
	rec := newRecorder()
	run(t, b, rec.handle)
	rescan(t, b)
	clk.Advance(lease - time.Millisecond)
	rescan(t, b)
	if rec.n.Load() != 0 {
		t.Fatalf("B fired a timer whose lease had not expired")
	}
	clk.Advance(time.Millisecond)
	rescan(t, b)
	waitFor(t, 10*time.Second, "B to fire the abandoned timer", func() bool { return rec.n.Load() == 1 })
	waitFor(t, 10*time.Second, "B's ack", func() bool { f, _ := b.Fired(ctx, 9, "ballot:1"); return f })
	if l := rec.last(); l.late != lease {
		t.Fatalf("late = %v, want %v", l.late, lease)
	}

	// A's handler finally returns; its ack must not disturb anything.
	close(release)
	select {
	case <-aDone:
	case <-time.After(20 * time.Second):
		t.Fatal("A did not stop")
	}
	clk.Advance(time.Hour)
	rescan(t, b)
	if aCalls.Load() != 1 || rec.n.Load() != 1 {
		t.Fatalf("calls: A=%d B=%d, want 1 1", aCalls.Load(), rec.n.Load())
	}
	if due, data, leased, owner, done := shardState(t, srv.Client(t), 16); due+data+leased+owner != 0 || done != 1 {
		t.Fatalf("state: due=%d data=%d leased=%d owner=%d done=%d", due, data, leased, owner, done)
	}
}

// A replica that stops gracefully hands back what it claimed but did not start, and a handler
// that returns because of the shutdown is handed back too: the next instance fires both at once.
func TestGracefulStopHandsBack(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(t0)
	a := NewTimers(srv.Client(t), clk, testOpts(Options{Workers: 1}))
	started := make(chan struct{}, 10)
	stopA := run(t, a, func(ctx context.Context, tm Timer, _ time.Duration) error {
		started <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	})
	for i := 0; i < 3; i++ {
		mustSchedule(t, a, Timer{ID: "h" + strconv.Itoa(i), Kind: "k", ChatID: int64(i), At: t0})
	}
	a.Kick()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("no handler started")
	}
	stopA()
	if due, _, leased, owner, _ := shardState(t, srv.Client(t), 16); due != 3 || leased != 0 || owner != 0 {
		t.Fatalf("after graceful stop: due=%d leased=%d owner=%d, want 3 0 0", due, leased, owner)
	}
	rec := newRecorder()
	run(t, NewTimers(srv.Client(t), clk, testOpts(Options{})), rec.handle)
	waitFor(t, 10*time.Second, "all three fired by B without advancing the clock", func() bool { return rec.n.Load() == 3 })
}

func TestThreeInstancesTenThousandExactlyOnce(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(t0)
	ctx := context.Background()
	const total = 10000

	var mu sync.Mutex
	count := make(map[string]int, total)
	var fired atomic.Int64
	perInstance := make([]atomic.Int64, 3)
	instances := make([]*Timers, 3)
	for i := range instances {
		instances[i] = NewTimers(srv.Client(t), clk, testOpts(Options{}))
	}

	tms := make([]Timer, total)
	for i := range tms {
		tms[i] = Timer{
			ID:     "t" + strconv.Itoa(i),
			Kind:   "reminder",
			ChatID: -1000000 - int64(i%700),
			At:     t0.Add(time.Duration(i%120) * time.Second),
		}
	}
	if err := instances[0].ScheduleMany(ctx, tms); err != nil {
		t.Fatal(err)
	}
	if due, data, _, _, _ := shardState(t, srv.Client(t), 16); due != total || data != total {
		t.Fatalf("scheduled due=%d data=%d", due, data)
	}
	// Re-scheduling the whole batch is idempotent.
	if err := instances[1].ScheduleMany(ctx, tms); err != nil {
		t.Fatal(err)
	}
	if due, _, _, _, _ := shardState(t, srv.Client(t), 16); due != total {
		t.Fatalf("after rescheduling due=%d", due)
	}

	// All 10,000 are due before the instances start, and the clock stays put while they run: a
	// fake clock jumping past the lease while handlers are in flight would (by design) let
	// other instances reclaim those leases.
	clk.Advance(2 * time.Minute)
	for i, inst := range instances {
		i := i
		run(t, inst, func(_ context.Context, tm Timer, late time.Duration) error {
			mu.Lock()
			count[tm.ID]++
			mu.Unlock()
			perInstance[i].Add(1)
			fired.Add(1)
			return nil
		})
	}
	waitFor(t, 120*time.Second, "10000 firings", func() bool { return fired.Load() >= total })
	waitFor(t, 30*time.Second, "all acks", func() bool {
		due, data, leased, owner, _ := shardState(t, srv.Client(t), 16)
		return due+data+leased+owner == 0
	})
	for _, inst := range instances {
		rescan(t, inst)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := fired.Load(); n != total {
		for id, c := range count {
			if c != 1 {
				t.Errorf("%s fired %d times", id, c)
			}
		}
		t.Fatalf("fired %d times, want %d", n, total)
	}
	if len(count) != total {
		t.Fatalf("%d distinct ids fired, want %d", len(count), total)
	}
	for id, c := range count {
		if c != 1 {
			t.Errorf("%s fired %d times", id, c)
		}
	}
	if _, _, _, _, done := shardState(t, srv.Client(t), 16); done != total {
		t.Fatalf("done = %d", done)
	}
	t.Logf("per instance: %d %d %d", perInstance[0].Load(), perInstance[1].Load(), perInstance[2].Load())
}

func TestHandlerErrorRetriedThenAcked(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(t0)
	ctx := context.Background()
	tm := NewTimers(srv.Client(t), clk, testOpts(Options{RetryBase: time.Second, RetryMax: time.Minute, MaxRetries: 5}))
	var calls atomic.Int64
	var lastLate atomic.Int64
	run(t, tm, func(_ context.Context, _ Timer, late time.Duration) error {
		lastLate.Store(int64(late))
		if calls.Add(1) <= 2 {
			return errors.New("telegram said 500")
		}
		return nil
	})
	mustSchedule(t, tm, Timer{ID: "flaky", Kind: "k", ChatID: 3, At: t0})
	tm.Kick()

	nextIs := func(want time.Time) func() bool {
		return func() bool {
			n, ok, _ := tm.Next(ctx)
			return ok && n.Equal(want)
		}
	}
	waitFor(t, 10*time.Second, "retry after 1s stored", nextIs(t0.Add(time.Second)))
	if calls.Load() != 1 {
		t.Fatalf("calls = %d", calls.Load())
	}
	if _, ok, _ := tm.Get(ctx, 3, "flaky"); !ok {
		t.Fatalf("a failed timer is no longer pending")
	}
	rescan(t, tm)
	if calls.Load() != 1 {
		t.Fatalf("retried before the backoff")
	}
	clk.Advance(time.Second)
	waitFor(t, 10*time.Second, "retry after 2s more stored", nextIs(t0.Add(3*time.Second)))
	clk.Advance(2 * time.Second)
	tm.Kick()
	waitFor(t, 10*time.Second, "ack", func() bool { f, _ := tm.Fired(ctx, 3, "flaky"); return f })
	if calls.Load() != 3 || time.Duration(lastLate.Load()) != 3*time.Second {
		t.Fatalf("calls = %d, last late %v", calls.Load(), time.Duration(lastLate.Load()))
	}
	if _, ok, _ := tm.Next(ctx); ok {
		t.Fatalf("still pending after ack")
	}
}

func TestHandlerGivesUpAfterMaxRetries(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(t0)
	ctx := context.Background()
	tm := NewTimers(srv.Client(t), clk, testOpts(Options{RetryBase: time.Second, MaxRetries: 2}))
	var calls atomic.Int64
	run(t, tm, func(context.Context, Timer, time.Duration) error {
		calls.Add(1)
		panic("boom") // a panic is a failure too
	})
	mustSchedule(t, tm, Timer{ID: "bad", Kind: "k", ChatID: 3, At: t0})
	tm.Kick()
	waitFor(t, 10*time.Second, "first failure", func() bool { _, ok, _ := tm.Next(ctx); return ok && calls.Load() == 1 })
	clk.Advance(time.Second)
	waitFor(t, 10*time.Second, "dropped", func() bool { f, _ := tm.Fired(ctx, 3, "bad"); return f })
	clk.Advance(time.Hour)
	rescan(t, tm)
	if calls.Load() != 2 {
		t.Fatalf("calls = %d, want 2", calls.Load())
	}
}

// Cancelling a running timer cancels its handler's context at the next lease renewal.
func TestCancelRunningCancelsHandler(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(t0)
	ctx := context.Background()
	tm := NewTimers(srv.Client(t), clk, testOpts(Options{Lease: 30 * time.Second}))
	started := make(chan struct{})
	cause := make(chan error, 1)
	run(t, tm, func(ctx context.Context, _ Timer, _ time.Duration) error {
		close(started)
		<-ctx.Done()
		cause <- context.Cause(ctx)
		return ctx.Err()
	})
	mustSchedule(t, tm, Timer{ID: "long", Kind: "k", ChatID: 3, At: t0})
	tm.Kick()
	<-started
	if ok, err := tm.Cancel(ctx, 3, "long"); !ok || err != nil {
		t.Fatalf("Cancel = %v %v", ok, err)
	}
	clk.Advance(10 * time.Second) // the renewal interval (Lease/3)
	select {
	case c := <-cause:
		if !errors.Is(c, ErrLeaseLost) {
			t.Fatalf("cause = %v", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("handler context not cancelled")
	}
	if f, _ := tm.Fired(ctx, 3, "long"); f {
		t.Fatalf("cancelled timer recorded as fired")
	}
}

// A long handler keeps its lease: another replica does not fire it while it runs.
func TestLeaseRenewedWhileHandlerRuns(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(t0)
	ctx := context.Background()
	const lease = 30 * time.Second
	a := NewTimers(srv.Client(t), clk, testOpts(Options{Lease: lease}))
	started := make(chan struct{})
	release := make(chan struct{})
	run(t, a, func(context.Context, Timer, time.Duration) error {
		close(started)
		<-release
		return nil
	})
	mustSchedule(t, a, Timer{ID: "slow", Kind: "k", ChatID: 3, At: t0})
	a.Kick()
	<-started
	b := NewTimers(srv.Client(t), clk, testOpts(Options{Lease: lease}))
	rec := newRecorder()
	run(t, b, rec.handle)
	k := rkeys.ForTimerShard(a.shardOf(3))
	for i := 0; i < 6; i++ { // 60s in renewal-sized steps: twice the lease
		want := clk.Now().Add(10 * time.Second).Add(lease).UnixMilli()
		clk.Advance(10 * time.Second)
		waitFor(t, 10*time.Second, "lease renewal", func() bool {
			s, err := srv.Client(t).ZScore(ctx, k.Leased(), "slow").Result()
			return err == nil && int64(s) == want
		})
		rescan(t, b)
	}
	if rec.n.Load() != 0 {
		t.Fatalf("B fired a timer whose holder was alive")
	}
	close(release)
	waitFor(t, 10*time.Second, "ack", func() bool { f, _ := a.Fired(ctx, 3, "slow"); return f })
}

func TestDoneTrimmedByAge(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(t0)
	ctx := context.Background()
	tm := NewTimers(srv.Client(t), clk, testOpts(Options{DoneTTL: time.Hour, Shards: 1}))
	rec := newRecorder()
	run(t, tm, rec.handle)
	mustSchedule(t, tm, Timer{ID: "old", Kind: "k", At: t0})
	tm.Kick()
	waitFor(t, 10*time.Second, "old fired", func() bool { f, _ := tm.Fired(ctx, 0, "old"); return f })
	clk.Advance(2 * time.Hour)
	mustSchedule(t, tm, Timer{ID: "new", Kind: "k", At: clk.Now()})
	waitFor(t, 10*time.Second, "new fired", func() bool { f, _ := tm.Fired(ctx, 0, "new"); return f })
	if f, _ := tm.Fired(ctx, 0, "old"); f {
		t.Fatalf("Done not trimmed by age")
	}
}

func TestShardSpread(t *testing.T) {
	tm := NewTimers(nil, clock.Real{}, testOpts(Options{}))
	seen := map[int]int{}
	for i := int64(0); i < 1600; i++ {
		seen[tm.shardOf(-1001234567890-i)]++
	}
	if len(seen) != 16 {
		t.Fatalf("chat ids spread over %d shards", len(seen))
	}
	for s, n := range seen {
		if n < 50 {
			t.Fatalf("shard %d got %d of 1600", s, n)
		}
	}
}

func BenchmarkScheduleFire(b *testing.B) {
	srv := redistest.Start(b)
	clk := clock.NewFake(t0)
	ctx := context.Background()
	tm := NewTimers(srv.Client(b), clk, testOpts(Options{Workers: 16, Batch: 200}))
	var fired atomic.Int64
	all := make(chan struct{})
	target := int64(b.N)
	run(b, tm, func(context.Context, Timer, time.Duration) error {
		if fired.Add(1) == target {
			close(all)
		}
		return nil
	})
	b.ResetTimer()
	start := time.Now()
	const chunk = 1000
	for lo := 0; lo < b.N; lo += chunk {
		tms := make([]Timer, 0, chunk)
		for i := lo; i < min(lo+chunk, b.N); i++ {
			tms = append(tms, Timer{ID: fmt.Sprintf("b%d", i), Kind: "k", ChatID: int64(i % 997), At: t0})
		}
		if err := tm.ScheduleMany(ctx, tms); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-all:
	case <-time.After(5 * time.Minute):
		b.Fatalf("fired %d of %d", fired.Load(), b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "timers/s")
}

// A fake clock jumping past the lease while this instance's handler runs must not make it run
// the timer a second time (its own scan reclaims the lease it still holds).
func TestOwnExpiredLeaseNotRunTwice(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(t0)
	ctx := context.Background()
	tm := NewTimers(srv.Client(t), clk, testOpts(Options{Lease: 30 * time.Second}))
	var calls atomic.Int64
	started := make(chan struct{})
	release := make(chan struct{})
	run(t, tm, func(context.Context, Timer, time.Duration) error {
		if calls.Add(1) == 1 {
			close(started)
		}
		<-release
		return nil
	})
	mustSchedule(t, tm, Timer{ID: "x", Kind: "k", ChatID: 1, At: t0})
	tm.Kick()
	<-started
	// Expire the lease in Redis directly (a renewal racing a clock jump could otherwise win).
	k := rkeys.ForTimerShard(tm.shardOf(1))
	if err := srv.Client(t).ZAdd(ctx, k.Leased(), redis.Z{Score: float64(t0.UnixMilli()), Member: "x"}).Err(); err != nil {
		t.Fatal(err)
	}
	rescan(t, tm)
	if s, _ := srv.Client(t).ZScore(ctx, k.Leased(), "x").Result(); int64(s) != t0.Add(30*time.Second).UnixMilli() {
		t.Fatalf("lease not reclaimed by the scan: %v", s)
	}
	rescan(t, tm)
	close(release)
	waitFor(t, 10*time.Second, "ack", func() bool { f, _ := tm.Fired(ctx, 1, "x"); return f })
	if c := calls.Load(); c != 1 {
		t.Fatalf("ran %d times", c)
	}
}

// The ack of a replica whose lease was taken over is ignored: the new holder decides.
func TestStaleHolderAckIgnored(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(t0)
	ctx := context.Background()
	opts := testOpts(Options{Lease: 30 * time.Second, RetryBase: time.Hour})
	a := NewTimers(srv.Client(t), clk, opts)
	started := make(chan struct{})
	release := make(chan struct{})
	cancelA, stopA := runCancel(t, a, func(context.Context, Timer, time.Duration) error {
		close(started)
		<-release
		return nil // too late: B holds the lease now
	})
	mustSchedule(t, a, Timer{ID: "x", Kind: "k", ChatID: 1, At: t0})
	a.Kick()
	<-started
	cancelA()

	b := NewTimers(srv.Client(t), clk, opts)
	var bCalls atomic.Int64
	run(t, b, func(context.Context, Timer, time.Duration) error {
		bCalls.Add(1)
		return errors.New("fails; retry in an hour")
	})
	clk.Advance(31 * time.Second)
	b.Kick()
	retryAt := clk.Now().Add(time.Hour)
	waitFor(t, 10*time.Second, "B's retry", func() bool { n, ok, _ := b.Next(ctx); return ok && n.Equal(retryAt) })
	close(release)
	stopA()
	if f, _ := a.Fired(ctx, 1, "x"); f {
		t.Fatalf("the stale holder's ack recorded the timer as fired")
	}
	if n, ok, _ := b.Next(ctx); !ok || !n.Equal(retryAt) {
		t.Fatalf("retry lost: %v %v", n, ok)
	}
	if bCalls.Load() != 1 {
		t.Fatalf("B calls = %d", bCalls.Load())
	}
}

// After Redis restarts (script cache empty, connections dropped) scheduling and firing go on:
// EVALSHA falls back to EVAL, also inside ScheduleMany's pipeline.
func TestRedisRestart(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(t0)
	ctx := context.Background()
	tm := NewTimers(srv.Client(t), clk, testOpts(Options{}))
	rec := newRecorder()
	run(t, tm, rec.handle)
	mustSchedule(t, tm, Timer{ID: "before", Kind: "k", ChatID: 1, At: t0})
	waitFor(t, 10*time.Second, "first timer", func() bool { return rec.n.Load() == 1 })

	srv.Restart(t)
	rescan(t, tm) // may fail on dropped connections; the loop goes on
	var err error
	waitFor(t, 10*time.Second, "ScheduleMany after restart", func() bool {
		err = tm.ScheduleMany(ctx, []Timer{{ID: "m1", Kind: "k", ChatID: 2, At: t0}, {ID: "m2", Kind: "k", ChatID: 3, At: t0}})
		return err == nil
	})
	waitFor(t, 10*time.Second, "timers after restart", func() bool { return rec.n.Load() == 3 })
}
