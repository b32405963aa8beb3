-- heartbeat: renews the heartbeat of the waiters one instance owns on a lock, reports where each
-- of them stands (so an instance that missed events can catch up), and claims their grants.
-- KEYS: the seven per-lock keys (see includes/lock.lua).
-- ARGV: [1] name [2] events channel [3] waiter heartbeat TTL ms [4] origin (the caller's id)
--       [5] "1": re-tag the queued waiters with the caller's id (its id changed after its
--       presence lapsed; see evict.lua), else "0"
--       [6], [7], ...: pairs of waiter id and the token its lease will carry
-- Returns JSON: {statuses = {[waiter id] = "queued" | {lease} | "gone"}} plus due, lower
-- (always set, so heartbeats also repair a missing due-index entry), exists, created.
-- A waiter is "gone" when it is neither queued nor holding (e.g. its heartbeat lapsed, or its
-- instance was evicted and its unclaimed grant released). A lease reported is claimed: its
-- instance tag is removed, so evict.lua leaves it to its holder from now on.
-- Events: expiries first; renewing a heartbeat or claiming emits nothing.
--!include clock
--!include lock

expire_due()
local retag = ARGV[5] == '1'
local statuses = {}
for i = 6, #ARGV, 2 do
  local waiter_id, token = ARGV[i], ARGV[i + 1]
  local waiter_raw = redis.call('HGET', K_WAITERS, waiter_id)
  if waiter_raw then
    redis.call('ZADD', K_DUE, NOW + WAITER_TTL, 'W' .. waiter_id)
    if retag then
      local waiter = cjson.decode(waiter_raw)
      if waiter.i ~= ORIGIN then
        waiter.i = ORIGIN
        redis.call('HSET', K_WAITERS, waiter_id, cjson.encode(waiter))
      end
    end
    statuses[waiter_id] = 'queued'
  else
    local raw = redis.call('HGET', K_HOLDERS, token)
    if raw then
      local lease = cjson.decode(raw)
      if lease.i then
        lease.i = nil
        redis.call('HSET', K_HOLDERS, token, cjson.encode(lease))
      end
      statuses[waiter_id] = lease
    else
      statuses[waiter_id] = 'gone'
    end
  end
end
return reply({ statuses = statuses }, true)
