-- leave-barrier: uncounts a participant that left before the trip.
-- KEYS: the nine per-key keys (see includes/rendezvous.lua).
-- ARGV: [1] key [2] events channel [3] keep ms [4] participant id
-- Returns JSON: {r = "left", g = generation, a = arrived} or {r = "not_waiting"} (tripped
-- already, or unknown), plus due, lower, exists, created.
-- Events: expiries first, then left {i, g, a, p}.
--!include clock
--!include rendezvous

expire_due()
if redis.call('HEXISTS', K_ARR, ARGV[4]) == 0 then return reply({ r = 'not_waiting' }) end
local generation, arrived = remove_participant(ARGV[4])
return reply({ r = 'left', g = generation, a = arrived })
