-- join-wait: answers with the value if the key is set, else registers the waiter: one step, so
-- no signal slips between the check and the registration.
-- KEYS: the nine per-key keys (see includes/rendezvous.lua).
-- ARGV: [1] key [2] events channel [3] keep ms [4] waiter id [5] owner
--       [6] presence ms: the waiter is dropped if its instance does not renew it (touch) by then
--       [7] the id of the calling instance, recorded so evict.lua finds its waiters once it died
-- Returns JSON: {r = "set", s = value} or {r = "waiting", waiters = count, n = seq of the last
-- signal ("0" if none known)}, plus due, lower, exists, created.
-- Events: expiries only.
--!include clock
--!include rendezvous

expire_due()
local value = current_signal()
if value then return reply({ r = 'set', s = value }) end
local id = ARGV[4]
if redis.call('HEXISTS', K_WAITERS, id) == 0 then
  redis.call('HSET', K_WAITERS, id, cjson.encode({ o = ARGV[5], s = NOW, i = ARGV[7] }))
end
redis.call('ZADD', K_DUE, NOW + tonumber(ARGV[6]), 'W' .. id)
local last = redis.call('GET', K_LAST)
local seq = last and cjson.decode(last).n or '0'
return reply({ r = 'waiting', waiters = redis.call('HLEN', K_WAITERS), n = seq })
