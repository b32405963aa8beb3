-- reserve: creates an idle lock that is kept while idle.
-- KEYS: the seven per-lock keys (see includes/lock.lua).
-- ARGV: [1] name [2] events channel [3] waiter heartbeat TTL ms [4] origin [5] limit
-- Returns JSON: {r="reserved", limit} | {r="exists"}, plus due, lower, exists, created.
-- Events: expiries first, then reserved.
--!include clock
--!include lock

local limit = tonumber(ARGV[5])
expire_due()
if redis.call('EXISTS', K_META) == 1 then return reply({ r = 'exists' }) end
create(limit, true)
publish('reserved')
return reply({ r = 'reserved', limit = limit })
