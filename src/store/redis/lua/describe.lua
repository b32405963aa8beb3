-- describe: the whole state of one lock at one instant; changes nothing.
-- KEYS: the seven per-lock keys (see includes/lock.lua).
-- ARGV: [1] name [2] events channel [3] waiter heartbeat TTL ms [4] origin
-- Returns JSON: {limit, reserved, holders = [lease...], waiters = [{id, o, l, q, t}...] (queue
-- order), fencing = last fencing token as a decimal string} plus due, exists (lower and created
-- are always false: describe writes nothing, not even index marks).
--!include clock
--!include lock

local waiters = {}
for _, id in ipairs(redis.call('ZRANGE', K_QUEUE, 0, -1)) do
  local waiter = cjson.decode(redis.call('HGET', K_WAITERS, id))
  waiter.id = id
  waiters[#waiters + 1] = waiter
end
return read_only_reply({
  limit = lock_limit(),
  reserved = is_reserved(),
  holders = holder_list(),
  waiters = waiters,
  fencing = redis.call('GET', K_FENCING) or '0',
})
