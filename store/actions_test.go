package store

import (
	"context"
	"testing"
	"time"

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
