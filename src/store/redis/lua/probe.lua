-- probe: reads, without changing anything, what the global indexes need to know of a lock.
-- The sweeper runs it after it raised or removed an index entry, to put back a deadline or a
-- name that another instance added in between (see indexes.ts).
-- KEYS: the six per-lock keys (see includes/lock.lua).
-- ARGV: [1] name [2] events channel [3] waiter heartbeat TTL ms
-- Returns JSON: {} plus due, lower, exists, created.
--!include clock
--!include lock

return reply({})
