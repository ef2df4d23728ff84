package store

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/rkeys"
)

// ActionCounter counts people's actions for the per-person limit (bot.ActionCounter) in Redis,
// so every replica counts the same actions, without a round trip per action: each replica
// counts in memory and adds its counts to Redis in one pipeline every Flush interval, reading
// back the totals of every replica. An action is judged at once on the total Redis had at the
// last flush plus this replica's actions since, so within one replica the count is exact, and
// another replica's actions show after at most one interval (a person spreading a burst over
// replicas may pass the limit by what they manage within that interval).
//
// The counts are those of Store.CountAction (the same keys, one per person and window of the
// store's clock), so replicas of both kinds add up.
type ActionCounter struct {
	s     *Store
	every time.Duration

	mu        sync.Mutex
	counts    map[actionKey]*actionCount
	dirty     []actionKey // keys with pending counts, each once
	pruned    int64       // unix ms of the last sweep of past windows
	scheduled bool
	flushing  sync.Mutex // one flush at a time
}

type actionKey struct {
	person int64
	window int64 // window length, ms
	n      int64 // window number: unix ms / window
}

type actionCount struct {
	total   int // in Redis at the last flush, this replica's flushed actions included
	pending int // this replica's actions not flushed yet
	// expiring: this replica has given the key its expiry. Later flushes only add to it (the
	// expiry outlasts the window), unless the addition finds the key gone (a failover lost it):
	// then it is given its expiry again.
	expiring bool
}

// NewActionCounter returns a counter that flushes every interval (100ms when 0).
func NewActionCounter(s *Store, every time.Duration) *ActionCounter {
	if every <= 0 {
		every = 100 * time.Millisecond
	}
	return &ActionCounter{s: s, every: every, counts: map[actionKey]*actionCount{}}
}

// CountAction counts one action of a person in the current window and returns the count so
// far (every replica's, as of the last flush, plus this one's since). It never waits for Redis.
func (a *ActionCounter) CountAction(_ context.Context, person int64, window time.Duration) (int, error) {
	w := window.Milliseconds()
	if w <= 0 {
		w = 60000
	}
	k := actionKey{person: person, window: w, n: a.s.clk.Now().UnixMilli() / w}
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.counts[k]
	if c == nil {
		c = &actionCount{}
		a.counts[k] = c
	}
	if c.pending == 0 {
		a.dirty = append(a.dirty, k)
	}
	c.pending++
	if !a.scheduled {
		a.scheduled = true
		time.AfterFunc(a.every, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = a.Flush(ctx)
		})
	}
	return c.total + c.pending, nil
}

// Flush adds this replica's pending counts to Redis in one pipeline and reads back the totals.
// Counts that could not be written stay pending for the next flush.
func (a *ActionCounter) Flush(ctx context.Context) error {
	a.flushing.Lock()
	defer a.flushing.Unlock()
	type item struct {
		k      actionKey
		delta  int
		given  bool // this replica gave the key its expiry before
		incr   *redis.IntCmd
		expire *redis.BoolCmd // when not given
	}
	a.mu.Lock()
	a.scheduled = false
	items := make([]item, 0, len(a.dirty))
	taken := make(map[actionKey]bool, len(a.dirty))
	for _, k := range a.dirty {
		if c := a.counts[k]; c != nil && c.pending > 0 && !taken[k] {
			taken[k] = true
			items = append(items, item{k: k, delta: c.pending, given: c.expiring})
		}
	}
	a.dirty = a.dirty[:0]
	if now := a.s.clk.Now().UnixMilli(); now-a.pruned >= 1000 {
		a.pruned = now
		for k, c := range a.counts {
			if c.pending == 0 && k.n < now/k.window {
				delete(a.counts, k) // a past window, all flushed
			}
		}
	}
	a.mu.Unlock()
	if len(items) == 0 {
		return nil
	}
	expiry := func(k actionKey) time.Duration { return time.Duration(2*k.window) * time.Millisecond }
	pipe := a.s.rdb.Pipeline()
	for i := range items {
		k := items[i].k
		key := rkeys.ActionRate(k.person, k.n)
		items[i].incr = pipe.IncrBy(ctx, key, int64(items[i].delta))
		if !items[i].given {
			items[i].expire = pipe.PExpire(ctx, key, expiry(k))
		}
	}
	_, err := pipe.Exec(ctx)
	// A key this replica had given its expiry, found gone (the addition made it anew): it gets
	// its expiry again.
	var lost []actionKey
	for _, it := range items {
		if it.given && it.incr.Err() == nil && it.incr.Val() == int64(it.delta) {
			lost = append(lost, it.k)
		}
	}
	if len(lost) > 0 {
		again := a.s.rdb.Pipeline()
		for _, k := range lost {
			again.PExpire(ctx, rkeys.ActionRate(k.person, k.n), expiry(k))
		}
		_, _ = again.Exec(ctx) // failing, the key outlives its window; nothing is miscounted
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, it := range items {
		c := a.counts[it.k]
		if c == nil {
			continue
		}
		if it.incr.Err() != nil {
			// Not written: it stays pending (the key may be listed again meanwhile).
			a.dirty = append(a.dirty, it.k)
			continue
		}
		c.pending -= it.delta
		c.total = int(it.incr.Val())
		if it.expire != nil && it.expire.Err() == nil {
			c.expiring = true
		}
		if c.pending > 0 {
			a.dirty = append(a.dirty, it.k) // counted again during the flush
		}
	}
	// Counts that could not be written stay pending: the next action schedules the next flush
	// (no retry loop of its own, which would outlive a closed client). Meanwhile the counts stay
	// exact for this replica.
	return err
}
