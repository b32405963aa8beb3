-- rendezvous: the state of one rendezvous key and the steps every per-key script shares.
--
-- Every per-key script takes the same KEYS, all hash-tagged with the key ({key}) so they live in
-- one cluster slot (built by rendezvous-keys.ts):
--   KEYS[1] sig      string: the value while set, JSON {p payload, o owner, a set at ms, e expires at ms?, n seq}
--   KEYS[2] last     string: the last value signalled (kept a while after reset/expiry), same JSON;
--                    lets an instance that missed a signal's event find it (see touch.lua)
--   KEYS[3] waiters  hash: waiter id -> JSON {o owner, s since ms, i instance id}
--   KEYS[4] bar      hash: the gathering barrier: parties, generation, seq (arrival counter)
--   KEYS[5] arr      hash: participant id -> JSON {o owner, n arrival seq, i instance id}
--   KEYS[6] gen      string: the last generation that tripped; never deleted, so generations only grow
--   KEYS[7] trip     string: the last trip, JSON {g generation, p parties, ps participant ids}, kept a while
--   KEYS[8] due      zset: "S" scored by the value's expiry, "W"..id by a waiter's presence
--                    deadline, "P"..id by a participant's presence deadline
--   KEYS[9] tmo      string: the latest timed-out wait, JSON {a at ms, w waited ms, o owner, c count};
--                    expires with the recent-timeouts window
-- and the same leading ARGV: [1] the key (for events) [2] events channel [3] how long last/trip
-- are kept, ms. Seq numbers (n) are decimal strings (beyond cjson's 14 printed digits).
-- Events (JSON on the channel): {k kind, key, ...}: signaled {s, w woken}, reset/expired {s},
-- arrived/left {i participant, g generation, a arrived, p parties}, tripped {g, p, ps}.

local K_SIG, K_LAST, K_WAITERS, K_BAR, K_ARR, K_GEN, K_TRIP, K_DUE, K_TMO =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local KEY, CHANNEL, KEEP_MS = ARGV[1], ARGV[2], tonumber(ARGV[3])
local NOW = now_ms()

local function publish(event)
  event.key = KEY
  redis.call('PUBLISH', CHANNEL, cjson.encode(event))
end

-- Whether the key has state that List shows (set, waited for, or a barrier gathering).
local function key_exists()
  return redis.call('EXISTS', K_SIG) == 1 or redis.call('HLEN', K_WAITERS) > 0 or redis.call('EXISTS', K_BAR) == 1
end

local EXISTED_BEFORE = key_exists()

local function current_signal()
  local raw = redis.call('GET', K_SIG)
  if not raw then return nil end
  return cjson.decode(raw)
end

-- Participants of the gathering barrier, in arrival order.
local function arrivals()
  local list = {}
  local flat = redis.call('HGETALL', K_ARR)
  for i = 1, #flat, 2 do
    local p = cjson.decode(flat[i + 1])
    list[#list + 1] = { id = flat[i], o = p.o, n = tonumber(p.n) }
  end
  table.sort(list, function(x, y) return x.n < y.n end)
  return list
end

local function barrier_state()
  local b = redis.call('HMGET', K_BAR, 'parties', 'generation')
  return tonumber(b[1]), tonumber(b[2])
end

-- Takes one participant out of the gathering barrier; an empty barrier is forgotten.
local function remove_participant(id)
  local parties, generation = barrier_state()
  redis.call('HDEL', K_ARR, id)
  redis.call('ZREM', K_DUE, 'P' .. id)
  local arrived = redis.call('HLEN', K_ARR)
  if arrived == 0 then redis.call('DEL', K_BAR, K_ARR) end
  publish({ k = 'left', i = id, g = generation, a = arrived, p = parties })
  return generation, arrived
end

-- The expire-due step: clears a value past its TTL, and drops waiters and participants whose
-- instance stopped renewing their presence (it died or lost Redis for too long).
local function expire_due()
  local due = redis.call('ZRANGEBYSCORE', K_DUE, '-inf', NOW)
  for _, member in ipairs(due) do
    redis.call('ZREM', K_DUE, member)
    local kind, id = string.sub(member, 1, 1), string.sub(member, 2)
    if kind == 'S' then
      local previous = current_signal()
      if previous then
        redis.call('DEL', K_SIG)
        publish({ k = 'expired', s = previous })
      end
    elseif kind == 'W' then
      redis.call('HDEL', K_WAITERS, id)
    elseif kind == 'P' and redis.call('HEXISTS', K_ARR, id) == 1 then
      remove_participant(id)
    end
  end
end

local function next_due()
  local first = redis.call('ZRANGE', K_DUE, 0, 0, 'WITHSCORES')
  if first[2] then return tonumber(first[2]) end
  return false
end

local DUE_BEFORE = next_due()

-- Encodes a script's answer with what the caller needs to keep the global indexes right:
-- due (next deadline or false), lower (the deadline moved earlier or appeared: index it),
-- exists (the key has state List shows), created (it had none before this script: list it).
local function reply(answer, always_index)
  answer.due = next_due()
  answer.lower = answer.due ~= false and (always_index or DUE_BEFORE == false or answer.due < DUE_BEFORE)
  answer.exists = key_exists()
  answer.created = answer.exists and not EXISTED_BEFORE
  return cjson.encode(answer)
end
