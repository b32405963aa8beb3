-- release-by-owner: releases the oldest lease (lowest fencing) held by an owner, for the
-- compatibility layers whose APIs name holders instead of presenting tokens.
-- KEYS: the seven per-lock keys (see includes/lock.lua).
-- ARGV: [1] name [2] events channel [3] waiter heartbeat TTL ms [4] origin [5] owner
-- Returns JSON: {r="released", lease} | {r="not_held"}, plus due, lower, exists, created.
-- Events: expiries first, then released, then granted to the next waiters.
--!include clock
--!include lock

local owner = ARGV[5]
expire_due()
local oldest, oldest_raw
for _, raw in ipairs(redis.call('HVALS', K_HOLDERS)) do
  local lease = cjson.decode(raw)
  if lease.o == owner and (oldest == nil or tonumber(lease.f) < tonumber(oldest.f)) then
    oldest, oldest_raw = lease, raw
  end
end
if not oldest then return reply({ r = 'not_held' }) end
return reply({ r = 'released', lease = remove_holder(oldest.t, oldest_raw) })
