package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/clock"
	"thiduabot/internal/redistest"
)

// pipeCounter counts what reaches Redis: single commands and pipelines (with their length).
type pipeCounter struct {
	single, pipes, piped atomic.Int64
}

func (h *pipeCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *pipeCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "evalsha" || cmd.Name() == "eval" {
			h.single.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (h *pipeCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && (cmds[0].Name() == "evalsha" || cmds[0].Name() == "eval") {
			h.pipes.Add(1)
			h.piped.Add(int64(len(cmds)))
		}
		return next(ctx, cmds)
	}
}

// Concurrent changes through the batcher: each gets its own answer, the state is what the
// changes one by one make, a replay is still a replay, and scripts share round trips.
func TestScriptBatcherConcurrentChanges(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	hook := &pipeCounter{}
	rdb.AddHook(hook)
	clk := clock.NewFake(time.Date(2024, 1, 31, 8, 0, 0, 0, time.UTC))
	s := New(rdb, clk)
	b := NewScriptBatcher(rdb, 2, 5*time.Second)
	defer b.Close()
	s.BatchScripts(b)
	ctx := context.Background()
	incr := NewScript(`return done(tostring(redis.call('HINCRBY', KEYS[5], ARGV[4], 1)))`)
	const people = 300
	var wg sync.WaitGroup
	errs := make(chan error, 2*people)
	for i := 0; i < people; i++ {
		for rep := 0; rep < 2; rep++ { // each change delivered twice
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := s.Run(ctx, incr, chat, Op{UpdateID: int64(1000 + i), Actor: int64(5000 + i)}, []string{"{c:-1001}:n"}, i%3)
				if err == nil && res.Value == "" {
					err = errors.New("empty answer")
				}
				if err != nil {
					errs <- fmt.Errorf("change %d: %w", i, err)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err := rdb.HGetAll(ctx, "{c:-1001}:n").Result()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if want := fmt.Sprint(people / 3); got[fmt.Sprint(i)] != want {
			t.Errorf("counter %d: %s, want %s (each change once)", i, got[fmt.Sprint(i)], want)
		}
	}
	single, pipes, piped := hook.single.Load(), hook.pipes.Load(), hook.piped.Load()
	t.Logf("scripts: %d alone, %d in %d pipelines", single, piped, pipes)
	if pipes == 0 || single+pipes >= single+piped {
		t.Errorf("no scripts shared a round trip: %d alone, %d in %d pipelines", single, piped, pipes)
	}
}

// A script Redis does not know yet (after a restart, or a flush) is loaded and run.
func TestScriptBatcherLoadsUnknownScripts(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	b := NewScriptBatcher(rdb, 1, 5*time.Second)
	defer b.Close()
	ctx := context.Background()
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	sc := redis.NewScript(`return redis.call('INCRBY', KEYS[1], ARGV[1])`)
	for i := 1; i <= 3; i++ {
		n, err := sc.Run(ctx, b, []string{"k"}, 2).Int()
		if err != nil {
			t.Fatal(err)
		}
		if n != 2*i {
			t.Fatalf("run %d: %d, want %d", i, n, 2*i)
		}
	}
}

// A caller whose context has ended gets its error and the script is not sent; others are
// not disturbed.
func TestScriptBatcherCancelledCaller(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	b := NewScriptBatcher(rdb, 1, 5*time.Second)
	defer b.Close()
	sc := redis.NewScript(`return redis.call('INCR', KEYS[1])`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sc.Run(ctx, b, []string{"k"}).Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v, want context.Canceled", err)
	}
	n, err := sc.Run(context.Background(), b, []string{"k"}).Int()
	if err != nil || n != 1 {
		t.Fatalf("next caller: %d, %v; want 1 (the cancelled script must not have run)", n, err)
	}
}

// Reads sent through the batcher (a redraw's) get their own replies, share pipelines with the
// scripts in flight, and report a missing key's redis.Nil and a wrong type's error as a
// pipeline would.
func TestScriptBatcherCarriesReads(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	var mixed atomic.Int64 // pipelines holding both a script and a read
	rdb.AddHook(mixedHook{&mixed})
	b := NewScriptBatcher(rdb, 1, 5*time.Second)
	defer b.Close()
	ctx := context.Background()
	sc := redis.NewScript(`return redis.call('HINCRBY', KEYS[1], ARGV[1], 1)`)
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := sc.Run(ctx, b, []string{"h"}, fmt.Sprint(i)).Err(); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			get := redis.NewStringCmd(ctx, "get", "s")
			hm := redis.NewSliceCmd(ctx, "hmget", fmt.Sprintf("r%d", i), "a", "b")
			if err := b.Do(ctx, get, hm); !errors.Is(err, redis.Nil) {
				errs <- fmt.Errorf("read %d: %v, want redis.Nil (no key s)", i, err)
				return
			}
			if v := hm.Val(); len(v) != 2 || v[0] != nil || v[1] != nil || hm.Err() != nil {
				errs <- fmt.Errorf("read %d: hmget %v %v", i, v, hm.Err())
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got, err := rdb.HLen(ctx, "h").Result(); err != nil || got != n {
		t.Fatalf("scripts ran: %d fields, %v; want %d", got, err, n)
	}
	if mixed.Load() == 0 {
		t.Error("no read shared a pipeline with a script")
	}
	if err := rdb.Set(ctx, "s", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	get, wrong := redis.NewStringCmd(ctx, "get", "s"), redis.NewStringCmd(ctx, "get", "h")
	if err := b.Do(ctx, get, wrong); err == nil || get.Val() != "v" {
		t.Fatalf("a wrong type: %v, get %q; want WRONGTYPE and v", err, get.Val())
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.Do(cctx, redis.NewStringCmd(cctx, "get", "s")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled read: %v, want context.Canceled", err)
	}
}

type mixedHook struct{ n *atomic.Int64 }

func (mixedHook) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (mixedHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h mixedHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		var script, read bool
		for _, c := range cmds {
			switch c.Name() {
			case "evalsha", "eval":
				script = true
			default:
				read = true
			}
		}
		if script && read {
			h.n.Add(1)
		}
		return next(ctx, cmds)
	}
}

// A call made after Close fails at once instead of waiting for lanes that are gone.
func TestScriptBatcherAfterClose(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	b := NewScriptBatcher(rdb, 2, 5*time.Second)
	b.Close()
	b.Close() // twice is harmless
	ctx := context.Background()
	if err := b.Do(ctx, redis.NewStringCmd(ctx, "get", "k")); !errors.Is(err, ErrBatcherClosed) {
		t.Fatalf("a read after Close: %v, want ErrBatcherClosed", err)
	}
	sc := redis.NewScript(`return 1`)
	if err := sc.Run(ctx, b, []string{"k"}).Err(); !errors.Is(err, ErrBatcherClosed) {
		t.Fatalf("a script after Close: %v, want ErrBatcherClosed", err)
	}
}
