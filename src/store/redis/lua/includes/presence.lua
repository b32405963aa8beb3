-- presence: the steps the instance-presence scripts share.
--
-- Every presence script takes the same KEYS, hash-tagged {instances} so they live in one slot
-- (built by keys.ts):
--   KEYS[1] live   zset: instance id -> its presence deadline (Redis ms), renewed while it lives
--   KEYS[2] dead   zset: instance id whose presence lapsed -> until when an evictor claims it
--   KEYS[3] clock  hash: tick = when a presence script last ran, since = when the current
--                  unbroken run of ticks began (Redis ms)
-- The clock tells a Redis that stalled (SIGSTOP, a long fork, a restart from its AOF) from
-- instances that died: after a gap in ticks every deadline has passed, although the instances
-- behind them live and are about to renew. Evictions wait until the ticks have run unbroken for
-- a presence TTL, so every live instance has renewed by then.

-- Records that a presence script ran now; stall_ms: a longer gap starts a new run of ticks.
local function tick(now, stall_ms)
  local last = tonumber(redis.call('HGET', KEYS[3], 'tick'))
  if last == nil or now - last > stall_ms or now < last then
    redis.call('HSET', KEYS[3], 'since', now)
  end
  redis.call('HSET', KEYS[3], 'tick', now)
end
