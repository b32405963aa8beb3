-- signal: sets the key and wakes (removes) every registered waiter, in one step.
-- KEYS: the nine per-key keys (see includes/rendezvous.lua).
-- ARGV: [1] key [2] events channel [3] keep ms (last value) [4] payload [5] owner
--       [6] ttl ms, or "" to stay set until reset
-- Returns JSON: {s = the value, w = waiters woken} plus due, lower, exists, created.
-- Events: expiries first, then signaled {s, w}.
--!include clock
--!include rendezvous

expire_due()
local last = redis.call('GET', K_LAST)
local seq = NOW * 1000
if last then
  local previous = tonumber(cjson.decode(last).n)
  -- One more than the last, and never below Redis time x 1000: the sequence keeps growing even
  -- after the last value was forgotten, so instances never mistake a new signal for an old one.
  if previous >= seq then seq = previous + 1 end
end
local value = { p = ARGV[4], o = ARGV[5], a = NOW, n = string.format('%d', seq) }
if ARGV[6] ~= '' then
  value.e = NOW + tonumber(ARGV[6])
  redis.call('ZADD', K_DUE, value.e, 'S')
else
  redis.call('ZREM', K_DUE, 'S')
end
local encoded = cjson.encode(value)
redis.call('SET', K_SIG, encoded)
redis.call('SET', K_LAST, encoded, 'PX', KEEP_MS)
local woken = 0
for _, id in ipairs(redis.call('HKEYS', K_WAITERS)) do
  redis.call('ZREM', K_DUE, 'W' .. id)
  woken = woken + 1
end
redis.call('DEL', K_WAITERS)
publish({ k = 'signaled', s = value, w = woken })
return reply({ s = value, w = woken })
