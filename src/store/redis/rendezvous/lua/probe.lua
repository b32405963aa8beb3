-- probe: reads, without changing anything, what the global indexes need to know of a key. The
-- sweep runs it after it raised or removed an index entry, to put back a deadline or a name that
-- another instance added in between (the protocol of ../indexes.ts).
-- KEYS: the nine per-key keys (see includes/rendezvous.lua).
-- ARGV: [1] key [2] events channel [3] keep ms
-- Returns JSON: {} plus due, lower, exists, created.
--!include clock
--!include rendezvous

return reply({})
