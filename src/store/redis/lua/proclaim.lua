-- proclaim: replaces the value a lease publishes (an election leader's new value).
-- KEYS: the seven per-lock keys (see includes/lock.lua).
-- ARGV: [1] name [2] events channel [3] waiter heartbeat TTL ms [4] origin [5] lease token
--       [6] the new value
-- Returns JSON: {r="proclaimed", lease} | {r="not_held"}, plus due, lower, exists, created.
-- Events: expiries first, then proclaimed.
--!include clock
--!include lock

local token, value = ARGV[5], ARGV[6]
expire_due()
local raw = redis.call('HGET', K_HOLDERS, token)
if not raw then return reply({ r = 'not_held' }) end
local lease = cjson.decode(raw)
if value == '' then lease.v = nil else lease.v = value end
redis.call('HSET', K_HOLDERS, token, cjson.encode(lease))
publish('proclaimed', lease)
return reply({ r = 'proclaimed', lease = lease })
