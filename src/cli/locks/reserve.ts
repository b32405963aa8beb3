import { createBatonClient } from "../../client/index.js";
import { SERVER_FLAG, defineCommand } from "../spec.js";

/** `baton reserve [PREFIX]`: a lock under a random, unguessable name. */
export const reserveCommand = defineCommand(
  {
    name: "reserve",
    summary: "create a lock under a random, unguessable name",
    args: [{ name: "PREFIX", optional: true, field: "prefix" }],
    description: `Creates a lock whose name is PREFIX followed by a random part nobody can guess, kept while
idle (unlike other locks, which are forgotten when idle), and prints its name.`,
    flags: {
      limit: { kind: "count", help: "permits of the lock, for a semaphore", default: "1", field: "limit" },
      json: { kind: "switch", help: "print the name and limit as JSON" },
      ...SERVER_FLAG,
    },
  },
  async (inv) => {
    const client = createBatonClient(inv.serverUrl());
    try {
      const reserved = await client.reserve({ prefix: inv.arg("PREFIX") ?? "", limit: inv.count("limit") });
      inv.io.stdout.write((inv.switch("json") ? JSON.stringify(reserved) : reserved.name) + "\n");
      return 0;
    } catch (error) {
      throw inv.explain(error);
    } finally {
      client.close();
    }
  },
);
