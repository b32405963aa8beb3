-- cancel-waiter: removes a waiter from the queue; those behind it move up.
-- KEYS: the six per-lock keys (see includes/lock.lua).
-- ARGV: [1] name [2] events channel [3] waiter heartbeat TTL ms [4] waiter id
-- Returns JSON: {r="cancelled"} | {r="not_waiting"} (also when it was granted already),
-- plus due, lower, exists, created. Events: expiries first, then dequeued, then any grants a
-- limit raised while it waited makes possible.
--!include clock
--!include lock

local waiter_id = ARGV[4]
expire_due()
if redis.call('HDEL', K_WAITERS, waiter_id) == 0 then return reply({ r = 'not_waiting' }) end
redis.call('ZREM', K_QUEUE, waiter_id)
redis.call('ZREM', K_DUE, 'W' .. waiter_id)
publish('dequeued', nil, waiter_id)
hand_off()
forget_if_idle()
return reply({ r = 'cancelled' })
