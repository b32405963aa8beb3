import type { Lease } from "../../client/index.js";
import { SERVER_FLAG, defineCommand } from "../spec.js";
import { LEASE_FLAGS } from "../locks/lease-flags.js";
import { LockRun } from "../locks/lock-run.js";

/** `baton elect NAME --value V -- CMD`: runs a command while this process leads an election. */
export const electCommand = defineCommand(
  {
    name: "elect",
    summary: "run a command while leader of an election",
    args: [{ name: "NAME", field: "name" }],
    trailing: "CMD [ARGS...]",
    description: `Campaigns in the election NAME (the lock NAME with limit 1) with --value, waits in the FIFO
queue of candidates (printing its position to stderr), and runs CMD once it leads. Leadership is
held on a stream to the server: it ends, and the next candidate leads at once, when CMD exits or
when this process dies or loses its connection. CMD is stopped if leadership is lost.`,
    flags: {
      value: { kind: "text", value: "V", help: "the value to publish while leader (an address, say)", default: "empty", field: "value" },
      ttl: { ...LEASE_FLAGS.ttl, help: "how long leadership outlives the Baton server that holds the stream dying (the stream keeps it alive)" },
      wait: { ...LEASE_FLAGS.wait, help: "give up campaigning after this long; 0 tries once", default: "wait until elected" },
      owner: LEASE_FLAGS.owner,
      quiet: LEASE_FLAGS.quiet,
      grace: { kind: "duration", help: "after leadership is lost, time between SIGTERM and SIGKILL to CMD", default: "10s" },
      ...SERVER_FLAG,
    },
    notes: `CMD runs in its own process group with BATON_ELECTION, BATON_TERM (the leader's term: its
fencing token; pass it to what you protect), BATON_TOKEN and BATON_URL in its environment, and
BATON_LOCK and BATON_FENCING as under baton lock. Observers (baton observe NAME) see the change.

Exit status: CMD's own; 128+N if CMD died of signal N, or if signal N interrupted the campaign;
1 if it was not elected (--wait ran out, or a server error); 2 for bad usage; 75 if leadership
was lost while CMD ran; 127 if CMD could not be started.`,
  },
  async (inv) => {
    const request = {
      name: inv.arg("NAME")!,
      value: inv.text("value") ?? "",
      limit: 1,
      ttlMs: inv.duration("ttl"),
      waitMs: inv.duration("wait"),
      owner: inv.text("owner"),
    };
    const graceMs = inv.duration("grace") ?? 10_000;
    const extraEnv = (lease: Lease) => ({ BATON_ELECTION: lease.name, BATON_TERM: lease.fencing.toString() });
    return new LockRun(inv, graceMs, { extraEnv, onStream: true }).run(request);
  },
);
