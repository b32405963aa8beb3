-- release: releases the lease with a token and hands the permit to the head of the queue.
-- KEYS: the seven per-lock keys (see includes/lock.lua).
-- ARGV: [1] name [2] events channel [3] waiter heartbeat TTL ms [4] origin [5] lease token
-- Returns JSON: {r="released", lease} | {r="not_held"}, plus due, lower, exists, created.
-- Events: expiries first, then released, then granted to the next waiters.
--!include clock
--!include lock

local token = ARGV[5]
expire_due()
local raw = redis.call('HGET', K_HOLDERS, token)
if not raw then return reply({ r = 'not_held' }) end
return reply({ r = 'released', lease = remove_holder(token, raw) })
