import { createBatonClient } from "../../client/index.js";
import { SERVER_FLAG, defineCommand } from "../spec.js";
import { leaseJson, when } from "./format.js";

/** `baton refresh NAME TOKEN`: extends a lease. */
export const refreshCommand = defineCommand(
  {
    name: "refresh",
    summary: "extend a lease by its token",
    args: [
      { name: "NAME", field: "name" },
      { name: "TOKEN", field: "token" },
    ],
    description: "Extends the lease on the lock NAME that TOKEN names to now + its TTL (or --ttl).",
    flags: {
      ttl: { kind: "duration", help: "the new TTL from now", default: "the lease's own", field: "ttl_ms" },
      json: { kind: "switch", help: "print the extended lease as JSON" },
      ...SERVER_FLAG,
    },
    notes: `Exit status: 0 when extended; 1 when the token holds nothing (the lease is gone: stop the work
it protected) or on a server error; 2 for bad usage.`,
  },
  async (inv) => {
    const name = inv.arg("NAME")!;
    const ttlMs = inv.duration("ttl");
    const client = createBatonClient(inv.serverUrl());
    try {
      const lease = await client.refresh({ name, token: inv.arg("TOKEN")! }, ttlMs);
      const text = inv.switch("json")
        ? JSON.stringify(leaseJson(lease))
        : `refreshed ${name} (fencing ${lease.fencing}) until ${when(lease.expiresAt, inv.io.now())}`;
      inv.io.stdout.write(text + "\n");
      return 0;
    } catch (error) {
      throw inv.explain(error);
    } finally {
      client.close();
    }
  },
);
