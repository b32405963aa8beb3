-- timeouts-note: indexes a key whose wait timed out, and trims the index to the recent window and
-- its size cap. The index is global (one slot of its own); the per-key record lives in the key's slot.
-- KEYS: [1] the timeouts index (zset: key scored by the time of its latest timeout)
-- ARGV: [1] key [2] time of the timeout, ms (from the leave-wait script) [3] window ms [4] most keys kept
-- Returns: the number of keys indexed.
--!include clock

redis.call('ZADD', KEYS[1], tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now_ms() - tonumber(ARGV[3])))
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if extra > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, extra - 1) end
return redis.call('ZCARD', KEYS[1])
