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

// The emulation pledge in Redis, all in the chat's hash slot:
//
//	{c:<chat>}:pledge      hash  cur -> seq of the current version; year:<y> -> latest seq of y's
//	                             pledge; deadline:<y> -> sign-by time (unix ms); msg:<seq> -> id of
//	                             the posted message; cnt:<seq> -> signatures; inforce:<seq> -> when
//	                             the last unit signed (unix ms)
//	{c:<chat>}:pledge:ver  hash  seq -> "<year>|<hash>|<at ms>|<poster id>|<json: title, items, poster>"
//	{c:<chat>}:pledge:sig  hash  "<seq>:<unit>" -> "<at ms>|<person id>|<json: name>"
//
// A version's seq is chat-wide (from the chat's counter), so a Sign button names one version
// exactly; its hash is the version people see. Versions and signatures are never deleted.
type pledgeKeys struct{ meta, ver, sig string }

func pledgeKeysOf(chatID int64) pledgeKeys {
	ck := rkeys.ForChat(chatID)
	return pledgeKeys{meta: ck.Sub("pledge"), ver: ck.Sub("pledge", "ver"), sig: ck.Sub("pledge", "sig")}
}

// PledgeSignature is one unit's signature of one version.
type PledgeSignature struct {
	Unit   int
	Person domain.Person
	At     time.Time
}

// PledgeVersion is one version of a year's pledge, with its signatures.
type PledgeVersion struct {
	Seq        int // chat-wide number of the version (buttons carry it)
	Year       int
	Hash       string // the version people see: a short hash of the text
	Pledge     domain.Pledge
	At         time.Time
	By         domain.Person
	MessageID  int                     // the posted message with the Sign button (0: unknown)
	Signatures map[int]PledgeSignature // by unit id
	InForce    time.Time               // when the last unit signed; zero while some have not
}

// Signed lists the signatures, in the order of the bloc's units.
func (v *PledgeVersion) Signed() []PledgeSignature {
	out := make([]PledgeSignature, 0, len(v.Signatures))
	for _, s := range v.Signatures {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return out
}

// Pledges are all of a chat's pledges: every version of every year.
type Pledges struct {
	CurrentSeq int
	Versions   map[int]*PledgeVersion // by seq
	Deadlines  map[int]time.Time      // by year
	Latest     map[int]int            // year -> seq of that year's latest version
}

// Current is the current version: the latest version of the latest pledge posted (nil: none).
func (p *Pledges) Current() *PledgeVersion { return p.Versions[p.CurrentSeq] }

// OfYear lists a year's versions, oldest first.
func (p *Pledges) OfYear(year int) []*PledgeVersion {
	var out []*PledgeVersion
	for _, v := range p.Versions {
		if v.Year == year {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// ForYear is the latest version of a year's pledge (nil: none).
func (p *Pledges) ForYear(year int) *PledgeVersion { return p.Versions[p.Latest[year]] }

// Years lists the years that have a pledge, newest first.
func (p *Pledges) Years() []int {
	var ys []int
	for y := range p.Latest {
		ys = append(ys, y)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ys)))
	return ys
}

type pledgeJSON struct {
	T string     `json:"t"`
	C []string   `json:"c"`
	P personJSON `json:"p"`
}

// LoadPledges reads a chat's pledges in one round trip.
func (s *Store) LoadPledges(ctx context.Context, chatID int64) (*Pledges, error) {
	k := pledgeKeysOf(chatID)
	pipe := s.rdb.Pipeline()
	meta := pipe.HGetAll(ctx, k.meta)
	ver := pipe.HGetAll(ctx, k.ver)
	sig := pipe.HGetAll(ctx, k.sig)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("load pledges: %w", err)
	}
	return decodePledges(meta.Val(), ver.Val(), sig.Val())
}

// LoadBlocAndPledges is LoadPledges and the bloc in one round trip, shared with the scripts of
// concurrent updates (readTogether): what a pledge message is drawn from. The bloc comes
// without its members and people (empty maps), which the message does not show: each
// signature names its signer.
func (s *Store) LoadBlocAndPledges(ctx context.Context, chatID int64) (*domain.Bloc, *Pledges, error) {
	k := pledgeKeysOf(chatID)
	ck := rkeys.ForChat(chatID)
	all := func(key string) *redis.MapStringStringCmd { return redis.NewMapStringStringCmd(ctx, "hgetall", key) }
	bc := blocCmds{bloc: all(ck.Bloc()), units: all(ck.Units())}
	meta, ver, sig := all(k.meta), all(k.ver), all(k.sig)
	if err := s.readTogether(ctx, bc.bloc, bc.units, meta, ver, sig); err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, fmt.Errorf("load pledges: %w", err)
	}
	b, err := bc.decode(chatID)
	if err != nil {
		return nil, nil, err
	}
	ps, err := decodePledges(meta.Val(), ver.Val(), sig.Val())
	return b, ps, err
}

func decodePledges(meta, ver, sig map[string]string) (*Pledges, error) {
	p := &Pledges{Versions: map[int]*PledgeVersion{}, Deadlines: map[int]time.Time{}, Latest: map[int]int{}}
	p.CurrentSeq, _ = strconv.Atoi(meta["cur"])
	for k, raw := range ver {
		seq, _ := strconv.Atoi(k)
		parts := strings.SplitN(raw, "|", 5)
		if len(parts) != 5 {
			return nil, fmt.Errorf("pledge version %s: bad record", k)
		}
		var j pledgeJSON
		if err := json.Unmarshal([]byte(parts[4]), &j); err != nil {
			return nil, fmt.Errorf("pledge version %s: %w", k, err)
		}
		v := &PledgeVersion{Seq: seq, Hash: parts[1], At: fromMS(parts[2]),
			Pledge:     domain.Pledge{Title: j.T, Commitments: j.C},
			Signatures: map[int]PledgeSignature{}}
		v.Year, _ = strconv.Atoi(parts[0])
		pid, _ := strconv.ParseInt(parts[3], 10, 64)
		v.By = domain.Person{ID: pid, Name: j.P.N, Username: j.P.U}
		v.MessageID, _ = strconv.Atoi(meta["msg:"+k])
		v.InForce = fromMS(meta["inforce:"+k])
		p.Versions[seq] = v
	}
	for k, raw := range sig {
		seqS, unitS, ok := strings.Cut(k, ":")
		seq, _ := strconv.Atoi(seqS)
		v := p.Versions[seq]
		if !ok || v == nil {
			continue
		}
		sg, err := decodeSignature(raw)
		if err != nil {
			return nil, fmt.Errorf("pledge signature %s: %w", k, err)
		}
		sg.Unit, _ = strconv.Atoi(unitS)
		v.Signatures[sg.Unit] = sg
	}
	for k, v := range meta {
		if y, ok := strings.CutPrefix(k, "year:"); ok {
			yr, _ := strconv.Atoi(y)
			p.Latest[yr], _ = strconv.Atoi(v)
		} else if y, ok := strings.CutPrefix(k, "deadline:"); ok && v != "" {
			yr, _ := strconv.Atoi(y)
			p.Deadlines[yr] = fromMS(v)
		}
	}
	return p, nil
}

// A signature is "<at ms>|<person id>|<json>": scripts write it without decoding any JSON.
func decodeSignature(raw string) (PledgeSignature, error) {
	parts := strings.SplitN(raw, "|", 3)
	if len(parts) != 3 {
		return PledgeSignature{}, errors.New("bad record")
	}
	var pj personJSON
	if err := json.Unmarshal([]byte(parts[2]), &pj); err != nil {
		return PledgeSignature{}, err
	}
	id, _ := strconv.ParseInt(parts[1], 10, 64)
	return PledgeSignature{Person: domain.Person{ID: id, Name: pj.N, Username: pj.U}, At: fromMS(parts[0])}, nil
}

// pledgeErr maps the pledge scripts' "err:<code>" results to domain errors.
func pledgeErr(res string) error {
	switch res {
	case "err:nopledge":
		return domain.ErrPledgeNone
	case "err:unchanged":
		return domain.ErrPledgeUnchanged
	}
	return scriptErr(res)
}

func pledgeArg(p domain.Pledge, by domain.Person) string {
	return mustJSON(pledgeJSON{T: p.Title, C: p.Commitments, P: personJSON{N: by.Name, U: by.Username}})
}

var postPledgeScript = NewScript(`
if not has_bloc() then return done('err:nobloc') end
local META, VER, SEQ, UNITS = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local year, hash, body = ARGV[4], ARGV[5], ARGV[6]
local existing = redis.call('HGET', META, 'year:' .. year)
if existing then return done('err:exists:' .. existing) end
if redis.call('HLEN', UNITS) == 0 then return done('err:units') end
local n = redis.call('HINCRBY', SEQ, 'pledge', 1)
redis.call('HSET', VER, n, year .. '|' .. hash .. '|' .. ARGV[2] .. '|' .. ACTOR .. '|' .. body)
redis.call('HSET', META, 'cur', n, 'year:' .. year, n)
audit('pledge.post', {year = tonumber(year), version = hash, seq = n})
return done(tostring(n))
`)

// PostResult says what posting a pledge did.
type PostResult struct {
	Seq  int
	Hash string
	Dup  bool
}

// ErrPledgeExistsSeq is returned when the year already has a pledge (amend it instead).
type ErrPledgeExistsSeq struct{ Seq int }

func (e ErrPledgeExistsSeq) Error() string {
	return "a pledge for this year exists: " + strconv.Itoa(e.Seq)
}
func (e ErrPledgeExistsSeq) Unwrap() error { return domain.ErrPledgeExists }

// PostPledge posts a year's pledge as its first version, which becomes the current pledge. A
// year that has one already is refused with ErrPledgeExistsSeq; a bloc without units with
// domain.ErrNotEnoughUnits.
func (s *Store) PostPledge(ctx context.Context, chatID int64, op Op, year int, by domain.Person, p domain.Pledge) (PostResult, error) {
	k := pledgeKeysOf(chatID)
	ck := rkeys.ForChat(chatID)
	hash := p.Version()
	res, err := s.RunDurable(ctx, postPledgeScript, chatID, op, []string{k.meta, k.ver, ck.Counter(), ck.Units()},
		year, hash, pledgeArg(p, by))
	if err != nil {
		return PostResult{}, err
	}
	if v, ok := strings.CutPrefix(res.Value, "err:exists:"); ok {
		seq, _ := strconv.Atoi(v)
		return PostResult{}, ErrPledgeExistsSeq{Seq: seq}
	}
	if err := scriptErr(res.Value); err != nil {
		return PostResult{}, err
	}
	seq, _ := strconv.Atoi(res.Value)
	return PostResult{Seq: seq, Hash: hash, Dup: res.Dup}, nil
}

var amendPledgeScript = NewScript(`
if not has_bloc() then return done('err:nobloc') end
local META, VER, SEQ = KEYS[5], KEYS[6], KEYS[7]
local hash, body = ARGV[4], ARGV[5]
local cur = redis.call('HGET', META, 'cur')
if not cur then return done('err:nopledge') end
local year, oldhash = string.match(redis.call('HGET', VER, cur), '^([^|]*)|([^|]*)|')
if oldhash == hash then return done('err:unchanged') end
local n = redis.call('HINCRBY', SEQ, 'pledge', 1)
redis.call('HSET', VER, n, year .. '|' .. hash .. '|' .. ARGV[2] .. '|' .. ACTOR .. '|' .. body)
redis.call('HSET', META, 'cur', n, 'year:' .. year, n)
audit('pledge.amend', {year = tonumber(year), version = hash, old = oldhash, seq = n,
  signed = tonumber(redis.call('HGET', META, 'cnt:' .. cur) or '0')})
return done(n .. '|' .. cur)
`)

// AmendResult says what amending did: the new version and the one it replaced.
type AmendResult struct {
	Seq    int
	OldSeq int
	Dup    bool
}

// AmendPledge makes a new version of the current pledge; signatures start again from none
// (the previous version keeps its own). Refused with domain.ErrPledgeNone when there is no
// pledge and domain.ErrPledgeUnchanged when the text is the same as the current version's.
func (s *Store) AmendPledge(ctx context.Context, chatID int64, op Op, by domain.Person, p domain.Pledge) (AmendResult, error) {
	k := pledgeKeysOf(chatID)
	res, err := s.RunDurable(ctx, amendPledgeScript, chatID, op, []string{k.meta, k.ver, rkeys.ForChat(chatID).Counter()},
		p.Version(), pledgeArg(p, by))
	if err != nil {
		return AmendResult{}, err
	}
	if err := pledgeErr(res.Value); err != nil {
		return AmendResult{}, err
	}
	n, old, _ := strings.Cut(res.Value, "|")
	r := AmendResult{Dup: res.Dup}
	r.Seq, _ = strconv.Atoi(n)
	r.OldSeq, _ = strconv.Atoi(old)
	return r, nil
}

// allSignedLua is all_signed(SIG, UNITS, cur): every unit of the bloc has signed version cur.
const allSignedLua = `
local function all_signed(SIG, UNITS, cur)
  for _, u in ipairs(redis.call('HKEYS', UNITS)) do
    if redis.call('HEXISTS', SIG, cur .. ':' .. u) == 0 then return false end
  end
  return true
end
`

var signPledgeScript = NewScript(allSignedLua + `
local META, SIG, MEMBERS, UNITS, VER = KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local bl = redis.call('HMGET', BLOC, 'lang', 'tz', 'audit_head')
local r = {l = bl[1] or '', z = bl[2] or ''}
AHEAD = bl[3] or ''

local function fin(e) r.e = e; return done(cjson.encode(r)) end
if not bl[1] then return fin('nobloc') end -- every bloc has a language from its setup
local unit = redis.call('HGET', MEMBERS, ACTOR)
if not unit then return fin('member') end
r.u = unit
r.un = redis.call('HGET', UNITS, unit) or ''
local cur = redis.call('HGET', META, 'cur')
if not cur then return fin('none') end
local year, hash = string.match(redis.call('HGET', VER, cur), '^([^|]*)|([^|]*)|')
r.n, r.y, r.h = cur, year, hash
local mc = redis.call('HMGET', META, 'msg:' .. cur, 'cnt:' .. cur)
r.m = mc[1] or ''
r.t = redis.call('HLEN', UNITS)
r.c = tonumber(mc[2] or '0')
local want = ARGV[4]
if want ~= '0' and want ~= cur then
  local old = redis.call('HGET', VER, want)
  if old then r.oh = string.match(old, '^[^|]*|([^|]*)|') end
  return fin('stale')
end
local field = cur .. ':' .. unit
local prev = redis.call('HGET', SIG, field)
if prev then r.s = prev; return fin('signed') end
redis.call('HSET', SIG, field, ARGV[2] .. '|' .. ACTOR .. '|' .. ARGV[5])
r.c = redis.call('HINCRBY', META, 'cnt:' .. cur, 1)
audit('pledge.sign', {unit = tonumber(unit), person = ACTOR, year = tonumber(year), version = hash})
if r.c >= r.t and redis.call('HEXISTS', META, 'inforce:' .. cur) == 0 then
  if all_signed(SIG, UNITS, cur) then
    redis.call('HSET', META, 'inforce:' .. cur, ARGV[2])
    r.f = 1
    audit('pledge.inforce', {year = tonumber(year), version = hash, units = r.t})
  end
end
return fin('')
`)

// SignResult is what a signature did, with what the reply needs (so the handler does not load
// the bloc first): the chat's language and time zone, the signer's unit, the current version,
// the count.
type SignResult struct {
	Lang, TZ  string
	Unit      int
	UnitName  string
	Seq       int
	Year      int
	Hash      string
	MessageID int
	Signed    int // units that signed the current version, this one included
	Units     int // units of the bloc
	// Completed is true for the one signature that made the pledge complete (every unit
	// signed): only that run announces it. A replay of the same update returns it with Dup.
	Completed bool
	Dup       bool
	// Already is the unit's earlier signature (with domain.ErrPledgeSigned).
	Already *PledgeSignature
	// OldHash is the version of a stale button (with domain.ErrPledgeOldVersion).
	OldHash string
}

// SignPledge signs the current pledge for the signer's unit in one round trip. seq is the
// version the signer saw (a button's), or 0 for whatever is current (/sign). Refusals come
// with the result filled as far as known: domain.ErrNoBloc, domain.ErrNotLinked (not a
// member), domain.ErrPledgeNone, domain.ErrPledgeOldVersion (seq is not current),
// domain.ErrPledgeSigned (Already says by whom and when).
func (s *Store) SignPledge(ctx context.Context, chatID int64, op Op, signer domain.Person, seq int) (SignResult, error) {
	k := pledgeKeysOf(chatID)
	ck := rkeys.ForChat(chatID)
	res, err := s.RunDurable(ctx, signPledgeScript, chatID, op, []string{k.meta, k.sig, ck.Members(), ck.Units(), k.ver},
		seq, personArg(signer))
	if err != nil {
		return SignResult{}, err
	}
	var raw struct {
		E  string `json:"e"`
		L  string `json:"l"`
		Z  string `json:"z"`
		U  string `json:"u"`
		UN string `json:"un"`
		N  string `json:"n"`
		Y  string `json:"y"`
		H  string `json:"h"`
		M  string `json:"m"`
		T  int    `json:"t"`
		C  int    `json:"c"`
		F  int    `json:"f"`
		S  string `json:"s"`
		OH string `json:"oh"`
	}
	if err := json.Unmarshal([]byte(res.Value), &raw); err != nil {
		return SignResult{}, fmt.Errorf("sign pledge: %w", err)
	}
	r := SignResult{Lang: raw.L, TZ: raw.Z, UnitName: raw.UN, Hash: raw.H, Units: raw.T, Signed: raw.C,
		Completed: raw.F == 1, Dup: res.Dup, OldHash: raw.OH}
	r.Unit, _ = strconv.Atoi(raw.U)
	r.Seq, _ = strconv.Atoi(raw.N)
	r.Year, _ = strconv.Atoi(raw.Y)
	r.MessageID, _ = strconv.Atoi(raw.M)
	switch raw.E {
	case "":
		return r, nil
	case "nobloc":
		return r, domain.ErrNoBloc
	case "member":
		return r, domain.ErrNotLinked
	case "none":
		return r, domain.ErrPledgeNone
	case "stale":
		return r, domain.ErrPledgeOldVersion
	case "signed":
		sg, err := decodeSignature(raw.S)
		if err != nil {
			return r, fmt.Errorf("sign pledge: %w", err)
		}
		sg.Unit = r.Unit
		r.Already = &sg
		return r, domain.ErrPledgeSigned
	}
	return r, fmt.Errorf("sign pledge: %s", raw.E)
}

var pledgeMessageScript = NewScript(`
local META = KEYS[5]
if redis.call('HGET', META, 'cur') ~= ARGV[4] then return done('-1') end
redis.call('HSET', META, 'msg:' .. ARGV[4], ARGV[5])
return done(redis.call('HGET', META, 'cnt:' .. ARGV[4]) or '0')
`)

// SetPledgeMessage records the id of the message that shows a version with its Sign button.
// It returns how many units signed that version already (a signature that came before the
// id was known did not update the message), or -1 when the version is no longer current.
func (s *Store) SetPledgeMessage(ctx context.Context, chatID int64, seq, messageID int) (int, error) {
	res, err := s.Run(ctx, pledgeMessageScript, chatID, Op{}, []string{pledgeKeysOf(chatID).meta}, seq, messageID)
	if err != nil {
		return 0, err
	}
	n, _ := strconv.Atoi(res.Value)
	return n, nil
}

var pledgeDeadlineScript = NewScript(`
if not has_bloc() then return done('err:nobloc') end
local META, VER = KEYS[5], KEYS[6]
local cur = redis.call('HGET', META, 'cur')
if not cur then return done('err:nopledge') end
local year, hash = string.match(redis.call('HGET', VER, cur), '^([^|]*)|([^|]*)|')
local old = redis.call('HGET', META, 'deadline:' .. year) or ''
if ARGV[4] == '' then redis.call('HDEL', META, 'deadline:' .. year)
else redis.call('HSET', META, 'deadline:' .. year, ARGV[4]) end
audit('pledge.deadline', {year = tonumber(year), version = hash, at = ARGV[4], old = old})
return done(year .. '|' .. old)
`)

// SetPledgeDeadline sets (or, with a zero time, clears) the sign-by time of the current
// pledge's year. It returns the year and the previous deadline (zero: none).
func (s *Store) SetPledgeDeadline(ctx context.Context, chatID int64, op Op, at time.Time) (int, time.Time, error) {
	k := pledgeKeysOf(chatID)
	arg := ""
	if !at.IsZero() {
		arg = strconv.FormatInt(ms(at), 10)
	}
	res, err := s.Run(ctx, pledgeDeadlineScript, chatID, op, []string{k.meta, k.ver}, arg)
	if err != nil {
		return 0, time.Time{}, err
	}
	if err := pledgeErr(res.Value); err != nil {
		return 0, time.Time{}, err
	}
	y, old, _ := strings.Cut(res.Value, "|")
	year, _ := strconv.Atoi(y)
	return year, fromMS(old), nil
}

// PledgeStatus is what other features (the reminders) need to know about a chat's current
// pledge: whether it exists, its sign-by time, and which units have and have not signed.
type PledgeStatus struct {
	Exists   bool
	Year     int
	Seq      int    // version number (changes with every amendment)
	Version  string // version hash
	Title    string
	Deadline time.Time // zero when no sign-by date is set
	Units    []int     // every unit of the bloc, by id
	Signed   []int     // units that signed the current version
	Unsigned []int     // units that still have to sign it
	InForce  bool      // every unit signed
}

// PledgeStatus reads the current pledge's status in one round trip. Without a pledge it
// returns Exists false and no error.
func (s *Store) PledgeStatus(ctx context.Context, chatID int64) (PledgeStatus, error) {
	k := pledgeKeysOf(chatID)
	pipe := s.rdb.Pipeline()
	meta := pipe.HGetAll(ctx, k.meta)
	ver := pipe.HGetAll(ctx, k.ver)
	sig := pipe.HGetAll(ctx, k.sig)
	units := pipe.HKeys(ctx, rkeys.ForChat(chatID).Units())
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return PledgeStatus{}, fmt.Errorf("pledge status: %w", err)
	}
	ps, err := decodePledges(meta.Val(), ver.Val(), sig.Val())
	if err != nil {
		return PledgeStatus{}, err
	}
	v := ps.Current()
	if v == nil {
		return PledgeStatus{}, nil
	}
	st := PledgeStatus{Exists: true, Year: v.Year, Seq: v.Seq, Version: v.Hash, Title: v.Pledge.Title,
		Deadline: ps.Deadlines[v.Year], InForce: !v.InForce.IsZero()}
	for _, u := range units.Val() {
		id, err := strconv.Atoi(u)
		if err != nil {
			continue
		}
		st.Units = append(st.Units, id)
	}
	sort.Ints(st.Units)
	for _, id := range st.Units {
		if _, ok := v.Signatures[id]; ok {
			st.Signed = append(st.Signed, id)
		} else {
			st.Unsigned = append(st.Unsigned, id)
		}
	}
	return st, nil
}
