package store

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// ScriptBatcher sends the chat scripts of concurrent updates to Redis together: each of a few
// lanes takes the scripts waiting when it is free and sends them as one pipeline (one write
// and one read on each side, where one script each costs both sides a system call pair and a
// wake-up). A lane that finds one script yields once (runtime.Gosched) and looks again before
// sending it, so scripts a moment from the queue join it; an idle bot pays the yield only (no
// timer, no wait). Under load the scripts that queued while a pipeline was in flight go in the
// next one.
// Scripts stay independent: each gets its own reply or error, Redis runs them one after the
// other as before (a script is atomic, a pipeline is not a transaction), and a script that was
// not loaded (NOSCRIPT) is retried by redis.Script.Run through Eval, batched the same way.
//
// It implements redis.Scripter for redis.Script.Run; the other methods go straight through.
type ScriptBatcher struct {
	rdb     redis.UniversalClient
	queue   chan *batchCall
	timeout time.Duration
	wg      sync.WaitGroup
	stop    chan struct{}
	stopped chan struct{} // closed once the lanes have ended
	once    sync.Once
}

type batchCall struct {
	ctx  context.Context
	cmds []redis.Cmder // a script, or the reads of one Do
	done chan struct{}
}

// maxBatch bounds a pipeline: a long one makes its first script's caller wait for the last.
const maxBatch = 64

// NewScriptBatcher starts lanes goroutines sending scripts to rdb; timeout bounds a pipeline
// (a caller's own context still bounds its wait). Close stops them.
func NewScriptBatcher(rdb redis.UniversalClient, lanes int, timeout time.Duration) *ScriptBatcher {
	if lanes < 1 {
		lanes = 1
	}
	b := &ScriptBatcher{rdb: rdb, queue: make(chan *batchCall, 4096), timeout: timeout, stop: make(chan struct{}), stopped: make(chan struct{})}
	for i := 0; i < lanes; i++ {
		b.wg.Add(1)
		go b.lane()
	}
	return b
}

// Close stops the lanes after the scripts already queued were sent. A call made later fails
// with ErrBatcherClosed.
func (b *ScriptBatcher) Close() {
	b.once.Do(func() {
		close(b.stop)
		b.wg.Wait()
		close(b.stopped)
	})
}

// ErrBatcherClosed is the error of a call made through a closed ScriptBatcher.
var ErrBatcherClosed = errors.New("store: script batcher closed")

func (b *ScriptBatcher) lane() {
	defer b.wg.Done()
	batch := make([]*batchCall, 0, maxBatch)
	for {
		select {
		case c := <-b.queue:
			batch = append(batch[:0], c)
		case <-b.stop:
			// Send what is still queued, then stop.
			for {
				select {
				case c := <-b.queue:
					b.send([]*batchCall{c})
				default:
					return
				}
			}
		}
		b.fill(&batch)
		if len(batch) == 1 {
			// Alone: other updates' scripts may be a moment from the queue (their goroutines
			// runnable, not yet run). Yielding once lets them join this pipeline instead of
			// paying a round trip each; an idle bot pays the yield only (no timer, no wait).
			runtime.Gosched()
			b.fill(&batch)
		}
		b.send(batch)
	}
}

// fill adds the scripts waiting in the queue to batch, up to maxBatch.
func (b *ScriptBatcher) fill(batch *[]*batchCall) {
	for len(*batch) < maxBatch {
		select {
		case c := <-b.queue:
			*batch = append(*batch, c)
		default:
			return
		}
	}
}

// send runs a batch as one pipeline. Calls whose context ended while they waited are not
// sent. The pipeline runs under the first call's context values (so hooks see which update
// it carries) but not its cancellation: one caller giving up must not fail the others.
func (b *ScriptBatcher) send(batch []*batchCall) {
	live := batch[:0] // the lane's own slice, filtered in place
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			for _, cmd := range c.cmds {
				cmd.SetErr(err)
			}
			close(c.done)
			continue
		}
		live = append(live, c)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(live[0].ctx), b.timeout)
	defer cancel()
	if len(live) == 1 && len(live[0].cmds) == 1 {
		_ = b.rdb.Process(ctx, live[0].cmds[0])
	} else {
		_, _ = b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, c := range live {
				for _, cmd := range c.cmds {
					_ = p.Process(ctx, cmd)
				}
			}
			return nil
		})
	}
	for _, c := range live {
		close(c.done)
	}
}

func (b *ScriptBatcher) do(ctx context.Context, args ...any) *redis.Cmd {
	cmd := redis.NewCmd(ctx, args...)
	if err := b.wait(ctx, []redis.Cmder{cmd}); err != nil {
		// The script may still run (as with any command whose caller gives up): scripts are
		// idempotent, a retry changes nothing twice.
		cmd2 := redis.NewCmd(ctx, args...)
		cmd2.SetErr(err)
		return cmd2
	}
	return cmd
}

// Do sends read commands in the lanes' next pipeline, with the scripts of concurrent updates,
// and returns the first of their errors (redis.Nil included, as Pipeline.Exec does). It is for
// reads made while others' scripts are in flight (a redraw's), which would otherwise pay a
// round trip of their own.
func (b *ScriptBatcher) Do(ctx context.Context, cmds ...redis.Cmder) error {
	if len(cmds) == 0 {
		return nil
	}
	if err := b.wait(ctx, cmds); err != nil {
		return err
	}
	for _, cmd := range cmds {
		if err := cmd.Err(); err != nil {
			return err
		}
	}
	return nil
}

// wait queues cmds as one call and waits for their replies. It returns ctx's error when ctx
// ended first, ErrBatcherClosed when the lanes ended without them; the commands may still be
// sent then, and their values must not be read (a lane may set them).
func (b *ScriptBatcher) wait(ctx context.Context, cmds []redis.Cmder) error {
	c := &batchCall{ctx: ctx, cmds: cmds, done: make(chan struct{})}
	select {
	case b.queue <- c:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.stopped:
		return ErrBatcherClosed
	}
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-b.stopped:
		select {
		case <-c.done: // sent by the lanes' last drain
			return nil
		default:
			return ErrBatcherClosed
		}
	}
}

func evalArgs(name, script string, keys []string, args []any) []any {
	a := make([]any, 0, 3+len(keys)+len(args))
	a = append(a, name, script, len(keys))
	for _, k := range keys {
		a = append(a, k)
	}
	return append(a, args...)
}

// EvalSha implements redis.Scripter, batched.
func (b *ScriptBatcher) EvalSha(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd {
	return b.do(ctx, evalArgs("evalsha", sha1, keys, args)...)
}

// Eval implements redis.Scripter, batched.
func (b *ScriptBatcher) Eval(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd {
	return b.do(ctx, evalArgs("eval", script, keys, args)...)
}

// EvalRO implements redis.Scripter (not batched: the chat scripts write).
func (b *ScriptBatcher) EvalRO(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd {
	return b.rdb.EvalRO(ctx, script, keys, args...)
}

// EvalShaRO implements redis.Scripter (not batched).
func (b *ScriptBatcher) EvalShaRO(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd {
	return b.rdb.EvalShaRO(ctx, sha1, keys, args...)
}

// ScriptExists implements redis.Scripter.
func (b *ScriptBatcher) ScriptExists(ctx context.Context, hashes ...string) *redis.BoolSliceCmd {
	return b.rdb.ScriptExists(ctx, hashes...)
}

// ScriptLoad implements redis.Scripter.
func (b *ScriptBatcher) ScriptLoad(ctx context.Context, script string) *redis.StringCmd {
	return b.rdb.ScriptLoad(ctx, script)
}
