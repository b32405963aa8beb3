import { UsageError } from "../command.js";
import { SERVER_FLAG, defineCommand } from "../spec.js";
import { changeLine, lockJson } from "./format.js";

/** `baton watch`: a line per change until interrupted. */
export const watchCommand = defineCommand(
  {
    name: "watch",
    summary: "print a line for every change of a lock or of locks under a prefix",
    args: [{ name: "NAME", optional: true, field: "name" }],
    description: `Prints one line for every change of the lock NAME, or of every lock whose name starts with
PREFIX (of every lock when neither is given): grants, releases, expiries, refreshes, and
waiters joining and leaving. Runs until interrupted, then exits 0.`,
    flags: {
      prefix: { kind: "text", value: "PREFIX", help: "watch the locks whose names start with PREFIX", default: "every lock", field: "prefix" },
      initial: { kind: "switch", help: 'first print the current state of each watched lock ("snapshot")' },
      json: { kind: "switch", help: "print each change as a JSON object on its own line" },
      ...SERVER_FLAG,
    },
  },
  async (inv) => {
    const name = inv.arg("NAME");
    const prefix = inv.text("prefix");
    if (name !== undefined && prefix !== undefined) throw new UsageError("give NAME or --prefix, not both");
    const client = inv.lockClient();
    return inv.printUntilInterrupted(
      (signal) => client.watch({ name, prefix, initial: inv.switch("initial"), signal }),
      (change) => (inv.switch("json") ? JSON.stringify({ kind: change.kind, lock: lockJson(change.lock) }) : changeLine(change, inv.io.now())),
      "watch",
      () => client.close(),
    );
  },
);
