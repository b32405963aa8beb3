-- expire: the expire-due step as the sweeper runs it for a lock the due index names, and as List
-- runs it for a name whose lock is gone, before either takes the name out of the names index.
-- KEYS: the seven per-lock keys (see includes/lock.lua).
-- ARGV: [1] name [2] events channel [3] waiter heartbeat TTL ms [4] origin
-- Returns JSON: {} plus due (the lock's next deadline, or false), lower, exists, created.
-- Events: expired / dequeued for what was due, then granted to the next waiters.
-- When the lock does not exist afterwards, its "listed" mark is cleared in the same step, so a
-- lock created after this script lists itself again (see indexes.ts, settle).
--!include clock
--!include lock

expire_due()
if redis.call('EXISTS', K_META) == 0 then redis.call('HDEL', K_INDEX, 'listed') end
return reply({})
