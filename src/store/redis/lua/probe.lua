-- probe: re-reads what the global indexes need to know of a lock, and marks it as re-indexed.
-- The sweeper runs it after it raised or removed an index entry, to put back a deadline or a
-- name that another instance added in between (see indexes.ts). The caller always writes what it
-- answers (lower is true whenever there is a deadline), so the marks it sets hold once that
-- write lands; a script that runs before the write trusts the marks, and is covered by it.
-- KEYS: the seven per-lock keys (see includes/lock.lua).
-- ARGV: [1] name [2] events channel [3] waiter heartbeat TTL ms [4] origin
-- Returns JSON: {due, lower, exists, created} (created: true when the lock exists: list it).
-- Changes only the lock's index marks; emits nothing.
--!include clock
--!include lock

local due = next_due()
local exists = redis.call('EXISTS', K_META) == 1
if due ~= false then mark_index('due', due) else redis.call('HDEL', K_INDEX, 'due') end
if exists then mark_index('listed', '1') end
return cjson.encode({ due = due, lower = due ~= false, exists = exists, created = exists })
