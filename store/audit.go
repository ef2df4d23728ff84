package store

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/rkeys"
)

// AuditEntry is one line of a bloc's hash-chained audit log. Each entry's hash covers the
// previous entry's hash and its own body, so changing or dropping an entry breaks the chain.
type AuditEntry struct {
	Seq   int64
	At    time.Time
	Kind  string
	Actor int64
	Data  map[string]any
	Hash  string
	Prev  string
	Body  string
}

func parseAudit(line string) (AuditEntry, error) {
	hash, rest, ok1 := strings.Cut(line, " ")
	prev, body, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 {
		return AuditEntry{}, fmt.Errorf("audit: malformed entry")
	}
	var raw struct {
		N int64          `json:"n"`
		T int64          `json:"t"`
		K string         `json:"k"`
		A json.Number    `json:"a"`
		D map[string]any `json:"d"`
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return AuditEntry{}, fmt.Errorf("audit: %w", err)
	}
	actor, _ := raw.A.Int64()
	return AuditEntry{Seq: raw.N, At: time.UnixMilli(raw.T), Kind: raw.K, Actor: actor, Data: raw.D,
		Hash: hash, Prev: prev, Body: body}, nil
}

// AuditHead is the hash of the newest audit entry: the receipt of everything before it.
func (s *Store) AuditHead(ctx context.Context, chatID int64) (string, error) {
	v, err := s.rdb.HGet(ctx, rkeys.ForChat(chatID).Bloc(), "audit_head").Result()
	if err != nil && err.Error() != "redis: nil" {
		return "", err
	}
	return v, nil
}

// RecentAudit returns the newest n entries, newest first.
func (s *Store) RecentAudit(ctx context.Context, chatID int64, n int) ([]AuditEntry, error) {
	lines, err := s.rdb.LRange(ctx, rkeys.ForChat(chatID).Audit(), int64(-n), -1).Result()
	if err != nil {
		return nil, err
	}
	out := make([]AuditEntry, 0, len(lines))
	for i := len(lines) - 1; i >= 0; i-- {
		e, err := parseAudit(lines[i])
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// VerifyAudit checks the whole chain: each entry's hash is sha1(prev + "\n" + body) and its
// prev is the hash before it. It returns the number of entries and the head.
func (s *Store) VerifyAudit(ctx context.Context, chatID int64) (int, string, error) {
	// The chain and its head are read in one transaction: an entry appended in between would
	// otherwise look like a broken chain.
	ck := rkeys.ForChat(chatID)
	var linesCmd *redis.StringSliceCmd
	var headCmd *redis.StringCmd
	if _, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		linesCmd = p.LRange(ctx, ck.Audit(), 0, -1)
		headCmd = p.HGet(ctx, ck.Bloc(), "audit_head")
		return nil
	}); err != nil && !errors.Is(err, redis.Nil) {
		return 0, "", err
	}
	lines := linesCmd.Val()
	head := headCmd.Val()
	prev := ""
	for i, line := range lines {
		e, err := parseAudit(line)
		if err != nil {
			return i, prev, err
		}
		if e.Prev != prev && !(prev == "" && i == 0) {
			return i, prev, fmt.Errorf("audit entry %d: previous hash %s, chain has %s", e.Seq, e.Prev, prev)
		}
		sum := sha1.Sum([]byte(e.Prev + "\n" + e.Body))
		if hex.EncodeToString(sum[:]) != e.Hash {
			return i, prev, fmt.Errorf("audit entry %d: hash does not match its content", e.Seq)
		}
		prev = e.Hash
	}
	if head != prev {
		return len(lines), prev, fmt.Errorf("audit head %s, chain ends at %s", head, prev)
	}
	return len(lines), prev, nil
}
