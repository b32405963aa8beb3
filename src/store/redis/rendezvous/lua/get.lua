-- get: reads the value, without changing anything. A value past its TTL that the sweep has not
-- cleared yet reads as unset.
-- KEYS: the nine per-key keys (see includes/rendezvous.lua).
-- ARGV: [1] key [2] events channel [3] keep ms
-- Returns JSON: {s = the value} or {} when unset, plus due, lower, exists, created.
--!include clock
--!include rendezvous

local value = current_signal()
if value and value.e and value.e <= NOW then value = nil end
return reply({ s = value })
