import { SERVER_FLAG, defineCommand } from "../spec.js";
import { LEASE_FLAGS, leaseRequest } from "./lease-flags.js";
import { LockRun } from "./lock-run.js";

export { LOST_STATUS } from "./lock-run.js";

/** `baton lock NAME -- CMD`: runs a command holding a lock. */
export const lockCommand = defineCommand(
  {
    name: "lock",
    summary: "run a command while holding a lock",
    args: [{ name: "NAME", field: "name" }],
    trailing: "CMD [ARGS...]",
    description: `Waits for a permit of the lock NAME (printing the queue position to stderr), runs CMD while
holding it, refreshing the lease in the background, and releases it when CMD exits.`,
    flags: {
      ...LEASE_FLAGS,
      ttl: { ...LEASE_FLAGS.ttl, help: "lease TTL; refreshed every TTL/3 while CMD runs" },
      grace: { kind: "duration", help: "after a lost lease, time between SIGTERM and SIGKILL to CMD", default: "10s" },
      ...SERVER_FLAG,
    },
    notes: `CMD runs in its own process group with BATON_LOCK, BATON_FENCING (pass it to what you protect),
BATON_TOKEN and BATON_URL in its environment. SIGINT, SIGTERM and SIGHUP are forwarded to it.
If the lease is lost (it expired, was released with its token, or the server stayed unreachable
past its TTL), CMD's whole process group gets SIGTERM, then SIGKILL after the grace.

Exit status: CMD's own; 128+N if CMD died of signal N, or if signal N interrupted the wait;
1 if no permit was had (held with --wait 0, the wait ran out, or a server error); 2 for bad
usage; 75 if the lease was lost while CMD ran; 127 if CMD could not be started.`,
  },
  async (inv) => {
    const request = leaseRequest(inv);
    const graceMs = inv.duration("grace") ?? 10_000;
    return new LockRun(inv, graceMs).run(request);
  },
);
