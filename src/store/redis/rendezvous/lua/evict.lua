-- evict: takes out of one key what belongs to a Baton instance whose presence lapsed (it died,
-- or could not reach Redis for longer than the presence TTL): its waiters are dropped and its
-- barrier participants uncounted, at once rather than after their own presence deadline.
-- KEYS: the nine per-key keys (see includes/rendezvous.lua).
-- ARGV: [1] key [2] events channel [3] keep ms [4] the evicted instance's id
-- Returns JSON: {waiters = how many were dropped, participants = how many were uncounted} plus
-- due, lower, exists, created.
-- Events: expiries first, then left {i, g, a, p} for each participant.
--!include clock
--!include rendezvous

local dead = ARGV[4]
expire_due()
local waiters, participants = 0, 0
local all = redis.call('HGETALL', K_WAITERS)
for j = 1, #all, 2 do
  if cjson.decode(all[j + 1]).i == dead then
    redis.call('HDEL', K_WAITERS, all[j])
    redis.call('ZREM', K_DUE, 'W' .. all[j])
    waiters = waiters + 1
  end
end
for _, p in ipairs(arrivals()) do
  if cjson.decode(redis.call('HGET', K_ARR, p.id)).i == dead then
    remove_participant(p.id)
    participants = participants + 1
  end
end
return reply({ waiters = waiters, participants = participants })
