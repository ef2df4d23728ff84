package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/domain"
	"thiduabot/rkeys"
)

// LoadBloc reads a chat's bloc in one round trip. It returns domain.ErrNoBloc when the chat
// has not been set up.
func (s *Store) LoadBloc(ctx context.Context, chatID int64) (*domain.Bloc, error) {
	pipe := s.rdb.Pipeline()
	cmds := queueBloc(ctx, pipe, chatID)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("load bloc: %w", err)
	}
	return cmds.decode(chatID)
}

// blocCmds are the reads of a bloc queued in a pipeline (LoadBloc, and with other reads).
// members and people are nil when they were not read (LoadBlocAndPledges).
type blocCmds struct{ bloc, units, members, people *redis.MapStringStringCmd }

func queueBloc(ctx context.Context, pipe redis.Pipeliner, chatID int64) blocCmds {
	ck := rkeys.ForChat(chatID)
	return blocCmds{bloc: pipe.HGetAll(ctx, ck.Bloc()), units: pipe.HGetAll(ctx, ck.Units()),
		members: pipe.HGetAll(ctx, ck.Members()), people: pipe.HGetAll(ctx, ck.People())}
}

func (c blocCmds) decode(chatID int64) (*domain.Bloc, error) {
	units, members, people := c.units, c.members, c.people
	h := c.bloc.Val()
	if h["name"] == "" {
		return nil, domain.ErrNoBloc
	}
	b := &domain.Bloc{
		ChatID:    chatID,
		Name:      h["name"],
		Lang:      h["lang"],
		Timezone:  h["tz"],
		Created:   fromMS(h["created"]),
		Reminders: h["remind"],
		Members:   map[int64]int{},
		People:    map[int64]domain.Person{},
		Chairs:    map[int]int{},
		Deputies:  map[int]int{},
		Gone:      map[int]string{},
	}
	for k, v := range h {
		if id, ok := strings.CutPrefix(k, "gone:"); ok {
			n, _ := strconv.Atoi(id)
			b.Gone[n] = v
		} else if y, ok := strings.CutPrefix(k, "chair:"); ok {
			yr, _ := strconv.Atoi(y)
			id, _ := strconv.Atoi(v)
			b.Chairs[yr] = id
		} else if y, ok := strings.CutPrefix(k, "deputy:"); ok {
			yr, _ := strconv.Atoi(y)
			id, _ := strconv.Atoi(v)
			b.Deputies[yr] = id
		}
	}
	for k, v := range units.Val() {
		id, _ := strconv.Atoi(k)
		b.Units = append(b.Units, domain.Unit{ID: id, Name: v})
	}
	sort.Slice(b.Units, func(i, j int) bool { return b.Units[i].ID < b.Units[j].ID })
	if members == nil {
		return b, nil
	}
	for k, v := range members.Val() {
		pid, _ := strconv.ParseInt(k, 10, 64)
		uid, _ := strconv.Atoi(v)
		b.Members[pid] = uid
	}
	for k, v := range people.Val() {
		pid, _ := strconv.ParseInt(k, 10, 64)
		p := decodePerson(v)
		b.People[pid] = domain.Person{ID: pid, Name: p.N, Username: p.U}
	}
	return b, nil
}

type personJSON struct {
	N string `json:"n"`
	U string `json:"u,omitempty"`
}

func personArg(p domain.Person) string { return mustJSON(personJSON{N: p.Name, U: p.Username}) }

// decodePerson reads a person as the bloc's people hash keeps them (a bad value: no name).
func decodePerson(v string) personJSON {
	var p personJSON
	_ = json.Unmarshal([]byte(v), &p)
	return p
}

// decodePeople reads the bloc's people hash (id -> stored JSON), each person once.
func decodePeople(raw map[string]string) map[string]personJSON {
	out := make(map[string]personJSON, len(raw))
	for k, v := range raw {
		out[k] = decodePerson(v)
	}
	return out
}

var setupScript = NewScript(`
local renamed = has_bloc()
local old = redis.call('HGET', BLOC, 'name') or ''
redis.call('HSET', BLOC, 'name', ARGV[4])
if not renamed then
  redis.call('HSET', BLOC, 'lang', ARGV[5], 'tz', ARGV[6], 'created', NOW)
end
audit(renamed and 'bloc.rename' or 'bloc.setup', {name = ARGV[4], old = old})
if renamed then return done('renamed:' .. old) end
return done('created')
`)

// SetupResult says what /setup did.
type SetupResult struct {
	Created bool
	OldName string
	Dup     bool
}

// Setup makes a chat a bloc, or renames it.
func (s *Store) Setup(ctx context.Context, chatID int64, op Op, name, lang, tz string) (SetupResult, error) {
	res, err := s.Run(ctx, setupScript, chatID, op, nil, name, lang, tz)
	if err != nil {
		return SetupResult{}, err
	}
	if err := s.rdb.SAdd(ctx, rkeys.BlocIndex, chatID).Err(); err != nil {
		return SetupResult{}, fmt.Errorf("bloc index: %w", err)
	}
	old, renamed := strings.CutPrefix(res.Value, "renamed:")
	return SetupResult{Created: !renamed, OldName: old, Dup: res.Dup}, nil
}

var addUnitsScript = NewScript(`
if not has_bloc() then return done('err:nobloc') end
local UNITS, UNAMES, SEQ = KEYS[5], KEYS[6], KEYS[7]
local names = cjson.decode(ARGV[4])
local max = tonumber(ARGV[5])
local added, dup = {}, {}
for _, n in ipairs(names) do
  if redis.call('HEXISTS', UNAMES, n.f) == 1 then
    table.insert(dup, n.n)
  else
    if redis.call('HLEN', UNITS) >= max then return done('err:toomany') end
    local id = redis.call('HINCRBY', SEQ, 'unit', 1)
    redis.call('HSET', UNITS, id, n.n)
    redis.call('HSET', UNAMES, n.f, id)
    table.insert(added, {id = id, name = n.n})
  end
end
if #added > 0 then audit('unit.add', {units = added}) end
return done(cjson.encode({a = added, d = dup}))
`)

// AddUnitsResult lists the units added and the names that existed already.
type AddUnitsResult struct {
	Added []domain.Unit
	Dups  []string
	Dup   bool
}

// AddUnits adds units by name; names that exist (ignoring case and diacritics) are skipped.
func (s *Store) AddUnits(ctx context.Context, chatID int64, op Op, names []string) (AddUnitsResult, error) {
	type n struct {
		N string `json:"n"`
		F string `json:"f"`
	}
	arg := make([]n, len(names))
	for i, name := range names {
		arg[i] = n{N: name, F: domain.Fold(name)}
	}
	ck := rkeys.ForChat(chatID)
	res, err := s.Run(ctx, addUnitsScript, chatID, op, []string{ck.Units(), ck.UnitNames(), ck.Counter()}, mustJSON(arg), domain.MaxUnits)
	if err != nil {
		return AddUnitsResult{}, err
	}
	if err := scriptErr(res.Value); err != nil {
		return AddUnitsResult{}, err
	}
	var out struct {
		A json.RawMessage `json:"a"`
		D json.RawMessage `json:"d"`
	}
	if err := json.Unmarshal([]byte(res.Value), &out); err != nil {
		return AddUnitsResult{}, fmt.Errorf("add units: %w", err)
	}
	r := AddUnitsResult{Dup: res.Dup}
	var added []struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	_ = json.Unmarshal(out.A, &added) // cjson encodes an empty table as {}: leave it empty
	for _, a := range added {
		r.Added = append(r.Added, domain.Unit{ID: a.ID, Name: a.Name})
	}
	_ = json.Unmarshal(out.D, &r.Dups)
	return r, nil
}

// freeNamesLua is free_names(UNAMES, id): the unit's folded names no longer point at it.
const freeNamesLua = `
local function free_names(UNAMES, id)
  local all = redis.call('HGETALL', UNAMES)
  for i = 1, #all, 2 do
    if all[i + 1] == id then redis.call('HDEL', UNAMES, all[i]) end
  end
end
`

var renameUnitScript = NewScript(freeNamesLua + `
if not has_bloc() then return done('err:nobloc') end
local UNITS, UNAMES = KEYS[5], KEYS[6]
local id, name, fold = ARGV[4], ARGV[5], ARGV[6]
local old = redis.call('HGET', UNITS, id)
if not old then return done('err:unit') end
local other = redis.call('HGET', UNAMES, fold)
if other and other ~= id then return done('err:dupname') end
if old == name then return done('same|' .. old) end
redis.call('HSET', UNITS, id, name)
-- The unit's former name is free again: every folded name that points at it goes (whatever
-- the caller saw), then the new one.
free_names(UNAMES, id)
redis.call('HSET', UNAMES, fold, id)
audit('unit.rename', {unit = tonumber(id), old = old, new = name})
return done('ok|' .. old)
`)

// RenameUnit renames a unit; it returns the name before, which is free for other units from
// then on. A name another unit has (ignoring case and diacritics) is refused with
// domain.ErrDuplicateName.
func (s *Store) RenameUnit(ctx context.Context, chatID int64, op Op, unitID int, name string) (string, error) {
	ck := rkeys.ForChat(chatID)
	res, err := s.Run(ctx, renameUnitScript, chatID, op, []string{ck.Units(), ck.UnitNames()},
		unitID, name, domain.Fold(name))
	if err != nil {
		return "", err
	}
	if err := scriptErr(res.Value); err != nil {
		return "", err
	}
	_, before, _ := strings.Cut(res.Value, "|")
	return before, nil
}

var removeUnitScript = NewScript(freeNamesLua + allSignedLua + `
if not has_bloc() then return done('err:nobloc') end
local UNITS, UNAMES, MEMBERS, OPEN, REQS = KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local PMETA, PSIG, PVER = KEYS[10], KEYS[11], KEYS[12]
local id, year = ARGV[4], tonumber(ARGV[5])
local name = redis.call('HGET', UNITS, id)
if not name then return done('err:unit') end
if redis.call('HLEN', OPEN) > 0 then return done('err:inballot') end
-- This year's officers, and next year's once a year-end conference elected them.
local roles = redis.call('HMGET', BLOC, 'chair:' .. year, 'deputy:' .. year, 'chair:' .. (year + 1), 'deputy:' .. (year + 1))
for i = 1, 4 do
  if roles[i] == id then return done('err:role') end
end
-- Requests to join it can no longer be granted.
local reqs = redis.call('HGETALL', REQS)
for i = 1, #reqs, 2 do
  if string.match(reqs[i + 1], '^[^|]*|([^|]*)|') == id then redis.call('HDEL', REQS, reqs[i]) end
end
local all, gone = redis.call('HGETALL', MEMBERS), {}
for i = 1, #all, 2 do
  if all[i + 1] == id then
    redis.call('HDEL', MEMBERS, all[i])
    gone[#gone + 1] = all[i]
  end
end
redis.call('HDEL', UNITS, id)
free_names(UNAMES, id)
redis.call('HSET', BLOC, 'gone:' .. id, name)
audit('unit.remove', {unit = tonumber(id), name = name, members = #gone})
-- The current pledge counts the units that remain: the unit's signature no longer counts, and
-- if it was the last unit not to sign, the pledge is now in force.
local inforce = ''
local cur = redis.call('HGET', PMETA, 'cur')
if cur then
  if redis.call('HEXISTS', PSIG, cur .. ':' .. id) == 1 then redis.call('HINCRBY', PMETA, 'cnt:' .. cur, -1) end
  local n = redis.call('HLEN', UNITS)
  if n > 0 and redis.call('HEXISTS', PMETA, 'inforce:' .. cur) == 0 and all_signed(PSIG, UNITS, cur) then
    local year, hash = string.match(redis.call('HGET', PVER, cur) or '', '^([^|]*)|([^|]*)|')
    redis.call('HSET', PMETA, 'inforce:' .. cur, ARGV[2])
    audit('pledge.inforce', {year = tonumber(year), version = hash, units = n})
    inforce = table.concat({year or '', hash or '', redis.call('HGET', PMETA, 'msg:' .. cur) or '', n}, '|')
  end
end
return done(name .. '\n' .. table.concat(gone, ',') .. '\n' .. inforce)
`)

// RemoveUnitResult is what removing a unit did.
type RemoveUnitResult struct {
	Name     string  // the unit's name
	Unlinked []int64 // the people who were linked to it
	// PledgeInForce is set when the unit was the last one not to sign the current pledge: with
	// it gone, every unit has signed, and the pledge is in force from now.
	PledgeInForce *PledgeInForce
	Dup           bool
}

// PledgeInForce is a pledge version that came into force: its year, version hash, posted
// message and number of units.
type PledgeInForce struct {
	Year, MessageID, Units int
	Hash                   string
}

// RemoveUnit removes a unit from the bloc: it is no longer a candidate, a voter or a signer,
// and its people are unlinked, its pending join requests dropped; its reports, signatures and
// roles of past years stay, under its name (domain.Bloc.Gone). It is refused while a ballot is
// open (domain.ErrUnitInBallot) and for the chair or deputy of year or the year after
// (domain.ErrUnitHasRole).
func (s *Store) RemoveUnit(ctx context.Context, chatID int64, op Op, unitID int, year int) (RemoveUnitResult, error) {
	ck, pk := rkeys.ForChat(chatID), pledgeKeysOf(chatID)
	res, err := s.RunDurable(ctx, removeUnitScript, chatID, op,
		[]string{ck.Units(), ck.UnitNames(), ck.Members(), ck.BallotsOpen(), ck.JoinRequests(), pk.meta, pk.sig, pk.ver}, unitID, year)
	if err != nil {
		return RemoveUnitResult{}, err
	}
	if err := scriptErr(res.Value); err != nil {
		return RemoveUnitResult{}, err
	}
	f := strings.SplitN(res.Value, "\n", 3)
	for len(f) < 3 {
		f = append(f, "")
	}
	n, people := f[0], f[1]
	r := RemoveUnitResult{Name: n, Dup: res.Dup}
	if p := strings.Split(f[2], "|"); len(p) == 4 {
		in := &PledgeInForce{Hash: p[1]}
		in.Year, _ = strconv.Atoi(p[0])
		in.MessageID, _ = strconv.Atoi(p[2])
		in.Units, _ = strconv.Atoi(p[3])
		r.PledgeInForce = in
	}
	for _, p := range strings.Split(people, ",") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			r.Unlinked = append(r.Unlinked, id)
		}
	}
	if len(r.Unlinked) == 0 {
		return r, nil
	}
	// The unlinked people's bloc index, in one round trip (each person's set is their own key).
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range r.Unlinked {
			p.SRem(ctx, rkeys.UserBlocs(id), chatID)
		}
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("user index: %w", err)
	}
	return r, nil
}

var linkScript = NewScript(`
if not has_bloc() then return done('err:nobloc') end
local UNITS, MEMBERS, PEOPLE = KEYS[5], KEYS[6], KEYS[7]
local person, unit, info, move = ARGV[4], ARGV[5], ARGV[6], ARGV[7] == '1'
if redis.call('HEXISTS', UNITS, unit) == 0 then return done('err:unit') end
local cur = redis.call('HGET', MEMBERS, person)
if cur == unit then
  redis.call('HSET', PEOPLE, person, info)
  return done('same')
end
if cur and not move then return done('err:linked:' .. cur) end
redis.call('HSET', MEMBERS, person, unit)
redis.call('HSET', PEOPLE, person, info)
audit('member.link', {person = person, unit = tonumber(unit), from = cur and tonumber(cur) or nil})
return done(cur and ('moved:' .. cur) or 'linked')
`)

// LinkResult says what linking a person did.
type LinkResult struct {
	Already  bool // already linked to that unit
	FromUnit int  // the unit they were moved from, when moved
	Dup      bool
}

// ErrLinkedTo is returned when a person is linked to another unit and may not be moved.
type ErrLinkedTo struct{ Unit int }

func (e ErrLinkedTo) Error() string { return "already linked to unit " + strconv.Itoa(e.Unit) }
func (e ErrLinkedTo) Unwrap() error { return domain.ErrAlreadyLinked }

// Link links a person to a unit. With move, a person linked elsewhere is moved (a manager's
// /assign); without it that is refused (a person's own /join).
func (s *Store) Link(ctx context.Context, chatID int64, op Op, p domain.Person, unitID int, move bool) (LinkResult, error) {
	ck := rkeys.ForChat(chatID)
	mv := "0"
	if move {
		mv = "1"
	}
	res, err := s.RunDurable(ctx, linkScript, chatID, op, []string{ck.Units(), ck.Members(), ck.People()},
		p.ID, unitID, personArg(p), mv)
	if err != nil {
		return LinkResult{}, err
	}
	return s.afterLink(ctx, chatID, p.ID, res)
}

func (s *Store) afterLink(ctx context.Context, chatID, person int64, res Result) (LinkResult, error) {
	v := res.Value
	if cur, ok := strings.CutPrefix(v, "err:linked:"); ok {
		id, _ := strconv.Atoi(cur)
		return LinkResult{}, ErrLinkedTo{Unit: id}
	}
	if err := scriptErr(v); err != nil {
		return LinkResult{}, err
	}
	if err := s.rdb.SAdd(ctx, rkeys.UserBlocs(person), chatID).Err(); err != nil {
		return LinkResult{}, fmt.Errorf("user index: %w", err)
	}
	r := LinkResult{Dup: res.Dup, Already: v == "same"}
	if from, ok := strings.CutPrefix(v, "moved:"); ok {
		r.FromUnit, _ = strconv.Atoi(from)
	}
	return r, nil
}

var unlinkScript = NewScript(`
if not has_bloc() then return done('err:nobloc') end
local MEMBERS = KEYS[5]
local cur = redis.call('HGET', MEMBERS, ARGV[4])
if not cur then return done('err:notlinked') end
redis.call('HDEL', MEMBERS, ARGV[4])
-- A person leaving, or a manager unlinking them.
local kind = 'member.unlink'
if ACTOR ~= ARGV[4] then kind = 'member.unassign' end
audit(kind, {person = ARGV[4], unit = tonumber(cur)})
local others = 0
for _, u in ipairs(redis.call('HVALS', MEMBERS)) do
  if u == cur then others = others + 1 end
end
return done(cur .. ' ' .. others)
`)

// UnlinkResult is what Unlink did.
type UnlinkResult struct {
	Unit int // the unit the person no longer represents
	// Others is how many people still represent it (-1: not known, the replay of an earlier
	// build's result).
	Others int
}

// Unlink removes a person's link (their own /leave, or a manager's /unassign when op.Actor is
// someone else).
func (s *Store) Unlink(ctx context.Context, chatID int64, op Op, person int64) (UnlinkResult, error) {
	ck := rkeys.ForChat(chatID)
	res, err := s.RunDurable(ctx, unlinkScript, chatID, op, []string{ck.Members()}, person)
	if err != nil {
		return UnlinkResult{}, err
	}
	if err := scriptErr(res.Value); err != nil {
		return UnlinkResult{}, err
	}
	if err := s.rdb.SRem(ctx, rkeys.UserBlocs(person), chatID).Err(); err != nil {
		return UnlinkResult{}, fmt.Errorf("user index: %w", err)
	}
	unit, others, found := strings.Cut(res.Value, " ")
	r := UnlinkResult{Others: -1}
	r.Unit, _ = strconv.Atoi(unit)
	if found {
		r.Others, _ = strconv.Atoi(others)
	}
	return r, nil
}

var setFieldScript = NewScript(`
if not has_bloc() then return done('err:nobloc') end
local old = redis.call('HGET', BLOC, ARGV[4]) or ''
redis.call('HSET', BLOC, ARGV[4], ARGV[5])
audit('bloc.set', {field = ARGV[4], value = ARGV[5], old = old})
return done(old)
`)

// SetLang sets the chat's language.
func (s *Store) SetLang(ctx context.Context, chatID int64, op Op, lang string) error {
	if !domain.ValidLang(lang) {
		return domain.ErrBadLanguage
	}
	res, err := s.Run(ctx, setFieldScript, chatID, op, nil, "lang", lang)
	if err != nil {
		return err
	}
	return scriptErr(res.Value)
}

// SetTimezone sets the bloc's time zone (an IANA name).
func (s *Store) SetTimezone(ctx context.Context, chatID int64, op Op, tz string) error {
	if _, err := time.LoadLocation(tz); err != nil || tz == "" {
		return domain.ErrInvalidArgs
	}
	res, err := s.Run(ctx, setFieldScript, chatID, op, nil, "tz", tz)
	if err != nil {
		return err
	}
	return scriptErr(res.Value)
}

// SetReminders sets the bloc's own reminder plan (domain.ReminderPlan's String form); "" goes
// back to the configured one.
func (s *Store) SetReminders(ctx context.Context, chatID int64, op Op, plan string) error {
	res, err := s.Run(ctx, setFieldScript, chatID, op, nil, "remind", plan)
	if err != nil {
		return err
	}
	return scriptErr(res.Value)
}

// JoinRequest is a person's pending request to represent a unit.
type JoinRequest struct {
	ID     int           `json:"id"`
	Person domain.Person `json:"p"`
	Unit   int           `json:"u"`
	At     int64         `json:"t"`
}

var joinRequestScript = NewScript(`
if not has_bloc() then return done('err:nobloc') end
local UNITS, MEMBERS, REQS, SEQ = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local person, unit = ARGV[4], ARGV[5]
if redis.call('HEXISTS', UNITS, unit) == 0 then return done('err:unit') end
local cur = redis.call('HGET', MEMBERS, person)
if cur then return done('err:linked:' .. cur) end
local id = redis.call('HINCRBY', SEQ, 'joinreq', 1)
redis.call('HSET', REQS, id, person .. '|' .. unit .. '|' .. ARGV[6])
audit('member.request', {person = person, unit = tonumber(unit), req = id})
return done(tostring(id))
`)

// RequestJoin records a person's request to represent a unit and returns its id.
func (s *Store) RequestJoin(ctx context.Context, chatID int64, op Op, p domain.Person, unitID int) (int, bool, error) {
	ck := rkeys.ForChat(chatID)
	req := JoinRequest{Person: p, Unit: unitID, At: s.clk.Now().UnixMilli()}
	res, err := s.RunDurable(ctx, joinRequestScript, chatID, op,
		[]string{ck.Units(), ck.Members(), ck.JoinRequests(), ck.Counter()}, p.ID, unitID, mustJSON(req))
	if err != nil {
		return 0, false, err
	}
	if cur, ok := strings.CutPrefix(res.Value, "err:linked:"); ok {
		id, _ := strconv.Atoi(cur)
		return 0, false, ErrLinkedTo{Unit: id}
	}
	if err := scriptErr(res.Value); err != nil {
		return 0, false, err
	}
	id, _ := strconv.Atoi(res.Value)
	return id, res.Dup, nil
}

// A stored request is "<person>|<unit>|<json>", so scripts can read the ids without decoding
// JSON (Lua numbers would lose the precision of large Telegram ids).
func decodeJoin(id string, raw string) (JoinRequest, error) {
	parts := strings.SplitN(raw, "|", 3)
	if len(parts) != 3 {
		return JoinRequest{}, fmt.Errorf("join request %s: bad record", id)
	}
	var jr JoinRequest
	if err := json.Unmarshal([]byte(parts[2]), &jr); err != nil {
		return JoinRequest{}, fmt.Errorf("join request %s: %w", id, err)
	}
	jr.ID, _ = strconv.Atoi(id)
	return jr, nil
}

var resolveJoinScript = NewScript(`
if not has_bloc() then return done('err:nobloc') end
local UNITS, MEMBERS, PEOPLE, REQS = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local raw = redis.call('HGET', REQS, ARGV[4])
if not raw then return done('err:pending') end
local person, unit, info = string.match(raw, '^([^|]*)|([^|]*)|(.*)$')
redis.call('HDEL', REQS, ARGV[4])
if ARGV[5] ~= '1' then
  audit('member.reject', {person = person, unit = tonumber(unit), req = tonumber(ARGV[4])})
  return done('rejected:' .. raw)
end
if redis.call('HEXISTS', UNITS, unit) == 0 then return done('err:unit') end
local cur = redis.call('HGET', MEMBERS, person)
if cur and cur ~= unit then return done('err:linked:' .. cur) end
redis.call('HSET', MEMBERS, person, unit)
local p = cjson.decode(info).p
redis.call('HSET', PEOPLE, person, cjson.encode({n = p.Name, u = p.Username}))
audit('member.link', {person = person, unit = tonumber(unit), req = tonumber(ARGV[4])})
return done('approved:' .. raw)
`)

// ResolveJoin approves or rejects a pending join request and returns it.
func (s *Store) ResolveJoin(ctx context.Context, chatID int64, op Op, reqID int, approve bool) (JoinRequest, bool, error) {
	ck := rkeys.ForChat(chatID)
	ap := "0"
	if approve {
		ap = "1"
	}
	res, err := s.RunDurable(ctx, resolveJoinScript, chatID, op,
		[]string{ck.Units(), ck.Members(), ck.People(), ck.JoinRequests()}, reqID, ap)
	if err != nil {
		return JoinRequest{}, false, err
	}
	if cur, ok := strings.CutPrefix(res.Value, "err:linked:"); ok {
		id, _ := strconv.Atoi(cur)
		return JoinRequest{}, false, ErrLinkedTo{Unit: id}
	}
	if err := scriptErr(res.Value); err != nil {
		return JoinRequest{}, false, err
	}
	_, raw, _ := strings.Cut(res.Value, ":")
	jr, err := decodeJoin(strconv.Itoa(reqID), raw)
	if err != nil {
		return JoinRequest{}, false, err
	}
	if approve {
		if err := s.rdb.SAdd(ctx, rkeys.UserBlocs(jr.Person.ID), chatID).Err(); err != nil {
			return JoinRequest{}, false, fmt.Errorf("user index: %w", err)
		}
	}
	return jr, res.Dup, nil
}

// PendingJoins lists pending join requests.
func (s *Store) PendingJoins(ctx context.Context, chatID int64) ([]JoinRequest, error) {
	m, err := s.rdb.HGetAll(ctx, rkeys.ForChat(chatID).JoinRequests()).Result()
	if err != nil {
		return nil, err
	}
	var out []JoinRequest
	for k, v := range m {
		if jr, err := decodeJoin(k, v); err == nil {
			out = append(out, jr)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// TouchPerson records a person's current display name, if they are linked in this bloc.
func (s *Store) TouchPerson(ctx context.Context, chatID int64, p domain.Person) error {
	return touchScript.Run(ctx, s.rdb, []string{rkeys.ForChat(chatID).Members(), rkeys.ForChat(chatID).People()}, p.ID, personArg(p)).Err()
}

var touchScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
end
return 1
`)

// BlocsOf lists the chats of the blocs a person is linked in.
func (s *Store) BlocsOf(ctx context.Context, person int64) ([]int64, error) {
	v, err := s.rdb.SMembers(ctx, rkeys.UserBlocs(person)).Result()
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(v))
	for _, x := range v {
		id, err := strconv.ParseInt(x, 10, 64)
		if err == nil {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// AllBlocs lists the chats of every bloc.
func (s *Store) AllBlocs(ctx context.Context) ([]int64, error) {
	v, err := s.rdb.SMembers(ctx, rkeys.BlocIndex).Result()
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(v))
	for _, x := range v {
		if id, err := strconv.ParseInt(x, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out, nil
}
