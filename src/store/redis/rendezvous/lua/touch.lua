-- touch: renews the presence of one instance's waiters and participants on the key, and says
-- where each stands, so an instance that missed events (pub/sub reconnect) can catch up.
-- KEYS: the nine per-key keys (see includes/rendezvous.lua).
-- ARGV: [1] key [2] events channel [3] keep ms [4] presence ms
--       [5] an instance id to re-tag the registrations with (the caller's id changed after its
--       presence lapsed; see evict.lua), or ""
--       [6], [7], ...: pairs of kind ("W" waiter, "P" participant) and id
-- Returns JSON: {st = {[id] = "here" | "gone"}, last = the last value signalled or absent,
-- trip = the last trip or absent} plus due, lower (always: touches repair the due index),
-- exists, created. A deadline only moves later (ZADD GT), never earlier.
-- Events: expiries only.
--!include clock
--!include rendezvous

expire_due()
local deadline = NOW + tonumber(ARGV[4])
local retag = ARGV[5]
local statuses = {}
local any_gone = false
for i = 6, #ARGV, 2 do
  local kind, id = ARGV[i], ARGV[i + 1]
  local hash = kind == 'W' and K_WAITERS or K_ARR
  local raw = (kind == 'W' or kind == 'P') and redis.call('HGET', hash, id)
  local here = raw ~= false and raw ~= nil
  if here and retag ~= '' then
    local record = cjson.decode(raw)
    if record.i ~= retag then
      record.i = retag
      redis.call('HSET', hash, id, cjson.encode(record))
    end
  end
  if here then
    redis.call('ZADD', K_DUE, 'GT', deadline, kind .. id)
    statuses[id] = 'here'
  else
    statuses[id] = 'gone'
    any_gone = true
  end
end
local answer = { st = statuses }
if any_gone then
  local last, trip = redis.call('GET', K_LAST), redis.call('GET', K_TRIP)
  if last then answer.last = cjson.decode(last) end
  if trip then answer.trip = cjson.decode(trip) end
end
return reply(answer, true)
