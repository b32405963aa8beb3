import { createBatonClient } from "../../client/index.js";
import { UsageError, type Command } from "../command.js";
import { SERVER_HELP, SERVER_OPTION, parse, serverUrl, stringFlag } from "./args.js";
import { explain } from "./errors.js";
import { changeLine, lockJson } from "./format.js";

const usage = `Usage: baton watch [NAME | --prefix PREFIX] [options]

Prints one line for every change of the lock NAME, or of every lock whose name starts with
PREFIX (of every lock when neither is given): grants, releases, expiries, refreshes, and
waiters joining and leaving. Runs until interrupted.

Options:
  --prefix P      watch the locks whose names start with P
  --initial       first print the current state of each watched lock ("snapshot")
  --json          print each change as a JSON object on its own line
${SERVER_HELP}
  -h, --help      this help`;

const OPTIONS = {
  ...SERVER_OPTION,
  prefix: { type: "string" },
  initial: { type: "boolean" },
  json: { type: "boolean" },
} as const;

/** `baton watch`: a line per change until interrupted. */
export const watchCommand: Command = {
  name: "watch",
  summary: "print a line for every change of a lock or of locks under a prefix",
  usage,
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, { required: [], optional: ["NAME"] });
    const prefix = stringFlag(values, "prefix");
    if (positionals[0] !== undefined && prefix !== undefined) throw new UsageError("give NAME or --prefix, not both");
    const url = serverUrl(values);
    const client = createBatonClient(url);
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      const changes = client.watch({ name: positionals[0], prefix, initial: values.initial === true, signal: stop.signal });
      for await (const change of changes) {
        const line = values.json === true ? JSON.stringify({ kind: change.kind, lock: lockJson(change.lock) }) : changeLine(change);
        process.stdout.write(line + "\n");
      }
      throw new Error("the server ended the watch");
    } catch (error) {
      if (stop.signal.aborted) return 0;
      throw explain(error, url);
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      client.close();
    }
  },
};
