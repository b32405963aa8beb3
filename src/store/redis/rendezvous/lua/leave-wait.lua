-- leave-wait: unregisters a waiter that stopped waiting; a timed-out wait is remembered (for
-- List) in the same step.
-- KEYS: the nine per-key keys (see includes/rendezvous.lua).
-- ARGV: [1] key [2] events channel [3] keep ms [4] waiter id [5] "left" or "timed_out"
--       [6] waited ms [7] how long a timeout is remembered, ms
-- Returns JSON: {r = "not_waiting"} (a signal or presence expiry removed it already) or
-- {r = "left", t = the timeout record when it timed out}, plus due, lower, exists, created.
-- Events: expiries only.
--!include clock
--!include rendezvous

expire_due()
local raw = redis.call('HGET', K_WAITERS, ARGV[4])
if not raw then return reply({ r = 'not_waiting' }) end
redis.call('HDEL', K_WAITERS, ARGV[4])
redis.call('ZREM', K_DUE, 'W' .. ARGV[4])
if ARGV[5] ~= 'timed_out' then return reply({ r = 'left' }) end
-- The record expires with the window, so one still here is recent: count on from it.
local previous = redis.call('GET', K_TMO)
local count = previous and (tonumber(cjson.decode(previous).c) + 1) or 1
local record = { a = NOW, w = tonumber(ARGV[6]), o = cjson.decode(raw).o, c = count }
redis.call('SET', K_TMO, cjson.encode(record), 'PX', tonumber(ARGV[7]))
return reply({ r = 'left', t = record })
