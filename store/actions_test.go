package store

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/clock"
	"thiduabot/internal/redistest"
	"thiduabot/rkeys"
)

// The batched action counter is exact within one replica, sees another replica's actions once
// either has flushed, starts afresh each window, shares Store.CountAction's keys, and writes
// the counts of many people in one round trip.
func TestActionCounter(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(time.Date(2024, 1, 31, 8, 0, 10, 0, time.UTC))
	rdb := srv.Client(t)
	s := New(rdb, clk)
	ctx := context.Background()
	// A long interval: the test flushes by hand.
	a, b := NewActionCounter(s, time.Hour), NewActionCounter(s, time.Hour)
	count := func(c *ActionCounter, person int64) int {
		t.Helper()
		n, err := c.CountAction(ctx, person, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := 1; i <= 5; i++ {
		if n := count(a, 7); n != i {
			t.Fatalf("replica A, action %d: counted %d", i, n)
		}
	}
	if n := count(a, 8); n != 1 {
		t.Fatalf("another person: %d", n)
	}
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(b, 7); n != 1 {
		t.Fatalf("replica B before any flush: %d", n) // it cannot know A's yet
	}
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(b, 7); n != 7 {
		t.Fatalf("replica B after flushing: %d, want A's 5 + B's 2", n)
	}
	if n := count(a, 7); n != 6 {
		t.Fatalf("replica A before flushing again: %d", n)
	}
	for _, c := range []*ActionCounter{a, b} {
		if err := c.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	key := rkeys.ActionRate(7, clk.Now().UnixMilli()/60000)
	if v, _ := rdb.Get(ctx, key).Int(); v != 8 {
		t.Fatalf("Redis has %d actions of person 7, want 8", v)
	}
	if ttl, _ := rdb.PTTL(ctx, key).Result(); ttl <= 0 || ttl > 2*time.Minute {
		t.Fatalf("window key TTL %v", ttl)
	}
	// The same keys as Store.CountAction: a replica counting one by one sees them.
	if n, _ := s.CountAction(ctx, 7, time.Minute); n != 9 {
		t.Fatalf("Store.CountAction after the counters: %d", n)
	}
	if err := a.Flush(ctx); err != nil { // nothing pending: no round trip needed
		t.Fatal(err)
	}
	if n := count(a, 7); n != 8 {
		t.Fatalf("replica A's view before its next flush: %d, want its last total 7 + 1", n)
	}

	// The next window starts from nothing.
	clk.Advance(time.Minute)
	if n := count(a, 7); n != 1 {
		t.Fatalf("next window: %d", n)
	}

	// Many people's counts go in one round trip.
	h := &roundTrips{}
	rdb.AddHook(h)
	for p := int64(100); p < 300; p++ {
		count(b, p)
		count(b, p)
	}
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := h.n.Load(); n != 1 {
		t.Fatalf("flushing 200 people's counts took %d round trips", n)
	}
	if v, _ := rdb.Get(ctx, rkeys.ActionRate(250, clk.Now().UnixMilli()/60000)).Int(); v != 2 {
		t.Fatalf("person 250 has %d in Redis", v)
	}
}

// Without Flush being called, the counts reach Redis within the interval.
func TestActionCounterFlushesByItself(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(time.Date(2024, 1, 31, 8, 0, 10, 0, time.UTC))
	rdb := srv.Client(t)
	c := NewActionCounter(New(rdb, clk), 10*time.Millisecond)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := c.CountAction(ctx, 42, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	key := rkeys.ActionRate(42, clk.Now().UnixMilli()/60000)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if v, _ := rdb.Get(ctx, key).Int(); v == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the counts were not flushed")
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, bounded by the deadline
	}
}

// pipelineNames records the commands of every pipeline a client sends.
type pipelineNames struct {
	mu  sync.Mutex
	all [][]string
}

func (h *pipelineNames) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h *pipelineNames) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h *pipelineNames) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		var names []string
		for _, c := range cmds {
			names = append(names, c.Name())
		}
		if len(names) > 0 && (names[0] == "hello" || names[0] == "client") {
			return next(ctx, cmds) // a new connection's handshake
		}
		h.mu.Lock()
		h.all = append(h.all, names)
		h.mu.Unlock()
		return next(ctx, cmds)
	}
}

func (h *pipelineNames) take() [][]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.all
	h.all = nil
	return out
}

// A replica gives a window's key its expiry once: later flushes only add to it, unless the
// key turns out gone (lost in a failover), when it gets its expiry again.
func TestActionCounterExpiresOnce(t *testing.T) {
	srv := redistest.Start(t)
	clk := clock.NewFake(time.Date(2024, 1, 31, 8, 0, 10, 0, time.UTC))
	rdb := srv.Client(t)
	a := NewActionCounter(New(rdb, clk), time.Hour)
	ctx := context.Background()
	h := &pipelineNames{}
	rdb.AddHook(h)
	flush := func(want ...[]string) {
		t.Helper()
		if _, err := a.CountAction(ctx, 7, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := a.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if got := h.take(); !reflect.DeepEqual(got, want) {
			t.Fatalf("the flush sent %v, want %v", got, want)
		}
	}
	key := rkeys.ActionRate(7, clk.Now().UnixMilli()/60000)
	ttl := func() time.Duration {
		t.Helper()
		d, err := rdb.PTTL(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	flush([]string{"incrby", "pexpire"})
	flush([]string{"incrby"})
	flush([]string{"incrby"})
	if v, _ := rdb.Get(ctx, key).Int(); v != 3 || ttl() <= 0 {
		t.Fatalf("the key holds %d with TTL %v", v, ttl())
	}
	if err := rdb.Del(ctx, key).Err(); err != nil {
		t.Fatal(err)
	}
	flush([]string{"incrby"}, []string{"pexpire"})
	if d := ttl(); d <= 0 || d > 2*time.Minute {
		t.Fatalf("the key made anew has TTL %v", d)
	}
	flush([]string{"incrby"})
}
