-- timeouts-recent: the keys whose latest timeout falls within the recent window.
-- KEYS: [1] the timeouts index (see timeouts-note.lua)
-- ARGV: [1] window ms
-- Returns: an array of keys.
--!include clock

return redis.call('ZRANGEBYSCORE', KEYS[1], now_ms() - tonumber(ARGV[1]), '+inf')
