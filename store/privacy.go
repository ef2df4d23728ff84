package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/rkeys"
)

// forgetScript removes a person from one bloc: their link to a unit, the name and username
// stored for them and their pending join requests. The audit entry it appends names them by
// id only; earlier entries keep their id, since the log is hash-chained.
var forgetScript = NewScript(`
if not has_bloc() then return {0, '{"n":1}'} end
local MEMBERS, PEOPLE, REQS = KEYS[5], KEYS[6], KEYS[7]
local person = ARGV[4]
local unit = redis.call('HGET', MEMBERS, person)
if unit then redis.call('HDEL', MEMBERS, person) end
local named = redis.call('HDEL', PEOPLE, person)
local reqs = redis.call('HGETALL', REQS)
local prefix = person .. '|'
local n = 0
for i = 1, #reqs, 2 do
  if string.sub(reqs[i + 1], 1, #prefix) == prefix then
    redis.call('HDEL', REQS, reqs[i])
    n = n + 1
  end
end
if unit or named == 1 or n > 0 then
  audit('person.forget', {person = person, unit = unit and tonumber(unit) or nil, requests = n})
end
return done(cjson.encode({u = unit and tonumber(unit) or 0, p = named, r = n}))
`)

// ForgetResult says what was removed from one bloc.
type ForgetResult struct {
	NoBloc   bool // the chat is not a bloc: nothing to remove
	Unit     int  // the unit the person was linked to (0: none)
	Named    bool // a stored name and username were removed
	Requests int  // pending join requests removed
}

// Any reports whether anything was removed.
func (r ForgetResult) Any() bool { return r.Unit != 0 || r.Named || r.Requests > 0 }

// ForgetPerson removes a person's personal data from one bloc (see forgetScript).
func (s *Store) ForgetPerson(ctx context.Context, chatID int64, op Op, person int64) (ForgetResult, error) {
	ck := rkeys.ForChat(chatID)
	res, err := s.Run(ctx, forgetScript, chatID, op, []string{ck.Members(), ck.People(), ck.JoinRequests()}, person)
	if err != nil {
		return ForgetResult{}, err
	}
	var out struct {
		N int `json:"n"`
		U int `json:"u"`
		P int `json:"p"`
		R int `json:"r"`
	}
	if err := json.Unmarshal([]byte(res.Value), &out); err != nil {
		return ForgetResult{}, fmt.Errorf("forget: %w", err)
	}
	return ForgetResult{NoBloc: out.N == 1, Unit: out.U, Named: out.P == 1, Requests: out.R}, nil
}

// ForgetIndex drops the index of the blocs a person is linked in (after ForgetPerson in each).
func (s *Store) ForgetIndex(ctx context.Context, person int64) error {
	return s.rdb.Del(ctx, rkeys.UserBlocs(person)).Err()
}

var countActionScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`)

// CountAction counts one action of a person in the current window of the given length and
// returns how many they made in it so far. The count lives in Redis, so every replica sees
// the same one.
func (s *Store) CountAction(ctx context.Context, person int64, window time.Duration) (int, error) {
	w := window.Milliseconds()
	if w <= 0 {
		w = 60000
	}
	n, err := countActionScript.Run(ctx, s.rdb, []string{rkeys.ActionRate(person, s.clk.Now().UnixMilli()/w)}, w*2).Int()
	if err != nil {
		return 0, fmt.Errorf("count action: %w", err)
	}
	return n, nil
}
