-- refresh: moves a lease's deadline to now + ttl.
-- KEYS: the seven per-lock keys (see includes/lock.lua).
-- ARGV: [1] name [2] events channel [3] waiter heartbeat TTL ms [4] origin [5] lease token
--       [6] new ttl ms, or "" to keep the lease's own (0: never expires)
-- Returns JSON: {r="refreshed", lease} | {r="not_held"}, plus due, lower (always set when the
-- lock has a deadline, so a refresh also repairs a missing index entry), exists, created.
-- Events: expiries first, then refreshed.
--!include clock
--!include lock

local token, ttl = ARGV[5], tonumber(ARGV[6])
expire_due()
local raw = redis.call('HGET', K_HOLDERS, token)
if not raw then return reply({ r = 'not_held' }, true) end
local lease = cjson.decode(raw)
if ttl then lease.l = ttl end
set_deadline(lease)
publish('refreshed', lease)
return reply({ r = 'refreshed', lease = lease }, true)
