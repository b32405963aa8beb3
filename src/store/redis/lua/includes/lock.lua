-- lock: the state of one lock and the steps every per-lock script shares.
--
-- Every per-lock script takes the same KEYS, all hash-tagged with the lock's name so they live in
-- one slot (built by keys.ts):
--   KEYS[1] meta     hash: limit, reserved ("1"), seq (queue sequence), used (exclusive permits
--                    held) and readers (shared holders), see usage(); exists <=> the lock exists
--   KEYS[2] holders  hash: lease token -> lease JSON {o, t, f, a, e, l}
--   KEYS[3] waiters  hash: waiter id -> waiter JSON {o, l, q, t, i}
--   KEYS[4] queue    zset: waiter id, scored by arrival sequence (FIFO)
--   KEYS[5] due      zset: "L"..token scored by lease deadline, "W"..waiter id by heartbeat deadline
--   KEYS[6] fencing  string: last fencing token; never deleted
--   KEYS[7] index    hash: what this lock's entries in the global indexes are known to be (see
--                    reply()): due = the due index scores the lock no later than this; listed =
--                    "1" when the names index holds it. Outlives the lock, expires INDEX_MARK_TTL_MS
--                    after it was made; a missing field claims nothing
-- and the same leading ARGV:
--   ARGV[1] lock name (for events)   ARGV[2] events channel   ARGV[3] waiter heartbeat TTL, ms
--   ARGV[4] origin: the calling Baton instance's id, its presence id (see publish, and
--           ../../README.md "Instances that die")
-- Lease JSON: o owner, t token, f fencing (a decimal string: Lua numbers are doubles and cjson
-- prints 14 digits), a acquired at ms, e expires at ms (0: never), l ttl ms (0: never expires),
-- i (only on a grant to a waiter of another instance, until that instance claims it) the waiter's
-- instance, k exclusive permits held (absent: 1), h 1 when shared (reader) mode, v published
-- value (absent: ""). Waiter JSON: o owner, l ttl ms, q queued at ms, t token the lease will
-- carry, i the id of the instance that queued it (absent on waiters queued before instances had
-- ids), k, h, v as on a lease.

local K_META, K_HOLDERS, K_WAITERS, K_QUEUE, K_DUE, K_FENCING, K_INDEX = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local NAME, CHANNEL, WAITER_TTL, ORIGIN = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local NOW = now_ms()
local CREATED = false
local EVENTS = {}
local HANDED_OFF = false

-- Records one change; reply() publishes them all, in order, when the script ends.
local function publish(kind, lease, waiter_id)
  local event = { n = NAME, k = kind }
  if lease then event.l = lease end
  if waiter_id then event.w = waiter_id end
  EVENTS[#EVENTS + 1] = event
end

-- Tells every Baton instance about this script's changes, on the events channel. When the script
-- granted a queued waiter, the events also travel in the answer, tagged with the caller's origin:
-- the caller delivers them from the answer at once (a hand-off to one of its own waiters then
-- skips the pub/sub round trip) and drops their echo; every other instance reads them as ever.
local function flush_events(answer)
  if HANDED_OFF then
    for _, event in ipairs(EVENTS) do event.s = ORIGIN end
    answer.ev = EVENTS
  end
  for _, event in ipairs(EVENTS) do redis.call('PUBLISH', CHANNEL, cjson.encode(event)) end
end

local function lock_limit()
  return tonumber(redis.call('HGET', K_META, 'limit') or '1')
end

local function is_reserved()
  return redis.call('HGET', K_META, 'reserved') == '1'
end

local function create(limit, reserved)
  redis.call('HSET', K_META, 'limit', limit, 'reserved', reserved and '1' or '0')
  CREATED = true
end

-- The next fencing token: one more than the last, and never below Redis time in ms x 1000, so a
-- counter lost with a Redis restart without persistence still cannot hand out an old token.
local function next_fencing()
  local nxt = tonumber(redis.call('GET', K_FENCING) or '0') + 1
  local floor = NOW * 1000
  if nxt < floor then nxt = floor end
  local text = string.format('%d', nxt)
  redis.call('SET', K_FENCING, text)
  return text
end

-- Sets a lease's deadline to now + its ttl; ttl 0 (where a pool allows it) never expires.
local function set_deadline(lease)
  if lease.l == 0 then
    lease.e = 0
    redis.call('ZREM', K_DUE, 'L' .. lease.t)
  else
    lease.e = NOW + lease.l
    redis.call('ZADD', K_DUE, lease.e, 'L' .. lease.t)
  end
  redis.call('HSET', K_HOLDERS, lease.t, cjson.encode(lease))
end

-- The exclusive permits a lease or waiter holds or asks for: 0 when shared, else k (default 1).
local function permits_of(entry)
  if entry.h == 1 then return 0 end
  return entry.k or 1
end

-- The exclusive permits held and the number of shared holders, kept in meta so that admission is
-- O(1) however many hold. A lock written before the counters existed is counted once from its
-- holders. A lock without meta has no holders.
local function usage()
  local got = redis.call('HMGET', K_META, 'used', 'readers')
  if got[1] and got[2] then return tonumber(got[1]), tonumber(got[2]) end
  if redis.call('EXISTS', K_META) == 0 then return 0, 0 end
  local used, readers = 0, 0
  for _, raw in ipairs(redis.call('HVALS', K_HOLDERS)) do
    local holder = cjson.decode(raw)
    if holder.h == 1 then readers = readers + 1 else used = used + permits_of(holder) end
  end
  redis.call('HSET', K_META, 'used', used, 'readers', readers)
  return used, readers
end

-- Counts a holder in (sign 1) or out (sign -1). Call it before the holders hash changes: a
-- lock whose counters are still missing is counted from the hash first.
local function count_holder(lease, sign)
  usage()
  if lease.h == 1 then
    redis.call('HINCRBY', K_META, 'readers', sign)
  else
    redis.call('HINCRBY', K_META, 'used', sign * permits_of(lease))
  end
end

-- Whether a claim (a waiter, or a newcomer as {k, h}) fits beside the holders: the admission rule
-- of src/store/admission.ts. Exclusive holders take k of the limit; shared holders take none and
-- never sit beside an exclusive holder.
local function fits(claim)
  local used, readers = usage()
  if claim.h == 1 then return used == 0 end
  return readers == 0 and used + permits_of(claim) <= lock_limit()
end

-- tag: the instance of the waiter granted, when it is not the caller's. The lease is then its
-- instance's to claim (heartbeat.lua) before it hands it on, and an instance that died before
-- claiming it has it released by evict.lua: a grant to a dead waiter passes on.
-- claim: the waiter (or the newcomer as a waiter-shaped table) whose k, h, v the lease carries.
local function grant(claim, waiter_id, tag)
  local lease = { o = claim.o, t = claim.t, f = next_fencing(), a = NOW, e = 0, l = claim.l, i = tag, k = claim.k, h = claim.h, v = claim.v }
  count_holder(lease, 1)
  set_deadline(lease)
  publish('granted', lease, waiter_id)
  if waiter_id then HANDED_OFF = true end
  return lease
end

-- Grants the head of the queue while it fits, in order: the first that does not fit (a large
-- request, a writer behind readers) blocks those behind it.
local function hand_off()
  while true do
    local head = redis.call('ZRANGE', K_QUEUE, 0, 0)[1]
    if not head then return end
    local waiter = cjson.decode(redis.call('HGET', K_WAITERS, head))
    if not fits(waiter) then return end
    redis.call('ZREM', K_QUEUE, head)
    redis.call('ZREM', K_DUE, 'W' .. head)
    redis.call('HDEL', K_WAITERS, head)
    local tag = nil
    if waiter.i and waiter.i ~= ORIGIN then tag = waiter.i end
    grant(waiter, head, tag)
  end
end

-- Deletes the lock's state once it is idle and not reserved; the fencing counter stays.
local function forget_if_idle()
  if is_reserved() then return end
  if redis.call('HLEN', K_HOLDERS) > 0 or redis.call('ZCARD', K_QUEUE) > 0 then return end
  redis.call('DEL', K_META, K_DUE, K_WAITERS)
end

-- Takes a holder away (released by its holder or by owner) and hands its permit on.
local function remove_holder(token, raw)
  local lease = cjson.decode(raw)
  count_holder(lease, -1)
  redis.call('HDEL', K_HOLDERS, token)
  redis.call('ZREM', K_DUE, 'L' .. token)
  publish('released', lease)
  hand_off()
  forget_if_idle()
  return lease
end

-- The expire-due step: drops leases past their deadline and waiters whose instance stopped
-- renewing their heartbeat, then hands the freed permits on.
local function expire_due()
  local due = redis.call('ZRANGEBYSCORE', K_DUE, '-inf', NOW)
  if #due == 0 then return end
  for _, member in ipairs(due) do
    local id = string.sub(member, 2)
    redis.call('ZREM', K_DUE, member)
    if string.sub(member, 1, 1) == 'L' then
      local raw = redis.call('HGET', K_HOLDERS, id)
      if raw then
        local lease = cjson.decode(raw)
        count_holder(lease, -1)
        redis.call('HDEL', K_HOLDERS, id)
        publish('expired', lease)
      end
    elseif redis.call('HDEL', K_WAITERS, id) == 1 then
      redis.call('ZREM', K_QUEUE, id)
      publish('dequeued', nil, id)
    end
  end
  hand_off()
  forget_if_idle()
end

-- The earliest deadline of the lock (lease or waiter heartbeat), or false.
local function next_due()
  local first = redis.call('ZRANGE', K_DUE, 0, 0, 'WITHSCORES')
  if first[2] then return tonumber(first[2]) end
  return false
end

local function holder_list()
  local list = {}
  for _, raw in ipairs(redis.call('HVALS', K_HOLDERS)) do list[#list + 1] = cjson.decode(raw) end
  return list
end

-- How long an index mark lives. A mark is only ever trusted in the safe direction, but an
-- instance that dies between a script and the index write the script asked for leaves a mark that
-- claims too much; the mark's expiry bounds how long that lasts (before marks, the next script
-- that lowered repaired it). Busy locks pay one extra pair of index writes per this period.
local INDEX_MARK_TTL_MS = 10000

-- Records what the caller is about to write (or the sweeper just wrote) to the global indexes.
local function mark_index(field, value)
  local fresh = redis.call('EXISTS', K_INDEX) == 0
  redis.call('HSET', K_INDEX, field, value)
  if fresh then redis.call('PEXPIRE', K_INDEX, INDEX_MARK_TTL_MS) end
end

-- Encodes a script's answer with what the caller must write to the global indexes (which live in
-- other slots, so the script cannot): due (next deadline or false), lower (index the lock at due:
-- its mark says no entry that early may exist), exists (the lock has state), created (the names
-- index may lack it). The marks make the common cycle (a lock taken, released, taken again, with
-- a deadline no earlier than the one already indexed) cost no index write at all; the caller's
-- write lands after the mark, and a stale entry is only ever early (see indexes.ts).
-- always_index: lower even when the mark says it is not needed, so the caller repairs an entry a
-- dead instance never wrote (heartbeats and refreshes).
local function reply(answer, always_index)
  flush_events(answer)
  local due = next_due()
  answer.due = due
  answer.exists = redis.call('EXISTS', K_META) == 1
  answer.lower = false
  answer.created = false
  if due ~= false then
    local mark = tonumber(redis.call('HGET', K_INDEX, 'due'))
    local earlier = mark == nil or due < mark
    if earlier then mark_index('due', due) end
    answer.lower = earlier or always_index == true
  end
  if CREATED and answer.exists and redis.call('HGET', K_INDEX, 'listed') ~= '1' then
    mark_index('listed', '1')
    answer.created = true
  end
  return cjson.encode(answer)
end

-- The answer of a read-only script: the same fields, computed without touching the marks.
local function read_only_reply(answer)
  answer.due = next_due()
  answer.exists = redis.call('EXISTS', K_META) == 1
  answer.lower = false
  answer.created = false
  return cjson.encode(answer)
end
