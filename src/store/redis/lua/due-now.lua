-- due-now: names the locks whose next deadline has come, and claims them for a moment so that
-- the other instances' sweepers do not process the same lock at the same time.
-- KEYS: [1] the due index (zset: lock name scored by its earliest deadline, never later than it)
-- ARGV: [1] most names to return [2] claim ms: how far the claimed entries move into the future;
--       if the claiming instance dies, the lock comes due again after that long
-- Returns: an array of lock names.
--!include clock

local now = now_ms()
local names = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, name in ipairs(names) do
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), name)
end
return names
