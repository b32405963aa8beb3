-- presence-due: names the instances whose presence lapsed, moving them from the live set to the
-- dead set, claimed for a while by the caller (the evictor), so the other instances' evictors
-- leave them alone; an eviction whose claim ran out (its evictor died) is handed out again.
-- Nothing is named until presence scripts have run unbroken for a presence TTL (a stalled or
-- restarted Redis: see includes/presence.lua).
-- KEYS: live, dead, clock (see includes/presence.lua).
-- ARGV: [1] most ids to return [2] claim ms [3] presence TTL ms [4] stall ms
-- Returns: an array of instance ids to evict.
--!include clock
--!include presence

local limit, claim_ms, ttl, stall_ms = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()
tick(now, stall_ms)
if now - tonumber(redis.call('HGET', KEYS[3], 'since')) < ttl then return {} end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZADD', KEYS[2], now + claim_ms, id)
end
if #ids < limit then
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit - #ids)) do
    redis.call('ZADD', KEYS[2], now + claim_ms, id)
    ids[#ids + 1] = id
  end
end
return ids
