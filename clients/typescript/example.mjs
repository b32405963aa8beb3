import { createBatonClient, heldBy, reasonOf } from "baton/client";

// Over HTTP/2 (the default) every lock operation travels on one Session stream, and the leases
// belong to this client's session: the server keeps them alive while the client lives.
const baton = createBatonClient(process.env.BATON_URL ?? "http://127.0.0.1:7070", { owner: "deployer@ci-7" });

// Run a function while holding a lock (queueing up to a minute for it). `signal` aborts if the
// lease is ever lost; pass `lease.fencing` to whatever you protect, so it can refuse a stale holder.
const version = await baton.withLock(
  "example/deploy/prod",
  async (signal, lease) => {
    console.log(`deploying with fencing token ${lease.fencing}`);
    signal.throwIfAborted();
    return "v42";
  },
  { waitMs: 60_000 },
);
console.log(`deployed ${version}`);

// Try once, without waiting: null when someone holds it.
const mine = await baton.tryAcquire("example/nightly");
const again = await baton.tryAcquire("example/nightly");
console.log(`second try while held: ${again === null ? "held" : "granted?!"}`);

// Errors carry a typed reason; a held lock names its holders.
try {
  await baton.acquire("example/nightly", { waitMs: 0 });
} catch (error) {
  if (reasonOf(error) === "LOCK_HELD") console.log(`held by ${heldBy(error).holders.map((h) => h.owner).join(", ")}`);
}
await baton.release(mine);

// A semaphore: at most 3 holders of "example/gpu-box".
const slot = await baton.acquire("example/gpu-box", { limit: 3 });
console.log(`GPU slot ${slot.fencing} of ${(await baton.describe("example/gpu-box")).limit}`);
await baton.release(slot);

// Rendezvous: one side waits for a key, the other sets it.
const ready = baton.rendezvous.wait("example/db-migrated", { waitMs: 10_000 });
await baton.rendezvous.signal("example/db-migrated", { payload: '{"version":42}' });
console.log(`migration signalled: ${(await ready).payload}`);

baton.close();
