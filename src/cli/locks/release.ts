import { createBatonClient } from "../../client/index.js";
import { SERVER_FLAG, defineCommand } from "../spec.js";

/** `baton release NAME TOKEN`: gives a lease back. */
export const releaseCommand = defineCommand(
  {
    name: "release",
    summary: "give back a lease by its token",
    args: [
      { name: "NAME", field: "name" },
      { name: "TOKEN", field: "token" },
    ],
    description: `Gives back the lease on the lock NAME that TOKEN (from "baton acquire") names.`,
    flags: { ...SERVER_FLAG },
    notes: `Exit status: 0 when released; 1 when the token holds nothing (the lease expired, was released,
or the token is wrong) or on a server error; 2 for bad usage.`,
  },
  async (inv) => {
    const name = inv.arg("NAME")!;
    const client = createBatonClient(inv.serverUrl());
    try {
      const fencing = await client.release({ name, token: inv.arg("TOKEN")! });
      inv.io.stdout.write(`released ${name} (fencing ${fencing})\n`);
      return 0;
    } catch (error) {
      throw inv.explain(error);
    } finally {
      client.close();
    }
  },
);
