import { createBatonClient } from "../../client/index.js";
import { SERVER_FLAG, defineCommand } from "../spec.js";
import { describeText, lockJson } from "./format.js";

/** `baton describe NAME`: one lock's state. */
export const describeCommand = defineCommand(
  {
    name: "describe",
    summary: "show who holds and who waits for a lock",
    args: [{ name: "NAME", field: "name" }],
    description: `Shows the lock NAME: its limit, who holds it until when, and who waits in which order.
A lock nobody holds or waits for is shown as free.`,
    flags: { json: { kind: "switch", help: "print the lock as JSON" }, ...SERVER_FLAG },
  },
  async (inv) => {
    const client = createBatonClient(inv.serverUrl());
    try {
      const lock = await client.describe(inv.arg("NAME")!);
      inv.io.stdout.write((inv.switch("json") ? JSON.stringify(lockJson(lock)) : describeText(lock, inv.io.now())) + "\n");
      return 0;
    } catch (error) {
      throw inv.explain(error);
    } finally {
      client.close();
    }
  },
);
