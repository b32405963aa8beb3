import { SERVER_FLAG, defineCommand } from "../spec.js";
import { rendezvousClient } from "./connect.js";

/** `baton reset KEY`: clears a key. */
export const resetCommand = defineCommand(
  {
    name: "reset",
    summary: "clear a signalled key",
    args: [{ name: "KEY", field: "key" }],
    description: `Clears KEY, so that later "baton wait KEY" calls block until it is signalled again.`,
    flags: { ...SERVER_FLAG },
  },
  async (inv) => {
    const key = inv.arg("KEY")!;
    try {
      const { wasSet } = await rendezvousClient(inv.serverUrl(), inv.connection()).reset({ key });
      inv.io.stdout.write(wasSet ? `reset ${key}\n` : `${key} was not set\n`);
      return 0;
    } catch (error) {
      throw inv.explain(error);
    }
  },
);
