package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/domain"
	"thiduabot/rkeys"
)

// Ballots on Redis. A ballot is a hash (rkeys Ballot) with its rules, state and a "card": the
// JSON of everything needed to draw it (rules, candidates and eligible units with their names),
// fixed when it opens. Units' ballots are fields of that hash ("v:<unit>", with "voted" the
// units that voted, in order), so a vote reads and writes one key; a secret ballot's are
// deleted when it closes. Ballots opened before that (no "vf" field) keep them in a second
// hash (BallotVotes), which the scripts and readers still handle.
//
// Three scripts change ballots, each in one round trip (RunDurable: with redis.wait_replicas
// set, the WAIT rides in the same pipeline):
//   - open: checks no ballot for the position is open, takes the candidates from the units
//     (for deputy, without the year's chair) and the rules from the bloc's settings;
//   - vote: checks the presser's unit, the ballot, the candidate; records the unit's ballot;
//     returns what the handler needs to answer and redraw the group message;
//   - close: flips open -> closed, tallies, records the winner as chair or deputy of the year,
//     opens the runoff when there is one, deletes a secret ballot's per-unit choices, appends
//     the result to the audit chain. Only the run that flips the state gets a fresh result.

// BallotCard is a ballot as drawn: fixed when it opens.
type BallotCard struct {
	ID        string          `json:"id"`
	Pos       domain.Position `json:"pos"`
	Year      int             `json:"year"`
	Round     int             `json:"round"`
	Base      string          `json:"base"`
	Secret    bool            `json:"secret"`
	Quorum    string          `json:"q"`
	Majority  string          `json:"m"`
	SelfVote  bool            `json:"self"`
	MaxRounds int             `json:"maxr"`
	Deadline  int64           `json:"dl"`  // unix ms; 0: none
	Duration  int64           `json:"dur"` // ms the first round was open for (runoffs get as long)
	Opened    int64           `json:"opened"`
	Cands     []CardUnit      `json:"cands"`
	Elig      []CardUnit      `json:"elig"`
}

// CardUnit is a unit on a ballot card.
type CardUnit struct {
	ID   int    `json:"id"`
	Name string `json:"n"`
}

// Rules are the card's rules.
func (c *BallotCard) Rules() domain.BallotRules {
	return domain.BallotRules{Secret: c.Secret, Quorum: parseRule(c.Quorum), Majority: parseRule(c.Majority),
		SelfVote: c.SelfVote, MaxRounds: c.MaxRounds}
}

// DeadlineTime is the deadline (zero when none).
func (c *BallotCard) DeadlineTime() time.Time { return fromMSInt(c.Deadline) }

// OpenedTime is when the ballot opened.
func (c *BallotCard) OpenedTime() time.Time { return fromMSInt(c.Opened) }

// Name is the name of a unit on the card (candidate or eligible).
func (c *BallotCard) Name(id int) string {
	for _, u := range c.Elig {
		if u.ID == id {
			return u.Name
		}
	}
	for _, u := range c.Cands {
		if u.ID == id {
			return u.Name
		}
	}
	return "#" + strconv.Itoa(id)
}

// CandIDs lists the candidates' ids.
func (c *BallotCard) CandIDs() []int {
	out := make([]int, len(c.Cands))
	for i, u := range c.Cands {
		out[i] = u.ID
	}
	return out
}

func fromMSInt(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}

// parseRule reads a threshold as stored: "num/den/atleast".
func parseRule(s string) domain.Threshold {
	p := strings.Split(s, "/")
	if len(p) != 3 {
		return domain.MoreThanHalf
	}
	n, _ := strconv.Atoi(p[0])
	d, _ := strconv.Atoi(p[1])
	t := domain.Threshold{Num: n, Den: d, AtLeast: p[2] == "1"}
	if !t.Valid() {
		return domain.MoreThanHalf
	}
	return t
}

func ruleArg(t domain.Threshold) string {
	a := "0"
	if t.AtLeast {
		a = "1"
	}
	return strconv.Itoa(t.Num) + "/" + strconv.Itoa(t.Den) + "/" + a
}

// RunoffID is the id of the runoff of ballot id: "5" -> "5.2", "5.2" -> "5.3".
func RunoffID(id string) string {
	base, round, ok := strings.Cut(id, ".")
	r := 1
	if ok {
		r, _ = strconv.Atoi(round)
	}
	return base + "." + strconv.Itoa(r+1)
}

// ints is a list of ints that also reads cjson's empty table ({}).
type ints []int

func (v *ints) UnmarshalJSON(b []byte) error {
	if string(b) == "{}" || string(b) == "null" {
		*v = nil
		return nil
	}
	var x []int
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*v = x
	return nil
}

// UnitChoice is one unit's ballot in an open (non-secret) ballot's result.
type UnitChoice struct {
	Unit int `json:"u"`
	Cand int `json:"c"`
}

type choices []UnitChoice

func (v *choices) UnmarshalJSON(b []byte) error {
	if string(b) == "{}" || string(b) == "null" {
		*v = nil
		return nil
	}
	var x []UnitChoice
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	sort.Slice(x, func(i, j int) bool { return x[i].Unit < x[j].Unit })
	*v = x
	return nil
}

// BallotResult is a closed ballot's result.
type BallotResult struct {
	ID        string                  `json:"id"`
	Pos       domain.Position         `json:"pos"`
	Year      int                     `json:"year"`
	Round     int                     `json:"round"`
	Decision  domain.Decision         `json:"decision"`
	Winner    int                     `json:"winner"`
	Leaders   ints                    `json:"leaders"`
	Counts    []domain.CandidateVotes `json:"counts"`
	Cast      int                     `json:"cast"`
	Eligible  int                     `json:"elig"`
	QuorumMet bool                    `json:"quorum"`
	Voted     ints                    `json:"voted"`
	By        choices                 `json:"by"` // open ballots only
	Reason    string                  `json:"reason"`
	Closed    int64                   `json:"closed"`
	ClosedBy  string                  `json:"closedby"`
	// Head is the hash of the audit entry that records the result: the receipt.
	Head string `json:"head"`
	// Prev is the unit that held the position for the year before (0: none); PrevYear the one
	// of the year before that.
	Prev          int    `json:"prev"`
	PrevYear      int    `json:"prevyear"`
	DeputyCleared int    `json:"depcleared"` // the new chair was the year's deputy
	Runoff        string `json:"runoff"`     // id of the runoff opened
	Lang          string `json:"lang"`
	TZ            string `json:"tz"`
	MessageID     int    `json:"msg"` // the ballot's group message

}

// ClosedTime is when the ballot closed.
func (r *BallotResult) ClosedTime() time.Time { return fromMSInt(r.Closed) }

// Outcome is the result as the domain's Outcome.
func (r *BallotResult) Outcome() domain.Outcome {
	return domain.Outcome{Decision: r.Decision, Winner: r.Winner, Leaders: r.Leaders, QuorumMet: r.QuorumMet,
		Cast: r.Cast, Eligible: r.Eligible, Counts: r.Counts}
}

// BallotView is a ballot as read: its card, state, who has voted, and its result once closed.
type BallotView struct {
	Card      BallotCard
	Open      bool
	Voted     []int // units that have voted (while open; from the result once closed)
	MessageID int
	Announced bool
	Result    *BallotResult
}

// Errors of ballots beyond the domain's.
var (
	// ErrBallotOpen is returned by OpenBallot when a ballot for the position is open; ID names it.
	ErrBallotOpen = errors.New("a ballot for this position is open")
)

// BallotOpenError says which ballot is open.
type BallotOpenError struct{ ID string }

func (e BallotOpenError) Error() string { return "ballot " + e.ID + " is open" }
func (e BallotOpenError) Unwrap() error { return ErrBallotOpen }

var openBallotScript = NewScript(`
if not has_bloc() then return done('err:nobloc') end
local B, OPEN, UNITS, LIST, SEQ = KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local id, pos, year, mode, dl, maxr = ARGV[4], ARGV[5], tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])
-- The caller guessed the next id; if another ballot took it meanwhile, it guesses again (this
-- answer is not recorded, so the retry runs the script anew).
if tonumber(redis.call('HGET', SEQ, 'ballot') or '0') + 1 ~= tonumber(id) then return {0, 'retry'} end
local cur = redis.call('HGET', OPEN, pos)
if cur then return done('err:open:' .. cur) end
if pos == 'deputy' and redis.call('HGET', OPEN, 'chair') then return done('err:chairopen') end
-- The other way round too: a chair elected while the deputy ballot is open would still be one
-- of its candidates, and could end up both.
if pos == 'chair' and redis.call('HGET', OPEN, 'deputy') then return done('err:deputyopen') end
-- The bloc's rules, or where it has set none the operator's defaults (ARGV[10] to [12]); the
-- rounds a ballot may take, the bloc's or the default (ARGV[9]).
local cfg = redis.call('HMGET', BLOC, 'ballot_q', 'ballot_m', 'ballot_self', 'ballot_mode', 'ballot_r')
local q, m, self = cfg[1] or ARGV[10], cfg[2] or ARGV[11], (cfg[3] or ARGV[12]) == '1'
maxr = tonumber(cfg[5] or '') or maxr
if mode == '' then mode = cfg[4] or 'secret' end
local secret = mode ~= 'open'
local all = redis.call('HGETALL', UNITS)
local units = {}
for i = 1, #all, 2 do units[#units + 1] = {id = tonumber(all[i]), n = all[i + 1]} end
table.sort(units, function(a, b) return a.id < b.id end)
local excl = -1
if pos == 'deputy' then excl = tonumber(redis.call('HGET', BLOC, 'chair:' .. year) or '-1') end
local cands, elig, cs, es = {}, {}, ',', ','
for _, u in ipairs(units) do
  -- Separate tables: an encoder (miniredis's cjson in the sandbox) may take a table met twice
  -- for a cycle.
  elig[#elig + 1] = {id = u.id, n = u.n}
  es = es .. u.id .. ','
  if u.id ~= excl then
    cands[#cands + 1] = {id = u.id, n = u.n}
    cs = cs .. u.id .. ','
  end
end
if #cands < 2 then return done('err:units') end
local dur = 0
if dl > 0 then dur = dl - NOW end
local card = cjson.encode({id = id, pos = pos, year = year, round = 1, base = id, secret = secret, q = q, m = m,
  self = self, maxr = maxr, dl = dl, dur = dur, opened = NOW, cands = cands, elig = elig})
redis.call('HSET', B, 'state', 'open', 'pos', pos, 'year', year, 'round', 1, 'base', id,
  'secret', secret and '1' or '0', 'q', q, 'm', m, 'self', self and '1' or '0', 'maxr', maxr,
  'dl', dl, 'dur', dur, 'opened', NOW, 'by', ACTOR, 'cands', cs, 'elig', es, 'nelig', #elig, 'card', card, 'msg', '',
  'vf', '1', 'voted', ',')
redis.call('HSET', OPEN, pos, id)
redis.call('ZADD', LIST, NOW, id)
redis.call('HINCRBY', SEQ, 'ballot', 1)
audit('ballot.open.' .. pos, {ballot = id, year = year, round = 1, secret = secret, deadline = dl})
return done(card)
`)

// OpenBallotResult is what opening a ballot returns.
type OpenBallotResult struct {
	Card BallotCard
	Dup  bool
}

// OpenBallot opens a ballot for pos in year. mode is "open", "secret" or "" (the bloc's setting,
// secret by default). deadline may be zero (closed by a manager). It returns BallotOpenError
// when a ballot for pos is open, domain.ErrChairOpen for a deputy ballot while the chair's is
// open, domain.ErrDeputyOpen for a chair ballot while the deputy's is, domain.ErrNotEnoughUnits with fewer than two candidates.
func (s *Store) OpenBallot(ctx context.Context, chatID int64, op Op, pos domain.Position, year int, mode string, deadline time.Time) (OpenBallotResult, error) {
	if !pos.Valid() {
		return OpenBallotResult{}, domain.ErrBadPosition
	}
	ck := rkeys.ForChat(chatID)
	dl := int64(0)
	if !deadline.IsZero() {
		dl = deadline.UnixMilli()
	}
	// The script must declare the new ballot's keys, so the id is guessed first (the counter
	// plus one) and checked by the script, which takes it only when the ballot opens: refusals
	// waste no number.
	var res Result
	for attempt := 0; ; attempt++ {
		n, err := s.rdb.HGet(ctx, ck.Counter(), "ballot").Int64()
		if err != nil && !errors.Is(err, redis.Nil) {
			return OpenBallotResult{}, fmt.Errorf("ballot id: %w", err)
		}
		id := strconv.FormatInt(n+1, 10)
		res, err = s.RunDurable(ctx, openBallotScript, chatID, op,
			[]string{ck.Ballot(id), ck.BallotsOpen(), ck.Units(), ck.Ballots(), ck.Counter()},
			id, string(pos), year, mode, dl, domain.DefaultMaxRounds,
			ruleArg(s.ballotDefaults.Quorum), ruleArg(s.ballotDefaults.Majority), flag(s.ballotDefaults.SelfVote))
		if err != nil {
			return OpenBallotResult{}, err
		}
		if res.Value != "retry" {
			break
		}
		if attempt == 20 {
			return OpenBallotResult{}, fmt.Errorf("open ballot: no free id after %d attempts", attempt)
		}
	}
	if cur, ok := strings.CutPrefix(res.Value, "err:open:"); ok {
		return OpenBallotResult{}, BallotOpenError{ID: cur}
	}
	switch res.Value {
	case "err:chairopen":
		return OpenBallotResult{}, domain.ErrChairOpen
	case "err:deputyopen":
		return OpenBallotResult{}, domain.ErrDeputyOpen
	}
	if err := scriptErr(res.Value); err != nil {
		return OpenBallotResult{}, err
	}
	var card BallotCard
	if err := json.Unmarshal([]byte(res.Value), &card); err != nil {
		return OpenBallotResult{}, fmt.Errorf("open ballot: %w", err)
	}
	return OpenBallotResult{Card: card, Dup: res.Dup}, nil
}

// The vote script. Its stored result (the replay of a duplicate) is the short JSON before the
// first newline, without the choice in a secret ballot; the first run also returns, after it,
// the choice, the card and who has voted, for the handler to answer and redraw.
var voteScript = NewScript(`
local B, V, MEMBERS, UNITS = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local id, cand = ARGV[4], ARGV[5]
local bl = redis.call('HMGET', BLOC, 'lang', 'tz', 'audit_head')
local lang, tz = bl[1] or '', bl[2] or ''
AHEAD = bl[3] or ''
-- The answer is fields joined by the record separator (names are free of control characters):
-- error, language, unit, unit name, candidate, candidate name, change.
local RS = '\30'
local function fail(code) return done(code .. RS .. lang) end
if not bl[1] then return fail('nobloc') end -- every bloc has a language from its setup
local unit = redis.call('HGET', MEMBERS, ACTOR)
if not unit then return fail('notmember') end
local vu = 'v:' .. unit
local st = redis.call('HMGET', B, 'state', 'dl', 'cands', 'elig', 'self', 'secret', 'msg', 'opened', 'ver', 'vf', vu, 'voted')
if not st[1] then return fail('notfound') end
if st[1] ~= 'open' then return fail('closed') end
local dl = tonumber(st[2] or '0')
if dl > 0 and NOW >= dl then return fail('closed') end
if not string.find(st[4], ',' .. unit .. ',', 1, true) then return fail('ineligible') end
if not string.find(st[3], ',' .. cand .. ',', 1, true) then return fail('notcand') end
if st[5] == '0' and unit == cand then return fail('self') end
local secret = st[6] == '1'
-- A ballot opened by this code keeps each unit's ballot in its own hash (field v:<unit>) and
-- who voted in 'voted' (",3,1,"), so a vote reads and writes one key; one opened before
-- ('vf' unset) keeps them in V.
local vf = st[10] == '1'
local prev, voted
if vf then prev, voted = st[11], st[12] or ',' else prev = redis.call('HGET', V, unit) end
local change = 'new'
local ver = tonumber(st[9] or '0')
if prev == cand then
  change = 'same'
else
  ver = ver + 1
  if prev then change = 'changed' end
  if vf then
    if not prev then voted = voted .. unit .. ',' end
    redis.call('HSET', B, vu, cand, 'ver', ver, 'voted', voted)
  else
    redis.call('HSET', B, 'ver', ver)
    redis.call('HSET', V, unit, cand)
  end
  local d = {ballot = id, unit = tonumber(unit), changed = prev and true or false}
  if not secret then d.candidate = tonumber(cand) end
  audit('ballot.vote', d)
end
local names = redis.call('HMGET', UNITS, unit, cand)
local s
if secret then
  s = table.concat({'', lang, unit, names[1] or '', '', '', change}, RS)
else
  s = table.concat({'', lang, unit, names[1] or '', cand, names[2] or '', change}, RS)
end
done(s)
-- For the group message: candidate, its name, the units that voted, message id, time zone,
-- version, when the ballot opened; then the card, unless the caller holds it (ARGV[6] is the
-- opening time of the card it holds: cards.go).
if vf then voted = string.sub(voted, 2, -2) else voted = table.concat(redis.call('HKEYS', V), ',') end
local opened = st[8] or ''
local card = ''
if opened == '' or opened ~= ARGV[6] then card = redis.call('HGET', B, 'card') or '' end
return {0, s .. '\n' .. table.concat({cand, names[2] or '', voted, st[7] or '', tz, ver, opened}, RS) .. '\n' .. card}
`)

// VoteResult is what a vote did, for the presser's answer and the group message.
type VoteResult struct {
	Lang     string
	TZ       string
	Unit     int
	UnitName string
	// Cand and CandName are the choice; empty when a secret ballot's vote is replayed.
	Cand     int
	CandName string
	// Change is "new", "changed" or "same".
	Change    string
	Voted     []int
	MessageID int
	// Version counts the changes of the ballot's votes: of two results, the one with the higher
	// version is the newer state (for ordering edits of the group message).
	Version int64
	// Card is nil when the vote was a replay (Dup). It is shared with other votes of the
	// ballot: read it, never change it.
	Card *BallotCard
	Dup  bool
}

var voteErrs = map[string]error{
	"nobloc":     domain.ErrNoBloc,
	"notmember":  domain.ErrNotLinked,
	"notfound":   domain.ErrNotFound,
	"closed":     domain.ErrClosed,
	"ineligible": domain.ErrNotEligible,
	"notcand":    domain.ErrNotCandidate,
	"self":       domain.ErrSelfVote,
}

// Vote records the ballot of the presser's unit for cand, in one round trip. A refusal is
// returned as a domain error (ErrNotLinked, ErrClosed, ErrNotEligible, ErrNotCandidate,
// ErrSelfVote, ErrNotFound, ErrNoBloc) together with a result that carries the chat's language.
func (s *Store) Vote(ctx context.Context, chatID int64, op Op, ballotID string, cand int) (VoteResult, error) {
	ck := rkeys.ForChat(chatID)
	key := cardKey{chatID, ballotID}
	held := s.ballotCards.have(key)
	res, err := s.RunDurable(ctx, voteScript, chatID, op,
		[]string{ck.Ballot(ballotID), ck.BallotVotes(ballotID), ck.Members(), ck.Units()}, ballotID, cand, held.opened)
	if err != nil {
		return VoteResult{}, err
	}
	parts := strings.SplitN(res.Value, "\n", 3)
	vr, code, err := decodeVoteShort(parts[0])
	if err != nil {
		return VoteResult{}, err
	}
	vr.Dup = res.Dup
	if code != "" {
		e, ok := voteErrs[code]
		if !ok {
			e = fmt.Errorf("vote: %s", code)
		}
		return vr, e
	}
	if len(parts) == 3 {
		f := strings.Split(parts[1], "\x1e")
		if len(f) != 7 {
			return VoteResult{}, fmt.Errorf("vote: malformed answer %q", parts[1])
		}
		card, err := s.ballotCards.resolve(key, held, f[6], parts[2], decodeBallotCard)
		if err != nil {
			return VoteResult{}, fmt.Errorf("vote: card: %w", err)
		}
		vr.Cand, _ = strconv.Atoi(f[0])
		vr.CandName, vr.TZ, vr.Card = f[1], f[4], card
		if f[2] != "" {
			for _, u := range strings.Split(f[2], ",") {
				n, _ := strconv.Atoi(u)
				vr.Voted = append(vr.Voted, n)
			}
			sort.Ints(vr.Voted)
		}
		vr.MessageID, _ = strconv.Atoi(f[3])
		vr.Version, _ = strconv.ParseInt(f[5], 10, 64)
	}
	return vr, nil
}

func decodeBallotCard(raw string) (*BallotCard, error) {
	card := new(BallotCard)
	if err := json.Unmarshal([]byte(raw), card); err != nil {
		return nil, err
	}
	return card, nil
}

// decodeVoteShort reads a vote's stored answer (also what a replay returns): the refusal code
// ("" when recorded) and what the presser's answer needs. Answers stored before the fields
// were joined by the record separator are JSON.
func decodeVoteShort(v string) (VoteResult, string, error) {
	if strings.HasPrefix(v, "{") {
		var short struct {
			E  string `json:"e"`
			L  string `json:"l"`
			U  int    `json:"u"`
			UN string `json:"un"`
			C  int    `json:"c"`
			CN string `json:"cn"`
			Ch string `json:"ch"`
		}
		if err := json.Unmarshal([]byte(v), &short); err != nil {
			return VoteResult{}, "", fmt.Errorf("vote: %w", err)
		}
		return VoteResult{Lang: short.L, Unit: short.U, UnitName: short.UN, Cand: short.C, CandName: short.CN, Change: short.Ch}, short.E, nil
	}
	f := strings.Split(v, "\x1e")
	if len(f) == 2 { // a refusal: code and language
		return VoteResult{Lang: f[1]}, f[0], nil
	}
	if len(f) != 7 {
		return VoteResult{}, "", fmt.Errorf("vote: malformed answer %q", v)
	}
	vr := VoteResult{Lang: f[1], UnitName: f[3], CandName: f[5], Change: f[6]}
	vr.Unit, _ = strconv.Atoi(f[2])
	vr.Cand, _ = strconv.Atoi(f[4])
	return vr, f[0], nil
}

var closeBallotScript = NewScript(`
local B, V, OPEN, R, LIST = KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local id, rid, reason = ARGV[4], ARGV[5], ARGV[6]
local st = redis.call('HMGET', B, 'state', 'pos', 'year', 'round', 'q', 'm', 'maxr', 'cands', 'nelig', 'secret', 'card', 'dur', 'msg', 'vf', 'voted')
if not st[1] then return done('err:notfound') end
if st[1] ~= 'open' then return done('err:closed') end
local pos, year, round = st[2], tonumber(st[3]), tonumber(st[4])
local maxr, nelig, secret, card, dur = tonumber(st[7]), tonumber(st[9]), st[10] == '1', st[11], tonumber(st[12] or '0')
local bl = redis.call('HMGET', BLOC, 'lang', 'tz')
local function rule(s)
  local n, d, a = string.match(s, '^(%d+)/(%d+)/(%d)$')
  return {tonumber(n), tonumber(d), a == '1'}
end
local function met(n, total, t)
  if total <= 0 or t[2] <= 0 then return false end
  if t[3] then return n * t[2] >= t[1] * total end
  return n * t[2] > t[1] * total
end
local q, m = rule(st[5]), rule(st[6])
local cands = {}
for c in string.gmatch(st[8], '%d+') do cands[#cands + 1] = tonumber(c) end
local count = {}
for _, c in ipairs(cands) do count[c] = 0 end
-- The units' ballots: fields of B (see the vote script), or of V for a ballot opened before.
-- V is read for a new one too: a replica still running the code before (an upgrade under
-- way) records its votes there; a unit found in both counts with B's.
local vf = st[14] == '1'
local votes, vfields, inb = {}, {}, {}
if vf then
  local units = {}
  for u in string.gmatch(st[15] or '', '%d+') do
    units[#units + 1] = u
    vfields[#vfields + 1] = 'v:' .. u
    inb[u] = true
  end
  if #vfields > 0 then
    local cs = redis.call('HMGET', B, unpack(vfields))
    for i, u in ipairs(units) do
      votes[#votes + 1] = u
      votes[#votes + 1] = cs[i] or ''
    end
  end
end
local old = redis.call('HGETALL', V)
for i = 1, #old, 2 do
  if not inb[old[i]] then
    votes[#votes + 1] = old[i]
    votes[#votes + 1] = old[i + 1]
  end
end
local cast, voted, by = 0, {}, {}
for i = 1, #votes, 2 do
  local u, c = tonumber(votes[i]), tonumber(votes[i + 1])
  cast = cast + 1
  voted[#voted + 1] = u
  if count[c] then count[c] = count[c] + 1 end
  by[#by + 1] = {u = u, c = c}
end
table.sort(voted)
local counts = {}
for _, c in ipairs(cands) do counts[#counts + 1] = {id = c, n = count[c]} end
table.sort(counts, function(a, b)
  if a.n ~= b.n then return a.n > b.n end
  return a.id < b.id
end)
local quorum = met(cast, nelig, q)
local decision, winner, leaders = 'noquorum', 0, {}
if quorum and #counts > 0 then
  local top = counts[1].n
  local firsts, seconds, second = {}, {}, -1
  for _, cv in ipairs(counts) do
    if cv.n == top then
      firsts[#firsts + 1] = cv.id
    elseif second < 0 or cv.n == second then
      second = cv.n
      seconds[#seconds + 1] = cv.id
    end
  end
  if #firsts == 1 and met(top, cast, m) then
    decision, winner = 'elected', firsts[1]
  else
    leaders = firsts
    if #firsts == 1 then
      for _, x in ipairs(seconds) do leaders[#leaders + 1] = x end
    end
    if round >= maxr or #leaders < 2 then decision = 'undecided' else decision = 'runoff' end
  end
end
redis.call('HSET', B, 'state', 'closed', 'closed', NOW, 'closedby', ACTOR, 'reason', reason)
local res = {id = id, pos = pos, year = year, round = round, decision = decision, winner = winner,
  leaders = leaders, counts = counts, cast = cast, elig = nelig, quorum = quorum, voted = voted,
  reason = reason, closed = NOW, closedby = ACTOR, lang = bl[1] or '', tz = bl[2] or '', msg = tonumber(st[13] or '') or 0}
if not secret then res.by = by end
local kind = 'ballot.fail'
if decision == 'elected' then
  kind = 'ballot.elect.' .. pos
  local field = pos .. ':' .. year
  res.prev = tonumber(redis.call('HGET', BLOC, field) or '0')
  res.prevyear = tonumber(redis.call('HGET', BLOC, pos .. ':' .. (year - 1)) or '0')
  redis.call('HSET', BLOC, field, winner)
  if pos == 'chair' then
    local dep = redis.call('HGET', BLOC, 'deputy:' .. year)
    if dep and tonumber(dep) == winner then
      redis.call('HDEL', BLOC, 'deputy:' .. year)
      res.depcleared = winner
    end
  end
elseif decision == 'runoff' then
  kind = 'ballot.runoff'
end
local rcard = 'null'
local rdl = 0
if decision == 'runoff' then
  local c = cjson.decode(card)
  local keep = {}
  for _, x in ipairs(leaders) do keep[x] = true end
  local rc, cs = {}, ','
  for _, u in ipairs(c.cands) do
    if keep[u.id] then
      rc[#rc + 1] = u
      cs = cs .. u.id .. ','
    end
  end
  if dur > 0 then rdl = NOW + dur end
  c.id, c.round, c.cands, c.dl, c.opened = rid, round + 1, rc, rdl, NOW
  rcard = cjson.encode(c)
  local es = redis.call('HGET', B, 'elig')
  redis.call('HSET', R, 'state', 'open', 'pos', pos, 'year', year, 'round', round + 1, 'base', c.base,
    'secret', secret and '1' or '0', 'q', st[5], 'm', st[6], 'self', redis.call('HGET', B, 'self'), 'maxr', maxr,
    'dl', rdl, 'dur', dur, 'opened', NOW, 'by', ACTOR, 'cands', cs, 'elig', es, 'nelig', nelig, 'card', rcard, 'msg', '',
    'vf', '1', 'voted', ',')
  redis.call('HSET', OPEN, pos, rid)
  redis.call('ZADD', LIST, NOW, rid)
  res.runoff = rid
elseif redis.call('HGET', OPEN, pos) == id then
  redis.call('HDEL', OPEN, pos)
end
if secret then
  if #old > 0 then redis.call('DEL', V) end
  if #vfields > 0 then redis.call('HDEL', B, unpack(vfields)) end
end
local ad = {ballot = id, round = round, cast = cast, eligible = nelig, counts = counts, reason = reason, decision = decision}
if winner > 0 then ad.candidate = winner end
if not secret then ad.by = by end
res.head = audit(kind, ad)
local out = cjson.encode(res)
redis.call('HSET', B, 'result', out)
if decision == 'runoff' then
  audit('ballot.open.' .. pos, {ballot = rid, year = year, round = round + 1, secret = secret, deadline = rdl})
end
return done(out .. '\n' .. card .. '\n' .. rcard)
`)

// CloseResult is what closing a ballot returns.
type CloseResult struct {
	Result BallotResult
	Card   BallotCard
	// RunoffCard is the runoff opened, when there is one.
	RunoffCard *BallotCard
	// Dup: this close had been made before by the same update or timer (a replay).
	Dup bool
}

// CloseBallot closes an open ballot and tallies it in one step. Exactly one caller closes a
// ballot; the others get domain.ErrClosed (or, replaying the same op, the first result with
// Dup set). reason is "manual" or "deadline".
func (s *Store) CloseBallot(ctx context.Context, chatID int64, op Op, ballotID, reason string) (CloseResult, error) {
	ck := rkeys.ForChat(chatID)
	rid := RunoffID(ballotID)
	res, err := s.RunDurable(ctx, closeBallotScript, chatID, op,
		[]string{ck.Ballot(ballotID), ck.BallotVotes(ballotID), ck.BallotsOpen(), ck.Ballot(rid), ck.Ballots()},
		ballotID, rid, reason)
	if err != nil {
		return CloseResult{}, err
	}
	if err := scriptErr(res.Value); err != nil {
		return CloseResult{}, err
	}
	parts := strings.SplitN(res.Value, "\n", 3)
	if len(parts) != 3 {
		return CloseResult{}, fmt.Errorf("close ballot: malformed result")
	}
	cr := CloseResult{Dup: res.Dup}
	if err := json.Unmarshal([]byte(parts[0]), &cr.Result); err != nil {
		return CloseResult{}, fmt.Errorf("close ballot: %w", err)
	}
	if err := json.Unmarshal([]byte(parts[1]), &cr.Card); err != nil {
		return CloseResult{}, fmt.Errorf("close ballot: card: %w", err)
	}
	if parts[2] != "null" {
		var rc BallotCard
		if err := json.Unmarshal([]byte(parts[2]), &rc); err != nil {
			return CloseResult{}, fmt.Errorf("close ballot: runoff card: %w", err)
		}
		cr.RunoffCard = &rc
	}
	return cr, nil
}

var ballotFieldScript = NewScript(`
if redis.call('EXISTS', KEYS[5]) == 0 then return done('err:notfound') end
redis.call('HSET', KEYS[5], ARGV[4], ARGV[5])
return done('ok')
`)

// SetBallotMessage records the group message that shows a ballot (for live edits).
func (s *Store) SetBallotMessage(ctx context.Context, chatID int64, ballotID string, messageID int) error {
	res, err := s.Run(ctx, ballotFieldScript, chatID, Op{}, []string{rkeys.ForChat(chatID).Ballot(ballotID)}, "msg", messageID)
	if err != nil {
		return err
	}
	return scriptErr(res.Value)
}

// MarkBallotAnnounced records the message that announced a ballot's result.
func (s *Store) MarkBallotAnnounced(ctx context.Context, chatID int64, ballotID string, messageID int) error {
	res, err := s.Run(ctx, ballotFieldScript, chatID, Op{}, []string{rkeys.ForChat(chatID).Ballot(ballotID)}, "announced", messageID)
	if err != nil {
		return err
	}
	return scriptErr(res.Value)
}

// viewOf reads a ballot's hash; voted are the fields of its votes hash (BallotVotes), where
// a ballot opened before the votes moved into its own hash keeps them.
func viewOf(h map[string]string, voted []string) (BallotView, error) {
	var v BallotView
	if err := json.Unmarshal([]byte(h["card"]), &v.Card); err != nil {
		return BallotView{}, fmt.Errorf("ballot card: %w", err)
	}
	v.Open = h["state"] == "open"
	v.MessageID, _ = strconv.Atoi(h["msg"])
	v.Announced = h["announced"] != ""
	v.Voted = votedUnits(h["vf"], h["voted"], voted)
	if r := h["result"]; r != "" {
		var res BallotResult
		if err := json.Unmarshal([]byte(r), &res); err != nil {
			return BallotView{}, fmt.Errorf("ballot result: %w", err)
		}
		v.Result = &res
		v.Voted = res.Voted
	}
	return v, nil
}

// LoadBallot reads one ballot (one round trip). domain.ErrNotFound when there is none.
func (s *Store) LoadBallot(ctx context.Context, chatID int64, ballotID string) (BallotView, error) {
	ck := rkeys.ForChat(chatID)
	pipe := s.rdb.Pipeline()
	h := pipe.HMGet(ctx, ck.Ballot(ballotID), viewFields...)
	keys := pipe.HKeys(ctx, ck.BallotVotes(ballotID))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return BallotView{}, fmt.Errorf("load ballot: %w", err)
	}
	m, ok := viewMap(h.Val())
	if !ok {
		return BallotView{}, domain.ErrNotFound
	}
	return viewOf(m, keys.Val())
}

// BallotTurnout reads who has voted in a ballot and whether it is still open, without its card:
// what a redraw of its message needs when it goes out, so the message shows every replica's
// votes, not only those of the replica drawing it. One round trip, shared with the scripts of
// concurrent updates (readTogether).
func (s *Store) BallotTurnout(ctx context.Context, chatID int64, ballotID string) (voted []int, open bool, err error) {
	ck := rkeys.ForChat(chatID)
	h := redis.NewSliceCmd(ctx, "hmget", ck.Ballot(ballotID), "state", "vf", "voted")
	keys := redis.NewStringSliceCmd(ctx, "hkeys", ck.BallotVotes(ballotID))
	if err := s.readTogether(ctx, h, keys); err != nil && !errors.Is(err, redis.Nil) {
		return nil, false, fmt.Errorf("ballot turnout: %w", err)
	}
	vals := h.Val()
	str := func(i int) string { s, _ := vals[i].(string); return s }
	if str(0) == "" {
		return nil, false, domain.ErrNotFound
	}
	return votedUnits(str(1), str(2), keys.Val()), str(0) == "open", nil
}

// votedUnits are the units that voted in a ballot, sorted: its votes hash's keys (a ballot
// opened before the layout flag 'vf', or an earlier build's votes during an upgrade) and, with
// 'vf' set, its own field 'voted' (",3,1,", the vote script's).
func votedUnits(vf, votedField string, voteKeys []string) []int {
	ids := voteKeys
	if vf == "1" {
		ids = append(strings.Split(strings.Trim(votedField, ","), ","), ids...)
	}
	var voted []int
	for _, x := range ids {
		if n, err := strconv.Atoi(x); err == nil {
			voted = append(voted, n)
		}
	}
	sort.Ints(voted)
	return slices.Compact(voted)
}

// viewFields are the fields of a ballot's hash that viewOf reads: not the units' choices.
var viewFields = []string{"card", "state", "msg", "announced", "result", "vf", "voted"}

// viewMap is an HMGET of viewFields as a map; ok is false when the ballot does not exist.
func viewMap(vals []any) (map[string]string, bool) {
	m := make(map[string]string, len(viewFields))
	for i, v := range vals {
		if s, isStr := v.(string); isStr && i < len(viewFields) {
			m[viewFields[i]] = s
		}
	}
	return m, m["state"] != ""
}

// OpenBallots lists the open ballots, chair first.
func (s *Store) OpenBallots(ctx context.Context, chatID int64) ([]BallotView, error) {
	ck := rkeys.ForChat(chatID)
	open, err := s.rdb.HGetAll(ctx, ck.BallotsOpen()).Result()
	if err != nil {
		return nil, fmt.Errorf("open ballots: %w", err)
	}
	var out []BallotView
	for _, pos := range []domain.Position{domain.PosChair, domain.PosDeputy} {
		id, ok := open[string(pos)]
		if !ok {
			continue
		}
		v, err := s.LoadBallot(ctx, chatID, id)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if v.Open {
			out = append(out, v)
		}
	}
	return out, nil
}

// Ballots lists the chat's ballots, oldest first; year 0 means every year.
func (s *Store) Ballots(ctx context.Context, chatID int64, year int) ([]BallotView, error) {
	ck := rkeys.ForChat(chatID)
	ids, err := s.rdb.ZRange(ctx, ck.Ballots(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("ballots: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	hs := make([]*redis.SliceCmd, len(ids))
	ks := make([]*redis.StringSliceCmd, len(ids))
	for i, id := range ids {
		hs[i] = pipe.HMGet(ctx, ck.Ballot(id), viewFields...)
		ks[i] = pipe.HKeys(ctx, ck.BallotVotes(id))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("ballots: %w", err)
	}
	var out []BallotView
	for i := range ids {
		m, ok := viewMap(hs[i].Val())
		if !ok {
			continue
		}
		v, err := viewOf(m, ks[i].Val())
		if err != nil {
			return nil, err
		}
		if year == 0 || v.Card.Year == year {
			out = append(out, v)
		}
	}
	return out, nil
}

// LastBallot returns the newest ballot (open or closed); ok is false when there is none.
func (s *Store) LastBallot(ctx context.Context, chatID int64) (BallotView, bool, error) {
	ids, err := s.rdb.ZRevRange(ctx, rkeys.ForChat(chatID).Ballots(), 0, 0).Result()
	if err != nil {
		return BallotView{}, false, fmt.Errorf("last ballot: %w", err)
	}
	if len(ids) == 0 {
		return BallotView{}, false, nil
	}
	v, err := s.LoadBallot(ctx, chatID, ids[0])
	if errors.Is(err, domain.ErrNotFound) {
		return BallotView{}, false, nil
	}
	return v, err == nil, err
}

// BallotSettings are a bloc's rules for the ballots it opens.
type BallotSettings struct {
	Quorum   domain.Threshold
	Majority domain.Threshold
	SelfVote bool
	Secret   bool
	// MaxRounds is how many rounds a ballot may take (runoffs included) before it ends
	// undecided: domain.DefaultMaxRounds unless the bloc set it (1 to domain.MaxRoundsLimit).
	MaxRounds int
}

// Rules are the settings as domain rules.
func (b BallotSettings) Rules() domain.BallotRules {
	r := b.MaxRounds
	if r <= 0 {
		r = domain.DefaultMaxRounds
	}
	return domain.BallotRules{Secret: b.Secret, Quorum: b.Quorum, Majority: b.Majority, SelfVote: b.SelfVote, MaxRounds: r}
}

// DefaultBallotSettings are the product's ballot rules: secret, a quorum of more than half of
// the units, a winner with more than half of the votes cast; a unit may vote for itself.
var DefaultBallotSettings = BallotSettings{Quorum: domain.MoreThanHalf, Majority: domain.MoreThanHalf, SelfVote: true, Secret: true}

// SetBallotDefaults sets the ballot rules of the blocs that have not set their own (the
// operator's `ballots:` settings; DefaultBallotSettings until then). Secret is not among them:
// a ballot is secret unless its bloc or its opener says open. Invalid thresholds are refused.
func (s *Store) SetBallotDefaults(d BallotSettings) error {
	if !d.Quorum.Valid() || !d.Majority.Valid() {
		return domain.ErrBadThreshold
	}
	d.Secret = true
	s.ballotDefaults = d
	return nil
}

// LoadBallotSettings reads the bloc's ballot rules (the defaults where unset).
func (s *Store) LoadBallotSettings(ctx context.Context, chatID int64) (BallotSettings, error) {
	v, err := s.rdb.HMGet(ctx, rkeys.ForChat(chatID).Bloc(), "ballot_q", "ballot_m", "ballot_self", "ballot_mode", "ballot_r").Result()
	if err != nil {
		return BallotSettings{}, fmt.Errorf("ballot settings: %w", err)
	}
	str := func(i int, def string) string {
		if s, ok := v[i].(string); ok && s != "" {
			return s
		}
		return def
	}
	d := s.ballotDefaults
	rounds, _ := strconv.Atoi(str(4, strconv.Itoa(domain.DefaultMaxRounds)))
	if rounds < 1 || rounds > domain.MaxRoundsLimit {
		rounds = domain.DefaultMaxRounds
	}
	return BallotSettings{Quorum: parseRule(str(0, ruleArg(d.Quorum))), Majority: parseRule(str(1, ruleArg(d.Majority))),
		SelfVote: str(2, flag(d.SelfVote)) == "1", Secret: str(3, "secret") != "open", MaxRounds: rounds}, nil
}

// flag is a boolean as the scripts store it.
func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

var ballotSettingScript = NewScript(`
if not has_bloc() then return done('err:nobloc') end
redis.call('HSET', BLOC, 'ballot_q', ARGV[4], 'ballot_m', ARGV[5], 'ballot_self', ARGV[6], 'ballot_mode', ARGV[7], 'ballot_r', ARGV[10])
audit('ballot.rules', {quorum = ARGV[8], majority = ARGV[9], self = ARGV[6] == '1', mode = ARGV[7], rounds = tonumber(ARGV[10])})
return done('ok')
`)

// SaveBallotSettings stores the bloc's ballot rules for the ballots opened from now on (open
// ballots keep the rules they were opened with).
func (s *Store) SaveBallotSettings(ctx context.Context, chatID int64, op Op, b BallotSettings) error {
	if !b.Quorum.Valid() || !b.Majority.Valid() {
		return domain.ErrBadThreshold
	}
	rounds := b.Rules().MaxRounds
	if rounds > domain.MaxRoundsLimit {
		return domain.ErrInvalidArgs
	}
	self, mode := "0", "secret"
	if b.SelfVote {
		self = "1"
	}
	if !b.Secret {
		mode = "open"
	}
	res, err := s.RunDurable(ctx, ballotSettingScript, chatID, op, nil,
		ruleArg(b.Quorum), ruleArg(b.Majority), self, mode, b.Quorum.String(), b.Majority.String(), rounds)
	if err != nil {
		return err
	}
	return scriptErr(res.Value)
}
