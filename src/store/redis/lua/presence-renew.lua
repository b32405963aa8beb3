-- presence-renew: keeps one Baton instance present: moves its presence deadline to now + TTL.
-- An instance that is no longer in the live set (an evictor found its presence lapsed and took
-- it out, or Redis lost it) is told so and renews nothing: its waiters are being (or were)
-- evicted under that id, so it must go on under a new one (see instance-presence.ts).
-- KEYS: live, dead, clock (see includes/presence.lua).
-- ARGV: [1] instance id [2] presence TTL ms [3] stall ms (see tick) [4] "join": add the id
--       whether or not it is present (a new id); "leave": the instance closes, so evictors may
--       take what it left at once; "renew": renew only a present id
-- Returns: "ok" | "lapsed".
--!include clock
--!include presence

local id, ttl, stall_ms, mode = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local now = now_ms()
tick(now, stall_ms)
if mode == 'leave' then
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZADD', KEYS[2], 0, id)
  return 'ok'
end
if mode ~= 'join' and redis.call('ZSCORE', KEYS[1], id) == false then return 'lapsed' end
redis.call('ZADD', KEYS[1], now + ttl, id)
return 'ok'
