-- describe: reads, without changing anything, what List shows of a key.
-- KEYS: the nine per-key keys (see includes/rendezvous.lua).
-- ARGV: [1] key [2] events channel [3] keep ms [4] most owners to show
-- Returns JSON, plus due, lower, exists, created:
--   {s = value or absent (one past its TTL reads as absent),
--    w = {n = waiters, since = earliest ms, o = owners longest waiting first} or absent,
--    b = {g = generation, a = arrived, p = parties, o = owners in arrival order} or absent}
--!include clock
--!include rendezvous

local shown = tonumber(ARGV[4])
local answer = {}
local value = current_signal()
if value and not (value.e and value.e <= NOW) then answer.s = value end
local flat = redis.call('HGETALL', K_WAITERS)
if #flat > 0 then
  local waiters = {}
  for i = 1, #flat, 2 do
    local w = cjson.decode(flat[i + 1])
    waiters[#waiters + 1] = { id = flat[i], o = w.o, s = w.s }
  end
  table.sort(waiters, function(x, y)
    if x.s ~= y.s then return x.s < y.s end
    return x.id < y.id
  end)
  local owners = {}
  for i = 1, math.min(shown, #waiters) do owners[i] = waiters[i].o end
  answer.w = { n = #waiters, since = waiters[1].s, o = owners }
end
local parties, generation = barrier_state()
if parties then
  local owners = {}
  local list = arrivals()
  for i = 1, math.min(shown, #list) do owners[i] = list[i].o end
  answer.b = { g = generation, a = #list, p = parties, o = owners }
end
return reply(answer)
