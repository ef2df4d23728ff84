package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/rkeys"
)

// PromptTTL is how long a ForceReply prompt waits for its answer; PromptAskedTTL how long the
// bot remembers that a message was a prompt, to tell a later answer that it expired.
const (
	PromptTTL      = 24 * time.Hour
	PromptAskedTTL = 14 * 24 * time.Hour
)

// SavePrompt remembers what a prompt message waits for, and that it was a prompt (one round
// trip: both keys are the chat's).
func (s *Store) SavePrompt(ctx context.Context, chatID int64, messageID int, kind, data string) error {
	ck := rkeys.ForChat(chatID)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, ck.Prompt(messageID), kind+"|"+data, PromptTTL)
		p.Set(ctx, ck.PromptAsked(messageID), kind, PromptAskedTTL)
		return nil
	})
	return err
}

// LoadPrompt returns what a prompt message waits for (ok), or, when it no longer waits, that
// it was a prompt (expired: PromptTTL is over). One round trip: both keys are the chat's.
func (s *Store) LoadPrompt(ctx context.Context, chatID int64, messageID int) (kind, data string, ok, expired bool, err error) {
	ck := rkeys.ForChat(chatID)
	vs, err := s.rdb.MGet(ctx, ck.Prompt(messageID), ck.PromptAsked(messageID)).Result()
	if err != nil {
		return "", "", false, false, err
	}
	if v, isStr := vs[0].(string); isStr {
		kind, data, _ := cutPipe(v)
		return kind, data, true, false, nil
	}
	return "", "", false, vs[1] != nil, nil
}

func cutPipe(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '|' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// LoadOffset returns the next update id to ask Telegram for.
func (s *Store) LoadOffset(ctx context.Context) (int64, error) {
	v, err := s.rdb.Get(ctx, rkeys.Offset).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return v, err
}

var saveOffsetScript = redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
`)

// SaveOffset stores the offset; it never moves backwards.
func (s *Store) SaveOffset(ctx context.Context, offset int64) error {
	return saveOffsetScript.Run(ctx, s.rdb, []string{rkeys.Offset}, offset).Err()
}

// Lease is a renewable Redis lock: of several replicas, the one holding it does the job (long
// polling); when it dies, the lease runs out and another takes over.
type Lease struct {
	rdb   redis.UniversalClient
	key   string
	ttl   time.Duration
	token string
	stop  context.CancelFunc
}

// NewLease returns a lease on key with a time to live.
func (s *Store) NewLease(key string, ttl time.Duration) *Lease {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return &Lease{rdb: s.rdb, key: key, ttl: ttl, token: hex.EncodeToString(b)}
}

var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`)

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// Acquire waits for the lease; the returned context ends when it is lost or released.
func (l *Lease) Acquire(ctx context.Context) (context.Context, error) {
	for {
		ok, err := l.rdb.SetNX(ctx, l.key, l.token, l.ttl).Result()
		if err == nil && ok {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(l.ttl / 4):
		}
	}
	lctx, cancel := context.WithCancel(ctx)
	l.stop = cancel
	go func() {
		t := time.NewTicker(l.ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-lctx.Done():
				return
			case <-t.C:
				n, err := renewScript.Run(lctx, l.rdb, []string{l.key}, l.token, l.ttl.Milliseconds()).Int()
				if err == nil && n == 0 {
					cancel() // someone else holds it now
					return
				}
			}
		}
	}()
	return lctx, nil
}

// Release gives the lease up.
func (l *Lease) Release(ctx context.Context) {
	if l.stop != nil {
		l.stop()
	}
	_ = releaseScript.Run(ctx, l.rdb, []string{l.key}, l.token).Err()
}
