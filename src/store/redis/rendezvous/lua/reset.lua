-- reset: clears the key.
-- KEYS: the nine per-key keys (see includes/rendezvous.lua).
-- ARGV: [1] key [2] events channel [3] keep ms
-- Returns JSON: {r = "reset", s = the value cleared} or {r = "not_set"}, plus due, lower, exists, created.
-- Events: expiries first, then reset {s}.
--!include clock
--!include rendezvous

expire_due()
local previous = current_signal()
if not previous then return reply({ r = 'not_set' }) end
redis.call('DEL', K_SIG)
redis.call('ZREM', K_DUE, 'S')
publish({ k = 'reset', s = previous })
return reply({ r = 'reset', s = previous })
