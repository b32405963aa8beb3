-- clock: the only clock a script reads is the Redis server's (TIME), so every Baton instance
-- agrees on deadlines whatever its own clock says.

-- The Redis server's time in whole milliseconds.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
