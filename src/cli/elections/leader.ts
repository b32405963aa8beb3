import { SERVER_FLAG, defineCommand } from "../spec.js";
import { leaderJson, leaderText } from "./format.js";

/** `baton leader NAME`: who leads an election now. */
export const leaderCommand = defineCommand(
  {
    name: "leader",
    summary: "print the current leader of an election",
    args: [{ name: "NAME", field: "name" }],
    description: "Prints who leads the election NAME now: owner, value, term and since when.",
    flags: {
      json: { kind: "switch", help: "print the leader as JSON (null when there is none)" },
      ...SERVER_FLAG,
    },
    notes: "Exit status: 0 when the election has a leader, 3 when it has none, 1 on a server error.",
  },
  async (inv) => {
    const name = inv.arg("NAME")!;
    const client = inv.lockClient();
    try {
      const leader = await client.leader(name);
      inv.io.stdout.write((inv.switch("json") ? JSON.stringify(leaderJson(leader)) : leaderText(name, leader, inv.io.now())) + "\n");
      return leader === null ? 3 : 0;
    } catch (error) {
      throw inv.explain(error);
    } finally {
      client.close();
    }
  },
);
