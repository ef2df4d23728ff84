package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/rkeys"
)

// SetWaitReplicas makes RunDurable wait until n replicas have the change (Redis WAIT), for at
// most timeout. n = 0 (the default) makes RunDurable the same as Run.
func (s *Store) SetWaitReplicas(n int, timeout time.Duration) {
	if timeout <= 0 {
		timeout = time.Second
	}
	s.waitN, s.waitTimeout = n, timeout
}

// ErrNotReplicated is returned by RunDurable when fewer replicas than required confirmed the
// change within the wait timeout. The change is made on the master and may yet reach the
// replicas, but it is not acknowledged: the caller tells the person to try again, and the
// retry (same Op) replays the stored result and waits again. Its text contains NOREPLICAS, so
// IsUnavailable reports it as an outage.
var ErrNotReplicated = errors.New("NOREPLICAS: the change did not reach enough Redis replicas in time")

// RunDurable is Run for critical writes (ballots, pledge signatures, membership): with
// redis.wait_replicas > 0 it returns only once that many replicas have the change, so a
// failover to one of them loses nothing that was acknowledged.
//
// WAIT only covers the writes of the connection it is sent on, so the script, a stamp write
// and WAIT go in one pipeline on one connection (to the chat's master in a cluster). The
// stamp makes WAIT cover the change even when the script was a replay that wrote nothing
// (the change then came from an earlier attempt on another connection).
func (s *Store) RunDurable(ctx context.Context, sc *Script, chatID int64, op Op, keys []string, args ...any) (Result, error) {
	if s.waitN <= 0 {
		return s.Run(ctx, sc, chatID, op, keys, args...)
	}
	ck := rkeys.ForChat(chatID)
	allKeys, allArgs := s.scriptInput(chatID, op, keys, args)
	var node redis.Cmdable = s.rdb
	if cc, ok := s.rdb.(*redis.ClusterClient); ok {
		m, err := cc.MasterForKey(ctx, ck.Bloc())
		if err != nil {
			return Result{}, fmt.Errorf("redis script: %w", err)
		}
		node = m
	}
	run := func() (*redis.Cmd, *redis.Cmd, error) {
		var ev *redis.Cmd
		var wait *redis.Cmd
		_, err := node.Pipelined(ctx, func(p redis.Pipeliner) error {
			ev = p.EvalSha(ctx, sc.s.Hash(), allKeys, allArgs...)
			p.Set(ctx, ck.Durable(), s.clk.Now().UnixMilli(), 0)
			wait = p.Do(ctx, "WAIT", s.waitN, s.waitTimeout.Milliseconds())
			return nil
		})
		return ev, wait, err
	}
	ev, wait, err := run()
	if err != nil && ev != nil && ev.Err() != nil && strings.HasPrefix(ev.Err().Error(), "NOSCRIPT") {
		// A new master (after a failover or restart) has not seen the script yet.
		if lerr := sc.s.Load(ctx, node).Err(); lerr != nil {
			return Result{}, fmt.Errorf("redis script: %w", lerr)
		}
		ev, wait, err = run()
	}
	if ev != nil && ev.Err() != nil {
		return Result{}, fmt.Errorf("redis script: %w", ev.Err())
	}
	if err != nil {
		return Result{}, fmt.Errorf("redis script: %w", err)
	}
	v, err := ev.Slice()
	if err != nil || len(v) != 2 {
		return Result{}, fmt.Errorf("redis script: unexpected reply %v %v", v, err)
	}
	dup, _ := v[0].(int64)
	val, _ := v[1].(string)
	if n, _ := wait.Int64(); n < int64(s.waitN) {
		return Result{}, fmt.Errorf("%w (%d of %d)", ErrNotReplicated, n, s.waitN)
	}
	return Result{Value: val, Dup: dup == 1}, nil
}
