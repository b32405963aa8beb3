import { SERVER_FLAG, defineCommand } from "../spec.js";
import { leaderJson, leaderText } from "./format.js";

/** `baton observe NAME`: a line per change of leader until interrupted. */
export const observeCommand = defineCommand(
  {
    name: "observe",
    summary: "print the leader of an election, then a line for every change",
    args: [{ name: "NAME", field: "name" }],
    description: `Prints who leads the election NAME now, then one line for every change of leader, term or
value, as the server pushes it. Runs until interrupted, then exits 0.`,
    flags: {
      json: { kind: "switch", help: "print each leader as a JSON object (null for none) on its own line" },
      ...SERVER_FLAG,
    },
  },
  async (inv) => {
    const name = inv.arg("NAME")!;
    const client = inv.lockClient();
    return inv.printUntilInterrupted(
      (signal) => client.observe(name, { signal }),
      (leader) => (inv.switch("json") ? JSON.stringify(leaderJson(leader)) : `${new Date(inv.io.now()).toISOString()} ${leaderText(name, leader, inv.io.now())}`),
      "observation",
      () => client.close(),
    );
  },
);
