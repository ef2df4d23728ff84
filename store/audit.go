package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/rkeys"
)

// AuditEntry is one line of a bloc's hash-chained audit log. Each entry's hash covers the
// previous entry's hash and its own body, so changing or dropping an entry breaks the chain.
// An entry keeps only the first 8 hex digits of its hash (the head, in the bloc's hash, is
// kept in full): the chain is recomputed from the bodies to verify it.
type AuditEntry struct {
	Seq   int64 // its position in the log, from 1
	At    time.Time
	Kind  string
	Actor int64
	Data  map[string]any
	// Hash is what the entry keeps of its hash (8 hex digits), the full hash for the newest
	// entry read with the head; a log written before entries were shortened keeps 40.
	Hash string
	Body string // what the hash covers
}

// parseAudit reads an entry: "<hash prefix> <ms> <kind> <actor> <data>"; a report's,
// "<hash prefix> @<id>", with record the report's record (see reportEntry); or an entry of the
// first format, "<hash> <previous hash> <JSON with n, t, k, a and d>" (read, and verified,
// alike: the chain's rule is the same).
func parseAudit(line, record string) (AuditEntry, error) {
	hash, body, ok := strings.Cut(line, " ")
	if !ok {
		return AuditEntry{}, fmt.Errorf("audit: malformed entry")
	}
	if len(hash) == 40 {
		return parseAuditV1(hash, body)
	}
	if ref, ok := strings.CutPrefix(body, "@"); ok {
		return reportEntry(hash, ref, record)
	}
	ms, rest, ok1 := strings.Cut(body, " ")
	kind, rest, ok2 := strings.Cut(rest, " ")
	actor, data, ok3 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || !ok3 {
		return AuditEntry{}, fmt.Errorf("audit: malformed entry")
	}
	e := AuditEntry{Kind: kind, Hash: hash, Body: body}
	t, err1 := strconv.ParseInt(ms, 10, 64)
	var err2 error
	e.Actor, err2 = strconv.ParseInt(actor, 10, 64)
	if err := cmp.Or(err1, err2, decodeAuditData(data, &e.Data)); err != nil {
		return AuditEntry{}, fmt.Errorf("audit: %w", err)
	}
	e.At = time.UnixMilli(t)
	return e, nil
}

// reportEntry is the audit entry of report id: kind ach.report, the report's time and
// reporter, data its id, unit and categories. Its body (what its hash covers) is "@<id> " and
// the report's record as recorded (an undone report's mark left out), so the chain covers
// every report's content.
func reportEntry(hash, id, record string) (AuditEntry, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return AuditEntry{}, fmt.Errorf("audit: malformed entry")
	}
	if record == "" {
		return AuditEntry{}, fmt.Errorf("audit: report %d is missing", n)
	}
	a, _, err := decodeAchievement(n, record, nil)
	if err != nil {
		return AuditEntry{}, fmt.Errorf("audit: %w", err)
	}
	cats := make([]any, len(a.Categories))
	for i, c := range a.Categories {
		cats[i] = c
	}
	return AuditEntry{At: a.At, Kind: "ach.report", Actor: a.Reporter.ID, Hash: hash,
		Body: "@" + id + " " + strings.TrimPrefix(record, "x"),
		Data: map[string]any{"id": json.Number(id), "unit": json.Number(strconv.Itoa(a.Unit)), "c": cats}}, nil
}

func parseAuditV1(hash, rest string) (AuditEntry, error) {
	_, body, ok := strings.Cut(rest, " ")
	if !ok {
		return AuditEntry{}, fmt.Errorf("audit: malformed entry")
	}
	var raw struct {
		T int64           `json:"t"`
		K string          `json:"k"`
		A json.Number     `json:"a"`
		D json.RawMessage `json:"d"`
	}
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		return AuditEntry{}, fmt.Errorf("audit: %w", err)
	}
	e := AuditEntry{At: time.UnixMilli(raw.T), Kind: raw.K, Hash: hash, Body: body}
	e.Actor, _ = raw.A.Int64()
	if err := decodeAuditData(string(raw.D), &e.Data); err != nil {
		return AuditEntry{}, fmt.Errorf("audit: %w", err)
	}
	return e, nil
}

// decodeAuditData decodes an entry's data, numbers as json.Number (ids stay exact).
func decodeAuditData(s string, out *map[string]any) error {
	if s == "" || s == "null" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any // cjson writes an empty table as {} and a list as [...]
	if err := dec.Decode(&v); err != nil {
		return err
	}
	if m, ok := v.(map[string]any); ok {
		*out = m
	}
	return nil
}

// chainHash is the hash of an entry whose body is body after an entry whose hash is prev.
func chainHash(prev, body string) string { return sha1hex(prev + "\n" + body) }

// AuditHead is the hash of the newest audit entry: the receipt of everything before it.
func (s *Store) AuditHead(ctx context.Context, chatID int64) (string, error) {
	v, err := s.rdb.HGet(ctx, rkeys.ForChat(chatID).Bloc(), "audit_head").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", err
	}
	return v, nil
}

// recentAuditScript returns the log's length, its head, then its newest ARGV[1] entries, oldest
// first, each followed by the record of the report it refers to (empty for other entries):
// KEYS[1] the log, KEYS[2] the bloc, KEYS[3] the reports. One read, so nothing is appended
// in between.
var recentAuditScript = redis.NewScript(`
local AUDIT, BLOC, ACH = KEYS[1], KEYS[2], KEYS[3]
local out = {tostring(redis.call('LLEN', AUDIT)), redis.call('HGET', BLOC, 'audit_head') or ''}
for _, l in ipairs(redis.call('LRANGE', AUDIT, -tonumber(ARGV[1]), -1)) do
  out[#out + 1] = l
  local id = string.match(l, '^%S+ @(%d+)$')
  out[#out + 1] = id and redis.call('LINDEX', ACH, tonumber(id) - 1) or ''
end
return out
`)

// RecentAudit returns the newest n entries, newest first. The newest one's Hash is the head
// in full (when the head is its hash).
func (s *Store) RecentAudit(ctx context.Context, chatID int64, n int) ([]AuditEntry, error) {
	if n <= 0 {
		return nil, nil
	}
	ck := rkeys.ForChat(chatID)
	v, err := recentAuditScript.Run(ctx, s.rdb, []string{ck.Audit(), ck.Bloc(), ck.Achievements()}, n).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if len(v) < 2 || len(v)%2 != 0 {
		return nil, fmt.Errorf("audit: unexpected reply")
	}
	total, _ := strconv.ParseInt(v[0], 10, 64)
	head, lines := v[1], v[2:]
	count := len(lines) / 2
	out := make([]AuditEntry, 0, count)
	for i := count - 1; i >= 0; i-- {
		e, err := parseAudit(lines[2*i], lines[2*i+1])
		if hash, ref, ok := strings.Cut(lines[2*i], " @"); err != nil && ok {
			// A report's entry whose record is missing or broken: shown by its number
			// (VerifyAudit says what is wrong).
			e, err = AuditEntry{Kind: "ach.report", Hash: hash, Data: map[string]any{"id": json.Number(ref)}}, nil
		}
		if err != nil {
			return nil, err
		}
		e.Seq = total - int64(count-1-i)
		if i == count-1 && strings.HasPrefix(head, e.Hash) {
			e.Hash = head
		}
		out = append(out, e)
	}
	return out, nil
}

// AuditBreak is a chain that does not verify: Entry (from 1) is the first entry that does not
// match (it, or an entry before it, was changed, removed or inserted; for a report's entry,
// the report's record too), or, with Head, the chain of Entry entries is whole but does not
// end at the head the bloc keeps (entries after it were removed, or the head was changed).
type AuditBreak struct {
	Entry  int
	Head   bool
	reason string
}

func (e *AuditBreak) Error() string { return e.reason }

// VerifyAudit checks the whole chain: it recomputes each entry's hash from the one before and
// its body (a report's entry: from the report's record), compares it with what the entry
// keeps of it, and the last one with the head. It returns the number of entries and the head.
// A chain that does not verify is an *AuditBreak; any other error is Redis's (nothing is known
// of the chain then).
func (s *Store) VerifyAudit(ctx context.Context, chatID int64) (int, string, error) {
	// The chain, the reports and the head are read in one transaction: an entry appended in
	// between would otherwise look like a broken chain.
	ck := rkeys.ForChat(chatID)
	var linesCmd, reportsCmd *redis.StringSliceCmd
	var headCmd *redis.StringCmd
	if _, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		linesCmd = p.LRange(ctx, ck.Audit(), 0, -1)
		reportsCmd = p.LRange(ctx, ck.Achievements(), 0, -1)
		headCmd = p.HGet(ctx, ck.Bloc(), "audit_head")
		return nil
	}); err != nil && !errors.Is(err, redis.Nil) {
		return 0, "", err
	}
	lines, reports, head := linesCmd.Val(), reportsCmd.Val(), headCmd.Val()
	prev := ""
	for i, line := range lines {
		record := ""
		if _, ref, ok := strings.Cut(line, " @"); ok {
			if id, err := strconv.Atoi(ref); err == nil && id >= 1 && id <= len(reports) {
				record = reports[id-1]
			}
		}
		e, err := parseAudit(line, record)
		if err != nil {
			return i, prev, &AuditBreak{Entry: i + 1, reason: fmt.Sprintf("audit entry %d: %v", i+1, err)}
		}
		h := chainHash(prev, e.Body)
		if len(e.Hash) < 8 || !strings.HasPrefix(h, e.Hash) {
			return i, prev, &AuditBreak{Entry: i + 1,
				reason: fmt.Sprintf("audit entry %d does not match the chain: it, or an entry before it, was changed, removed or inserted", i+1)}
		}
		prev = h
	}
	if head != prev {
		return len(lines), prev, &AuditBreak{Entry: len(lines), Head: true, reason: fmt.Sprintf("audit head %s, chain ends at %s", head, prev)}
	}
	return len(lines), prev, nil
}
