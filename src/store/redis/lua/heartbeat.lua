-- heartbeat: renews the heartbeat of the waiters one instance owns on a lock, and reports where
-- each of them stands, so an instance that missed events (pub/sub reconnect) can catch up.
-- KEYS: the seven per-lock keys (see includes/lock.lua).
-- ARGV: [1] name [2] events channel [3] waiter heartbeat TTL ms [4] origin
--       [5], [6], ...: pairs of waiter id and the token its lease will carry
-- Returns JSON: {statuses = {[waiter id] = "queued" | {lease} | "gone"}} plus due, lower
-- (always set, so heartbeats also repair a missing due-index entry), exists, created.
-- A waiter is "gone" when it is neither queued nor holding (e.g. its heartbeat lapsed).
-- Events: expiries first; renewing a heartbeat emits nothing.
--!include clock
--!include lock

expire_due()
local statuses = {}
for i = 5, #ARGV, 2 do
  local waiter_id, token = ARGV[i], ARGV[i + 1]
  if redis.call('HEXISTS', K_WAITERS, waiter_id) == 1 then
    redis.call('ZADD', K_DUE, NOW + WAITER_TTL, 'W' .. waiter_id)
    statuses[waiter_id] = 'queued'
  else
    local raw = redis.call('HGET', K_HOLDERS, token)
    statuses[waiter_id] = raw and cjson.decode(raw) or 'gone'
  end
end
return reply({ statuses = statuses }, true)
