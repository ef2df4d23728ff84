package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"thiduabot/rkeys"
)

// MovedTo returns the chat a migrated group's bloc moved to (0 when it did not move).
func (s *Store) MovedTo(ctx context.Context, chatID int64) (int64, error) {
	v, err := s.rdb.Get(ctx, rkeys.ForChat(chatID).Moved()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return v, err
}

// MigrateChat moves every key of a chat to a new chat id (a group that became a supergroup).
// The chats are in different hash slots, so this cannot be one script; it is idempotent
// instead: each key is copied (DUMP/RESTORE REPLACE) and then deleted, and the old chat is
// marked as moved, so running it again after a crash finishes the move.
func (s *Store) MigrateChat(ctx context.Context, from, to int64) error {
	if from == to {
		return nil
	}
	oldPrefix := string(rkeys.ForChat(from))
	newPrefix := string(rkeys.ForChat(to))
	keys, err := s.scanChat(ctx, oldPrefix)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k == rkeys.ForChat(from).Moved() {
			continue
		}
		dump, err := s.rdb.Dump(ctx, k).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return fmt.Errorf("migrate %s: %w", k, err)
		}
		ttl, err := s.rdb.PTTL(ctx, k).Result()
		if err != nil {
			return fmt.Errorf("migrate %s: %w", k, err)
		}
		if ttl < 0 {
			ttl = 0
		}
		nk := newPrefix + strings.TrimPrefix(k, oldPrefix)
		if err := s.rdb.RestoreReplace(ctx, nk, ttl, dump).Err(); err != nil {
			return fmt.Errorf("migrate %s: %w", k, err)
		}
	}
	if err := s.rdb.Set(ctx, rkeys.ForChat(from).Moved(), to, 0).Err(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, k := range keys {
		if k != rkeys.ForChat(from).Moved() {
			if err := s.rdb.Del(ctx, k).Err(); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
		}
	}
	members, err := s.rdb.HKeys(ctx, rkeys.ForChat(to).Members()).Result()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range members {
		id, _ := strconv.ParseInt(m, 10, 64)
		pipe := s.rdb.Pipeline()
		pipe.SRem(ctx, rkeys.UserBlocs(id), from)
		pipe.SAdd(ctx, rkeys.UserBlocs(id), to)
		if _, err := pipe.Exec(ctx); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	pipe := s.rdb.Pipeline()
	pipe.SRem(ctx, rkeys.BlocIndex, from)
	if len(keys) > 0 {
		pipe.SAdd(ctx, rkeys.BlocIndex, to)
	}
	_, err = pipe.Exec(ctx)
	return err
}

// scanChat lists a chat's keys. In a Cluster they all sit on one master (one hash slot), so
// each master is scanned.
func (s *Store) scanChat(ctx context.Context, prefix string) ([]string, error) {
	pattern := strings.NewReplacer("{", `\{`, "}", `\}`).Replace(prefix) + ":*"
	var keys []string
	scan := func(ctx context.Context, c redis.Cmdable) error {
		iter := c.Scan(ctx, 0, pattern, 500).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		return iter.Err()
	}
	if cc, ok := s.rdb.(*redis.ClusterClient); ok {
		var mu = make(chan struct{}, 1)
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			mu <- struct{}{}
			defer func() { <-mu }()
			return scan(ctx, c)
		})
		return keys, err
	}
	return keys, scan(ctx, s.rdb)
}
