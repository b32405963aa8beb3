-- expire: the expire-due step as the sweeper runs it for a lock the due index names.
-- KEYS: the six per-lock keys (see includes/lock.lua).
-- ARGV: [1] name [2] events channel [3] waiter heartbeat TTL ms
-- Returns JSON: {} plus due (the lock's next deadline, or false), lower, exists, created.
-- Events: expired / dequeued for what was due, then granted to the next waiters.
--!include clock
--!include lock

expire_due()
return reply({})
