package scheduler

import "github.com/redis/go-redis/v9"

// Every script touches the keys of one timer shard only (one hash tag, so one Cluster slot), and
// every key it touches is passed in KEYS. Times are unix milliseconds from the caller's clock;
// no script reads Redis TIME, so a fake clock drives everything.
//
// Shard keys, always in this order where used:
//   due    sorted set id -> due time
//   data   hash       id -> timer JSON
//   leased sorted set id -> lease expiry
//   owner  hash       id -> token of the Run holding the lease
//   done   sorted set id -> fired at (trimmed by age)

// scheduleScript adds or updates a pending timer. Returns 1 if stored, 0 if the id already fired
// (it is in Done), 2 if it is being handled right now (leased; left alone).
// KEYS: due, data, leased, done. ARGV: id, due ms, json.
var scheduleScript = redis.NewScript(`
if redis.call('ZSCORE', KEYS[4], ARGV[1]) then return 0 end
if redis.call('ZSCORE', KEYS[3], ARGV[1]) then return 2 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
`)

// cancelScript drops a pending or in-flight timer. Returns 1 if there was one.
// KEYS: due, data, leased, owner. ARGV: id.
var cancelScript = redis.NewScript(`
local n = redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
if n > 0 then return 1 end
return 0
`)

// claimScript leases up to limit timers: first those whose lease expired (their holder died),
// then those due. Each claimed id moves to Leased with expiry ARGV[2] and owner ARGV[4].
// Returns {next, id1, json1, id2, json2, ...} where next is the earliest remaining due time or
// lease expiry in the shard (-1 if none).
// KEYS: due, data, leased, owner. ARGV: now, lease expiry, limit, owner token.
var claimScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[3])
local out = {-1}
local n = 0
local function take(id)
  local d = redis.call('HGET', KEYS[2], id)
  if d then
    redis.call('ZADD', KEYS[3], ARGV[2], id)
    redis.call('HSET', KEYS[4], id, ARGV[4])
    out[#out+1] = id
    out[#out+1] = d
    n = n + 1
  else
    redis.call('ZREM', KEYS[3], id)
    redis.call('HDEL', KEYS[4], id)
  end
end
if limit > 0 then
  local ids = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, limit)
  for _, id in ipairs(ids) do take(id) end
end
if limit - n > 0 then
  local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit - n)
  for _, id in ipairs(ids) do
    redis.call('ZREM', KEYS[1], id)
    take(id)
  end
end
local h = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if h[2] then out[1] = tonumber(h[2]) end
local l = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
if l[2] and (out[1] < 0 or tonumber(l[2]) < out[1]) then out[1] = tonumber(l[2]) end
return out
`)

// ackScript records a handled timer as fired, if the caller still holds its lease, and trims
// Done of entries older than ARGV[4]. Returns 1 if acked, 0 if the lease was not the caller's.
// KEYS: due, data, leased, owner, done. ARGV: id, owner token, now, done cutoff.
var ackScript = redis.NewScript(`
if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. ARGV[4])
return 1
`)

// requeueScript gives a leased timer back as pending at ARGV[3] (a retry, or a hand-back at
// shutdown), replacing its JSON when ARGV[4] is not empty. Only the lease holder can.
// KEYS: due, data, leased, owner. ARGV: id, owner token, due ms, json or "".
var requeueScript = redis.NewScript(`
if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[4]) end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
`)

// extendScript renews the leases the caller holds among ARGV[3..] to expire at ARGV[2], and
// returns the ids whose lease it no longer holds (reclaimed elsewhere, cancelled).
// KEYS: leased, owner. ARGV: owner token, new expiry, ids...
var extendScript = redis.NewScript(`
local lost = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[2], id) == ARGV[1] and redis.call('ZSCORE', KEYS[1], id) then
    redis.call('ZADD', KEYS[1], ARGV[2], id)
  else
    lost[#lost+1] = id
  end
end
return lost
`)
