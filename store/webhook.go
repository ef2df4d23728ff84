package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/rkeys"
)

// SharedWebhookSecret returns the webhook secret every replica uses: the one stored in Redis,
// or candidate, stored now (SETNX) when none is. Replicas starting at once agree on one.
func (s *Store) SharedWebhookSecret(ctx context.Context, candidate string) (string, error) {
	if candidate == "" {
		return "", errors.New("webhook secret: empty candidate")
	}
	if err := s.rdb.SetNX(ctx, rkeys.WebhookSecret, candidate, 0).Err(); err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	v, err := s.rdb.Get(ctx, rkeys.WebhookSecret).Result()
	if err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	return v, nil
}

// handledDone is how long a handled update is remembered: longer than Telegram goes on
// redelivering an update whose answer it missed (minutes, in practice), short enough that a
// busy bot's markers (~80 bytes each) stay small. The store scripts' own dedupe records are
// what guarantees exactly-once changes; these only spare repeated replies.
const handledDone = time.Hour

var claimUpdateScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == 'done' then return 'done' end
if v then return '' end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
`)

var finishUpdateScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v and v ~= ARGV[1] and v ~= 'done' then return 0 end
redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2])
return 1
`)

var releaseUpdateScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// ClaimUpdate claims an update for ttl (see bot.UpdateClaims): a token when the caller should
// handle it, done when some replica handled it already, neither while another one is on it.
func (s *Store) ClaimUpdate(ctx context.Context, chatID, updateID int64, ttl time.Duration) (string, bool, error) {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	v, err := claimUpdateScript.Run(ctx, s.rdb, []string{rkeys.ForChat(chatID).Handled(updateID)}, tok, ttl.Milliseconds()).Text()
	if err != nil {
		return "", false, fmt.Errorf("claim update: %w", err)
	}
	switch v {
	case "done":
		return "", true, nil
	case tok:
		return tok, false, nil
	}
	return "", false, nil
}

// FinishUpdate marks an update claimed with token as handled.
func (s *Store) FinishUpdate(ctx context.Context, chatID, updateID int64, token string) error {
	return finishUpdateScript.Run(ctx, s.rdb, []string{rkeys.ForChat(chatID).Handled(updateID)}, token, handledDone.Milliseconds()).Err()
}

// ReleaseUpdate gives up a claim, so the next delivery of the update is handled at once.
func (s *Store) ReleaseUpdate(ctx context.Context, chatID, updateID int64, token string) error {
	return releaseUpdateScript.Run(ctx, s.rdb, []string{rkeys.ForChat(chatID).Handled(updateID)}, token).Err()
}
