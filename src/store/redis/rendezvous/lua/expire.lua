-- expire: the expire-due step as the sweep runs it for a key the due index names.
-- KEYS: the nine per-key keys (see includes/rendezvous.lua).
-- ARGV: [1] key [2] events channel [3] keep ms
-- Returns JSON: {} plus due (the key's next deadline, or false), lower, exists, created.
-- Events: expired {s} for a value past its TTL; left for participants whose presence lapsed.
--!include clock
--!include rendezvous

expire_due()
return reply({})
