import { readFileSync } from "node:fs";
import { defaultOwner } from "../../client/index.js";
import { UsageError, type Command } from "../command.js";
import { SERVER_HELP, SERVER_OPTION, durationFlag, parse, serverUrl, stringFlag } from "../locks/args.js";
import { explain } from "../locks/errors.js";
import { rendezvousClient } from "./connect.js";

const usage = `Usage: baton signal KEY [options]

Sets KEY and wakes everyone waiting for it ("baton wait KEY") at once. The key stays set until
"baton reset KEY" or until its --ttl runs out; waits on a set key return at once.

Options:
  --payload TEXT       text handed to every waiter (at most 64 KiB)
  --payload-file FILE  read the payload from FILE ("-" for stdin)
  --ttl DUR            clear the key again after DUR (500ms, 20s, 5m, 1h); default: never
  --owner TEXT         who signals, shown to others (default: user@host:pid)
${SERVER_HELP}
  -h, --help           this help

Prints how many waiters the signal woke.`;

const OPTIONS = {
  ...SERVER_OPTION,
  payload: { type: "string" },
  "payload-file": { type: "string" },
  ttl: { type: "string" },
  owner: { type: "string" },
} as const;

/** `baton signal KEY`: sets a key and wakes its waiters. */
export const signalCommand: Command = {
  name: "signal",
  summary: "set a key and wake everyone waiting for it",
  usage,
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, { required: ["KEY"] });
    const key = positionals[0] as string;
    const payload = readPayload(stringFlag(values, "payload"), stringFlag(values, "payload-file"));
    const ttlMs = durationFlag(values, "ttl");
    const url = serverUrl(values);
    try {
      const result = await rendezvousClient(url).signal({
        key,
        payload,
        ttlMs: ttlMs === undefined ? undefined : BigInt(ttlMs),
        owner: stringFlag(values, "owner") ?? defaultOwner(),
      });
      process.stdout.write(`signalled "${key}": woke ${result.woken} waiter${result.woken === 1 ? "" : "s"}\n`);
      return 0;
    } catch (error) {
      throw explain(error, url);
    }
  },
};

function readPayload(text: string | undefined, file: string | undefined): string {
  if (text !== undefined && file !== undefined) throw new UsageError("give --payload or --payload-file, not both");
  if (file === undefined) return text ?? "";
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (error) {
    throw new UsageError(`--payload-file ${file}: ${(error as Error).message}`);
  }
}
