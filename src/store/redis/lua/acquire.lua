-- acquire: the acquire-or-enqueue step.
-- KEYS: the seven per-lock keys (see includes/lock.lua).
-- ARGV: [1] name [2] events channel [3] waiter heartbeat TTL ms [4] origin (see includes/lock.lua)
--       [5] owner [6] ttl ms [7] token [8] limit or "" (keep the lock's) [9] waiter id or "" (try once)
--       [10] max queue length [11] "1" when an instance re-enqueues a waiter it lost (its grant
--       event then names the waiter, since no caller is waiting for this script's answer)
--       [12] exclusive permits wanted (ignored when shared) [13] "1" for shared mode [14] value
-- Returns JSON: {r="granted", lease} | {r="queued", position, queueLength, holders}
--   | {r="busy", holders, queueLength} | {r="limit_mismatch", limit} | {r="queue_full", queueLength}
--   | {r="too_many_permits", limit, permits}
--   plus due, lower, exists, created (see reply()). Events: expiries first, then granted or queued.
--!include clock
--!include lock

local owner, ttl, token = ARGV[5], tonumber(ARGV[6]), ARGV[7]
local want, waiter_id, max_queue, rejoin = tonumber(ARGV[8]), ARGV[9], tonumber(ARGV[10]), ARGV[11] == '1'
-- The request in waiter form; k and h are left out at their defaults to keep old JSON shapes.
local claim = { o = owner, l = ttl, t = token }
if ARGV[13] == '1' then claim.h = 1 elseif tonumber(ARGV[12] or '1') ~= 1 then claim.k = tonumber(ARGV[12]) end
if ARGV[14] and ARGV[14] ~= '' then claim.v = ARGV[14] end

expire_due()
local exists = redis.call('EXISTS', K_META) == 1
local holding = redis.call('HLEN', K_HOLDERS)
local waiting = redis.call('ZCARD', K_QUEUE)
local busy = holding > 0 or waiting > 0

if want and exists then
  local limit = lock_limit()
  if limit ~= want and (busy or is_reserved()) then
    return reply({ r = 'limit_mismatch', limit = limit })
  end
end
local limit = want or 1
if exists and (busy or is_reserved() or not want) then limit = lock_limit() end
if permits_of(claim) > limit then
  forget_if_idle()
  return reply({ r = 'too_many_permits', limit = limit, permits = permits_of(claim) })
end
if not exists then create(limit, false) end
if want and not busy then redis.call('HSET', K_META, 'limit', want) end

if waiting == 0 and fits(claim) then
  local lease = grant(claim, rejoin and waiter_id ~= '' and waiter_id or nil)
  return reply({ r = 'granted', lease = lease })
end
if waiter_id == '' then
  forget_if_idle()
  return reply({ r = 'busy', holders = holder_list(), queueLength = waiting })
end
if redis.call('HEXISTS', K_WAITERS, waiter_id) == 1 then
  -- A repeated enqueue of the same waiter keeps its place.
  local rank = redis.call('ZRANK', K_QUEUE, waiter_id)
  return reply({ r = 'queued', position = rank + 1, queueLength = waiting, holders = holder_list() })
end
if waiting >= max_queue then
  forget_if_idle()
  return reply({ r = 'queue_full', queueLength = waiting })
end

local seq = redis.call('HINCRBY', K_META, 'seq', 1)
redis.call('ZADD', K_QUEUE, seq, waiter_id)
claim.q, claim.i = NOW, ORIGIN
redis.call('HSET', K_WAITERS, waiter_id, cjson.encode(claim))
redis.call('ZADD', K_DUE, NOW + WAITER_TTL, 'W' .. waiter_id)
publish('queued', nil, waiter_id)
return reply({ r = 'queued', position = waiting + 1, queueLength = waiting + 1, holders = holder_list() })
