package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/domain"
	"thiduabot/rkeys"
)

// Quick polls on Redis: an open poll is a hash (rkeys Poll) with its card (question, options,
// author, deadline), state and a counter per option (c0, c1, ...), and a hash of each person's
// choices (PollVotes). A press is one script: it applies domain.PollChoose to the person's
// choices and moves the counters, so the counts on the buttons are always exact.
//
// When a poll closes, what a closed poll shows (its card, final counts, voters and group
// message) is squashed into one line of the bloc's list of closed polls (rkeys ClosedPolls,
// element n-1 for poll n) and both hashes are deleted: nobody's choices are shown or needed
// once the counts are final. A hash of a poll is a hashtable (its card passes 64 bytes) of
// about 1.2 KB with its choices; the line is about 200 bytes, and two keys fewer.

// PollTTL is how long a closed poll's result is kept.
const PollTTL = 180 * 24 * time.Hour

// PollCard is a poll as drawn: fixed when it opens.
type PollCard struct {
	ID         string   `json:"-"` // the poll's id, not stored in the card
	Question   string   `json:"q"`
	Options    []string `json:"o"`
	Multi      bool     `json:"multi,omitempty"`
	Author     string   `json:"a"` // person id (a string: Telegram ids pass 2^53 in Lua)
	AuthorName string   `json:"an"`
	Deadline   int64    `json:"dl,omitempty"` // unix ms; 0: until closed
	Opened     int64    `json:"op"`
	TZ         string   `json:"tz,omitempty"` // the bloc's time zone when it opened
}

// decodeCard reads a stored card of poll id.
func decodeCard(id, raw string) (PollCard, error) {
	var c PollCard
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return PollCard{}, err
	}
	c.ID = id
	return c, nil
}

// DeadlineTime is when the poll closes by itself (zero when it does not).
func (c *PollCard) DeadlineTime() time.Time { return fromMSInt(c.Deadline) }

// PollState is a poll with its counts.
type PollState struct {
	Card      PollCard
	Counts    []int
	Voters    int
	Open      bool
	MessageID int
	Lang      string
	// Mine is the presser's choices after a press.
	Mine []int
	// Change is what a press did: "add", "remove", "move".
	Change string
	// Version counts the presses: the higher, the newer the counts (orders edits).
	Version int64
	Dup     bool
}

var openPollScript = NewScript(`
if not has_bloc() then return done('err:nobloc') end
local P = KEYS[5]
if redis.call('EXISTS', P) == 1 then return done('err:exists') end
local n = tonumber(ARGV[6])
redis.call('HSET', P, 'state', 'open', 'card', ARGV[5], 'n', n, 'multi', ARGV[7], 'author', ACTOR,
  'dl', ARGV[8], 'opened', NOW, 'voters', 0, 'msg', '')
for i = 0, n - 1 do redis.call('HSET', P, 'c' .. i, 0) end
audit('poll.open', {poll = ARGV[4], question = ARGV[9], options = n})
return done(ARGV[5])
`)

// OpenPoll opens a poll by author. The deadline is now + spec.Duration (none when 0); tz is
// the time zone its times are shown in.
func (s *Store) OpenPoll(ctx context.Context, chatID int64, op Op, spec domain.PollSpec, author domain.Person, tz string) (PollCard, bool, error) {
	if len(spec.Options) < domain.MinPollOptions || len(spec.Options) > domain.MaxPollOptions {
		return PollCard{}, false, domain.ErrInvalidArgs
	}
	ck := rkeys.ForChat(chatID)
	n, err := s.rdb.HIncrBy(ctx, ck.Counter(), "poll", 1).Result()
	if err != nil {
		return PollCard{}, false, fmt.Errorf("poll id: %w", err)
	}
	id := strconv.FormatInt(n, 10)
	now := s.clk.Now()
	card := PollCard{ID: id, Question: spec.Question, Options: spec.Options, Multi: spec.Multi,
		Author: strconv.FormatInt(author.ID, 10), AuthorName: author.Name, Opened: now.UnixMilli(), TZ: tz}
	if spec.Duration > 0 {
		card.Deadline = now.Add(spec.Duration).UnixMilli()
	}
	multi := "0"
	if spec.Multi {
		multi = "1"
	}
	res, err := s.Run(ctx, openPollScript, chatID, op, []string{ck.Poll(id)},
		id, mustJSON(card), len(spec.Options), multi, card.Deadline, spec.Question)
	if err != nil {
		return PollCard{}, false, err
	}
	if err := scriptErr(res.Value); err != nil {
		return PollCard{}, false, err
	}
	out, err := decodeCard(id, res.Value)
	if err != nil {
		return PollCard{}, false, fmt.Errorf("open poll: %w", err)
	}
	return out, res.Dup, nil
}

// The press script. Like the ballot's vote script, its stored result (replayed for a duplicate)
// is the part before the newline; the first run adds the card and the message id.
// closedPoll is the Lua that tells a poll that is not open (its hash is gone): 'closed' when
// the list of closed polls (CLOSED) has its result, else 'notfound'.
const closedPoll = `
local function closed_or_missing(id)
  local k = tonumber(id)
  local r = k and k >= 1 and k == math.floor(k) and redis.call('LINDEX', CLOSED, k - 1)
  if r and r ~= '' then return 'closed' end
  return 'notfound'
end
`

var pollVoteScript = NewScript(`
local P, PV, CLOSED = KEYS[5], KEYS[6], KEYS[7]
local id, opt, k = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[7]) or 0
` + closedPoll + `
local lang = redis.call('HGET', BLOC, 'lang') or ''
-- The answer is fields joined by the record separator: error, language, change, the presser's
-- choices, then the voters and each option's count (comma-separated). A refusal is its code
-- and the language.
local RS = '\30'
local function fail(code) return done(code .. RS .. lang) end
-- ARGV[7] is how many options the caller's card has (0: it holds none): their counts come
-- with the poll's state, so a press reads the poll once and writes it once.
local function with_counts(fields, n) -- the fields of the first n options' counts, appended
  for i = 0, n - 1 do fields[#fields + 1] = 'c' .. i end
  return fields
end
local st = redis.call('HMGET', P, unpack(with_counts({'state', 'dl', 'n', 'multi', 'msg', 'opened', 'ver', 'voters'}, k)))
if not st[1] then return fail(closed_or_missing(id)) end
local dl = tonumber(st[2] or '0')
if st[1] ~= 'open' or (dl > 0 and NOW >= dl) then return fail('closed') end
local n = tonumber(st[3])
if not opt or opt < 0 or opt >= n or opt ~= math.floor(opt) then return fail('badopt') end
local counts = {}
if k == n then
  for i = 0, n - 1 do counts[i] = tonumber(st[9 + i] or '0') end
else
  local c = redis.call('HMGET', P, unpack(with_counts({}, n)))
  for i = 0, n - 1 do counts[i] = tonumber(c[i + 1] or '0') end
end
local voters = tonumber(st[8] or '0')
local cur = redis.call('HGET', PV, ACTOR) or ','
local key = ',' .. opt .. ','
local has = string.find(cur, key, 1, true) ~= nil
local new, change
local touched = {}
local function add(c, d)
  counts[c] = counts[c] + d
  touched[c] = true
end
if st[4] ~= '1' then
  for c in string.gmatch(cur, '%d+') do
    local ci = tonumber(c)
    if counts[ci] then add(ci, -1) end
  end
  if has then
    new, change = ',', 'remove'
  else
    new = key
    change = (cur == ',') and 'add' or 'move'
    add(opt, 1)
  end
else
  if has then
    new = string.gsub(cur, key, ',', 1)
    change = 'remove'
    add(opt, -1)
  else
    new = cur .. opt .. ','
    change = 'add'
    add(opt, 1)
  end
end
if cur == ',' and new ~= ',' then voters = voters + 1 end
if cur ~= ',' and new == ',' then voters = voters - 1 end
if new == ',' then redis.call('HDEL', PV, ACTOR) else redis.call('HSET', PV, ACTOR, new) end
local ver = tonumber(st[7] or '0') + 1
local set = {'ver', ver, 'voters', voters}
for c in pairs(touched) do
  set[#set + 1] = 'c' .. c
  set[#set + 1] = counts[c]
end
redis.call('HSET', P, unpack(set))
local c = {voters}
for i = 0, n - 1 do c[#c + 1] = counts[i] end
local s = table.concat({'', lang, change, new, table.concat(c, ',')}, RS)
done(s)
-- Then the group message, the version, when the poll opened, and the card unless the caller
-- holds it (ARGV[6]: the opening time of the card it holds, cards.go).
local opened = st[6] or ''
local card = ''
if opened == '' or opened ~= ARGV[6] then card = redis.call('HGET', P, 'card') or '' end
return {0, s .. '\n' .. (st[5] or '') .. ' ' .. ver .. ' ' .. opened .. '\n' .. card}
`)

var pollErrs = map[string]error{
	"notfound": domain.ErrNotFound,
	"closed":   domain.ErrClosed,
	"badopt":   domain.ErrInvalidArgs,
	"nobloc":   domain.ErrNoBloc,
}

// PollVote applies a person's press on option opt (0-based), in one round trip. A refusal is
// a domain error (ErrClosed, ErrNotFound, ErrInvalidArgs) with a state that carries the
// chat's language. On a replay (Dup) the card is empty.
func (s *Store) PollVote(ctx context.Context, chatID int64, op Op, pollID string, opt int) (PollState, error) {
	ck := rkeys.ForChat(chatID)
	key := cardKey{chatID, pollID}
	held := s.pollCards.have(key)
	res, err := s.Run(ctx, pollVoteScript, chatID, op, []string{ck.Poll(pollID), ck.PollVotes(pollID), ck.ClosedPolls()},
		pollID, opt, held.opened, len(held.card.Options))
	if err != nil {
		return PollState{}, err
	}
	parts := strings.SplitN(res.Value, "\n", 3)
	short, err := decodePollShort(parts[0])
	if err != nil {
		return PollState{}, err
	}
	ps := PollState{Lang: short.L, Change: short.Ch, Open: true, Dup: res.Dup}
	if short.E != "" {
		e, ok := pollErrs[short.E]
		if !ok {
			e = fmt.Errorf("poll vote: %s", short.E)
		}
		return ps, e
	}
	for _, x := range strings.Split(strings.Trim(short.Mine, ","), ",") {
		if n, err := strconv.Atoi(x); err == nil {
			ps.Mine = append(ps.Mine, n)
		}
	}
	if len(short.C) > 0 {
		ps.Voters, _ = strconv.Atoi(short.C[0])
		for _, x := range short.C[1:] {
			n, _ := strconv.Atoi(x)
			ps.Counts = append(ps.Counts, n)
		}
	}
	if len(parts) == 3 {
		f := strings.Split(parts[1], " ")
		if len(f) != 3 {
			return PollState{}, fmt.Errorf("poll vote: malformed answer %q", parts[1])
		}
		ps.MessageID, _ = strconv.Atoi(f[0])
		ps.Version, _ = strconv.ParseInt(f[1], 10, 64)
		if ps.Card, err = s.pollCards.resolve(key, held, f[2], parts[2], func(raw string) (PollCard, error) { return decodeCard(pollID, raw) }); err != nil {
			return PollState{}, fmt.Errorf("poll vote: card: %w", err)
		}
	}
	return ps, nil
}

// pollShort is a poll press's stored answer (also what a replay returns).
type pollShort struct {
	E    string   `json:"e"`
	L    string   `json:"l"`
	Ch   string   `json:"ch"`
	Mine string   `json:"mine"`
	C    []string `json:"c"` // the voters, then each option's count
}

// decodePollShort reads a poll press's stored answer: fields joined by the record separator,
// or JSON as stored before.
func decodePollShort(v string) (pollShort, error) {
	if strings.HasPrefix(v, "{") {
		var j pollShort
		if err := json.Unmarshal([]byte(v), &j); err != nil {
			return pollShort{}, fmt.Errorf("poll vote: %w", err)
		}
		return j, nil
	}
	f := strings.Split(v, "\x1e")
	switch {
	case len(f) == 2 && f[0] != "": // a refusal: code and language
		return pollShort{E: f[0], L: f[1]}, nil
	case len(f) == 5 && f[0] == "":
		return pollShort{L: f[1], Ch: f[2], Mine: f[3], C: strings.Split(f[4], ",")}, nil
	}
	return pollShort{}, fmt.Errorf("poll vote: malformed answer %q", v)
}

// closePollScript squashes the poll into its line of the closed polls (KEYS[7]): "<closed
// unix ms> <reason> <voters> <group message> <counts, comma-separated> <card JSON>", deletes
// its hashes, and drops the results of the polls closed longer than PollTTL ago (the oldest
// two at most, from the list of closings KEYS[8]).
var closePollScript = NewScript(`
local P, PV, CLOSED, ORDER = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local id, mgr, reason, ttl = ARGV[4], ARGV[5] == '1', ARGV[6], tonumber(ARGV[7])
` + closedPoll + `
local lang = redis.call('HGET', BLOC, 'lang') or ''
local st = redis.call('HMGET', P, 'state', 'author', 'n')
if not st[1] then return done('err:' .. closed_or_missing(id)) end
if reason ~= 'deadline' and ACTOR ~= st[2] and not mgr then return done('err:forbidden') end
local n = tonumber(st[3])
local f = {'voters', 'msg', 'card'}
for i = 0, n - 1 do f[#f + 1] = 'c' .. i end
local c = redis.call('HMGET', P, unpack(f))
local card = c[3]
table.remove(c, 3)
local counts = {}
for i = 3, #c do counts[#counts + 1] = c[i] end
local k = tonumber(id)
local len = redis.call('LLEN', CLOSED)
if len < k then
  local pad = {}
  for _ = len + 1, k do pad[#pad + 1] = '' end
  redis.call('RPUSH', CLOSED, unpack(pad))
end
redis.call('LSET', CLOSED, k - 1, table.concat({ARGV[2], reason, c[1], c[2], table.concat(counts, ','), card}, ' '))
redis.call('DEL', P, PV)
redis.call('RPUSH', ORDER, ARGV[2] .. ':' .. id)
for _ = 1, 2 do
  local t, old = string.match(redis.call('LINDEX', ORDER, 0), '^(%d+):(%d+)$')
  if tonumber(t) > NOW - ttl then break end
  redis.call('LSET', CLOSED, tonumber(old) - 1, '')
  redis.call('LPOP', ORDER)
end
audit('poll.close', {poll = id, voters = tonumber(c[1]), reason = reason})
return done(cjson.encode({l = lang, c = c}) .. '\n' .. card)
`)

// ClosePoll closes a poll: by its author or a manager (manager says the closer is one), or at
// its deadline (reason "deadline"). Exactly one close succeeds; the others get
// domain.ErrClosed. A person who may not close it gets domain.ErrForbidden.
func (s *Store) ClosePoll(ctx context.Context, chatID int64, op Op, pollID string, manager bool, reason string) (PollState, error) {
	ck := rkeys.ForChat(chatID)
	mgr := "0"
	if manager {
		mgr = "1"
	}
	if strings.ContainsAny(reason, " \n") {
		return PollState{}, fmt.Errorf("close poll: reason %q", reason)
	}
	res, err := s.Run(ctx, closePollScript, chatID, op,
		[]string{ck.Poll(pollID), ck.PollVotes(pollID), ck.ClosedPolls(), ck.ClosedPollsOrder()},
		pollID, mgr, reason, PollTTL.Milliseconds())
	if err != nil {
		return PollState{}, err
	}
	if err := scriptErr(res.Value); err != nil {
		return PollState{}, err
	}
	head, cardJSON, _ := strings.Cut(res.Value, "\n")
	var out struct {
		L string   `json:"l"`
		C []string `json:"c"`
	}
	if err := json.Unmarshal([]byte(head), &out); err != nil {
		return PollState{}, fmt.Errorf("close poll: %w", err)
	}
	ps := PollState{Lang: out.L, Dup: res.Dup}
	if ps.Card, err = decodeCard(pollID, cardJSON); err != nil {
		return PollState{}, fmt.Errorf("close poll: card: %w", err)
	}
	if len(out.C) >= 2 {
		ps.Voters, _ = strconv.Atoi(out.C[0])
		ps.MessageID, _ = strconv.Atoi(out.C[1])
		for _, x := range out.C[2:] {
			n, _ := strconv.Atoi(x)
			ps.Counts = append(ps.Counts, n)
		}
	}
	return ps, nil
}

// LoadPoll reads a poll with its counts, open or closed, in one round trip.
// domain.ErrNotFound when there is none (or it closed longer than PollTTL ago).
func (s *Store) LoadPoll(ctx context.Context, chatID int64, pollID string) (PollState, error) {
	ck := rkeys.ForChat(chatID)
	n, err := strconv.ParseInt(pollID, 10, 64)
	if err != nil || n < 1 {
		return PollState{}, domain.ErrNotFound
	}
	pipe := s.rdb.Pipeline()
	h := pipe.HGetAll(ctx, ck.Poll(pollID))
	closed := pipe.LIndex(ctx, ck.ClosedPolls(), n-1)
	lang := pipe.HGet(ctx, ck.Bloc(), "lang")
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return PollState{}, fmt.Errorf("load poll: %w", err)
	}
	m := h.Val()
	if len(m) == 0 {
		return loadClosedPoll(pollID, closed.Val(), lang.Val())
	}
	ps := PollState{Open: m["state"] == "open", Lang: lang.Val()}
	if ps.Card, err = decodeCard(pollID, m["card"]); err != nil {
		return PollState{}, fmt.Errorf("load poll: %w", err)
	}
	ps.Voters, _ = strconv.Atoi(m["voters"])
	ps.MessageID, _ = strconv.Atoi(m["msg"])
	for i := range ps.Card.Options {
		n, _ := strconv.Atoi(m["c"+strconv.Itoa(i)])
		ps.Counts = append(ps.Counts, n)
	}
	return ps, nil
}

// PollCounts reads an open poll's counts and voters for options options, without its card:
// what a redraw of its message needs when it goes out, so it shows every replica's presses.
// open is false once the poll has closed (its close draws the result). One round trip, shared
// with the scripts of concurrent updates (readTogether).
func (s *Store) PollCounts(ctx context.Context, chatID int64, pollID string, options int) (counts []int, voters int, open bool, err error) {
	args := make([]any, 0, 4+options)
	args = append(args, "hmget", rkeys.ForChat(chatID).Poll(pollID), "state", "voters")
	for i := 0; i < options; i++ {
		args = append(args, "c"+strconv.Itoa(i))
	}
	cmd := redis.NewSliceCmd(ctx, args...)
	if err := s.readTogether(ctx, cmd); err != nil {
		return nil, 0, false, fmt.Errorf("poll counts: %w", err)
	}
	vals := cmd.Val()
	str := func(i int) string { v, _ := vals[i].(string); return v }
	if str(0) != "open" {
		return nil, 0, false, nil
	}
	voters, _ = strconv.Atoi(str(1))
	for i := 0; i < options; i++ {
		n, _ := strconv.Atoi(str(2 + i))
		counts = append(counts, n)
	}
	return counts, voters, true, nil
}

// loadClosedPoll reads a closed poll's line (closePollScript).
func loadClosedPoll(pollID, line, lang string) (PollState, error) {
	f := strings.SplitN(line, " ", 6)
	if len(f) != 6 {
		return PollState{}, domain.ErrNotFound
	}
	ps := PollState{Lang: lang}
	var err error
	if ps.Card, err = decodeCard(pollID, f[5]); err != nil {
		return PollState{}, fmt.Errorf("load poll: %w", err)
	}
	ps.Voters, _ = strconv.Atoi(f[2])
	ps.MessageID, _ = strconv.Atoi(f[3])
	for _, x := range strings.Split(f[4], ",") {
		n, _ := strconv.Atoi(x)
		ps.Counts = append(ps.Counts, n)
	}
	return ps, nil
}

var pollFieldScript = NewScript(`
if redis.call('EXISTS', KEYS[5]) == 0 then return done('err:notfound') end
redis.call('HSET', KEYS[5], ARGV[4], ARGV[5])
return done('ok')
`)

// SetPollMessage records the group message that shows a poll.
func (s *Store) SetPollMessage(ctx context.Context, chatID int64, pollID string, messageID int) error {
	res, err := s.Run(ctx, pollFieldScript, chatID, Op{}, []string{rkeys.ForChat(chatID).Poll(pollID)}, "msg", messageID)
	if err != nil {
		return err
	}
	return scriptErr(res.Value)
}

// PollChoices returns every person's choices while the poll is open (for tests and recounts).
func (s *Store) PollChoices(ctx context.Context, chatID int64, pollID string) (map[int64][]int, error) {
	m, err := s.rdb.HGetAll(ctx, rkeys.ForChat(chatID).PollVotes(pollID)).Result()
	if err != nil {
		return nil, err
	}
	out := map[int64][]int{}
	for k, v := range m {
		pid, _ := strconv.ParseInt(k, 10, 64)
		for _, x := range strings.Split(strings.Trim(v, ","), ",") {
			if n, err := strconv.Atoi(x); err == nil {
				out[pid] = append(out[pid], n)
			}
		}
	}
	return out, nil
}
