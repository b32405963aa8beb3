-- cancel-waiter: removes a waiter from the queue; those behind it move up.
-- KEYS: the seven per-lock keys (see includes/lock.lua).
-- ARGV: [1] name [2] events channel [3] waiter heartbeat TTL ms [4] origin [5] waiter id
--       [6] the token its lease would carry, or "" if unknown
-- Returns JSON: {r="cancelled"} | {r="not_waiting", lease?} (lease: it was granted already and
-- still holds, so a caller that missed the grant event can still release it), plus due, lower,
-- exists, created. Events: expiries first, then dequeued, then any grants a limit raised while
-- it waited makes possible.
--!include clock
--!include lock

local waiter_id, token = ARGV[5], ARGV[6]
expire_due()
if redis.call('HDEL', K_WAITERS, waiter_id) == 0 then
  local raw = token and token ~= '' and redis.call('HGET', K_HOLDERS, token)
  return reply({ r = 'not_waiting', lease = raw and cjson.decode(raw) or nil })
end
redis.call('ZREM', K_QUEUE, waiter_id)
redis.call('ZREM', K_DUE, 'W' .. waiter_id)
publish('dequeued', nil, waiter_id)
hand_off()
forget_if_idle()
return reply({ r = 'cancelled' })
