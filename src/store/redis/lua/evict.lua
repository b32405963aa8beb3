-- evict: takes out of one lock what belongs to a Baton instance whose presence lapsed (it died,
-- or could not reach Redis for longer than the presence TTL): its queued waiters, and the grants
-- made to its waiters that it never claimed, which it therefore never handed to a client. Those
-- behind move up and the freed permits go to the next waiters, at once rather than after the
-- waiters' heartbeat or the leases' TTL. Leases the instance claimed (or took at once, or holds
-- on a stream) are its clients' and stay until their TTL.
-- KEYS: the seven per-lock keys (see includes/lock.lua).
-- ARGV: [1] name [2] events channel [3] waiter heartbeat TTL ms [4] origin [5] the evicted
--       instance's id
-- Returns JSON: {waiters = how many left the queue, leases = how many grants were released}
-- plus due, lower, exists, created.
-- Events: expiries first, then dequeued for each waiter, released for each lease, then granted
-- to the next waiters.
--!include clock
--!include lock

local dead = ARGV[5]
expire_due()
local waiters, leases = 0, 0
local all = redis.call('HGETALL', K_WAITERS)
for j = 1, #all, 2 do
  local waiter_id, waiter = all[j], cjson.decode(all[j + 1])
  if waiter.i == dead then
    redis.call('HDEL', K_WAITERS, waiter_id)
    redis.call('ZREM', K_QUEUE, waiter_id)
    redis.call('ZREM', K_DUE, 'W' .. waiter_id)
    publish('dequeued', nil, waiter_id)
    waiters = waiters + 1
  end
end
for _, raw in ipairs(redis.call('HVALS', K_HOLDERS)) do
  local lease = cjson.decode(raw)
  if lease.i == dead then
    count_holder(lease, -1)
    redis.call('HDEL', K_HOLDERS, lease.t)
    redis.call('ZREM', K_DUE, 'L' .. lease.t)
    lease.i = nil
    publish('released', lease)
    leases = leases + 1
  end
end
if waiters + leases > 0 then
  hand_off()
  forget_if_idle()
end
return reply({ waiters = waiters, leases = leases })
