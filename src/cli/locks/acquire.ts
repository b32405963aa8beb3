import { createBatonClient } from "../../client/index.js";
import { SERVER_FLAG, defineCommand } from "../spec.js";
import { leaseJson, leaseShell } from "./format.js";
import { LEASE_FLAGS, leaseRequest } from "./lease-flags.js";
import { acquireShowingQueue } from "./progress.js";

/** `baton acquire NAME`: takes a lease and prints it for a script to keep. */
export const acquireCommand = defineCommand(
  {
    name: "acquire",
    summary: "take a lease and print it (token included) for a script",
    args: [{ name: "NAME", field: "name" }],
    description: `Takes a permit of the lock NAME and prints the lease, token included, so that a script can
release or refresh it later. Nothing refreshes it: it ends at its TTL unless released first.`,
    flags: { ...LEASE_FLAGS, json: { kind: "switch", help: "print the lease as JSON instead of shell assignments" }, ...SERVER_FLAG },
    notes: `Without --json the output is shell assignments (BATON_LOCK, BATON_TOKEN, BATON_FENCING,
BATON_EXPIRES), so that this works:
  eval "$(baton acquire deploy --ttl 5m)"
  ... work, passing $BATON_FENCING to what you protect ...
  baton release "$BATON_LOCK" "$BATON_TOKEN"

Exit status: 0 with a lease; 1 when none was had (held with --wait 0, the wait ran out, or a
server error); 2 for bad usage; 128+N when signal N interrupted the wait.`,
  },
  async (inv) => {
    const request = leaseRequest(inv);
    const client = createBatonClient(inv.serverUrl());
    const stop = inv.interruptible();
    try {
      const lease = await acquireShowingQueue(client, request, inv, stop.signal, inv.switch("quiet"));
      inv.io.stdout.write((inv.switch("json") ? JSON.stringify(leaseJson(lease)) : leaseShell(lease)) + "\n");
      return 0;
    } catch (error) {
      const interrupted = stop.status();
      if (interrupted !== undefined) return interrupted;
      throw inv.explain(error);
    } finally {
      stop.release();
      client.close();
    }
  },
);
