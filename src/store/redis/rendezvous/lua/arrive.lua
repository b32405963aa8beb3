-- arrive: counts a participant at the barrier; the arrival that completes the generation trips it
-- in the same step and the next arrival starts generation + 1.
-- KEYS: the nine per-key keys (see includes/rendezvous.lua).
-- ARGV: [1] key [2] events channel [3] keep ms [4] participant id [5] owner [6] parties
--       [7] presence ms: the participant is uncounted if its instance does not renew it (touch) by then
--       [8] the id of the calling instance, recorded so evict.lua finds its participants once it died
-- Returns JSON, plus due, lower, exists, created:
--   {r = "waiting", g = generation, a = arrived, p = parties}
--   {r = "tripped", g = generation, p = parties, ps = participant ids in arrival order}
--   {r = "parties_mismatch", p = parties gathering, a = arrived}
-- Events: expiries first, then arrived {i, g, a, p} or tripped {g, p, ps}.
--!include clock
--!include rendezvous

expire_due()
local id, parties = ARGV[4], tonumber(ARGV[6])
local gathering, generation = barrier_state()
if gathering and gathering ~= parties then
  return reply({ r = 'parties_mismatch', p = gathering, a = redis.call('HLEN', K_ARR) })
end
if not gathering then
  generation = tonumber(redis.call('GET', K_GEN) or '0') + 1
  redis.call('HSET', K_BAR, 'parties', parties, 'generation', generation, 'seq', 0)
end
if redis.call('HEXISTS', K_ARR, id) == 0 then
  local seq = redis.call('HINCRBY', K_BAR, 'seq', 1)
  redis.call('HSET', K_ARR, id, cjson.encode({ o = ARGV[5], n = seq, i = ARGV[8] }))
end
local arrived = redis.call('HLEN', K_ARR)
if arrived < parties then
  redis.call('ZADD', K_DUE, NOW + tonumber(ARGV[7]), 'P' .. id)
  publish({ k = 'arrived', i = id, g = generation, a = arrived, p = parties })
  return reply({ r = 'waiting', g = generation, a = arrived, p = parties })
end
local ids = {}
for _, p in ipairs(arrivals()) do
  ids[#ids + 1] = p.id
  redis.call('ZREM', K_DUE, 'P' .. p.id)
end
redis.call('DEL', K_BAR, K_ARR)
redis.call('SET', K_GEN, generation)
local trip = { g = generation, p = parties, ps = ids }
redis.call('SET', K_TRIP, cjson.encode(trip), 'PX', KEEP_MS)
publish({ k = 'tripped', g = generation, p = parties, ps = ids })
return reply({ r = 'tripped', g = generation, p = parties, ps = ids })
