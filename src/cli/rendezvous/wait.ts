import { Code, ConnectError } from "@connectrpc/connect";
import { defaultOwner } from "../../client/index.js";
import { formatDuration } from "../../duration.js";
import type { Command } from "../command.js";
import { SERVER_HELP, SERVER_OPTION, durationFlag, parse, serverUrl, stringFlag } from "../locks/args.js";
import { explain } from "../locks/errors.js";
import { interruptible, progress, rendezvousClient } from "./connect.js";

const usage = `Usage: baton wait KEY [options]

Waits until KEY is signalled ("baton signal KEY"), then prints its payload and exits 0. Returns
at once when KEY is already set. Exits 1 with a message when the timeout runs out first.

Options:
  --timeout DUR   give up after DUR (500ms, 20s, 5m, 1h); default: wait as long as it takes
  --owner TEXT    who waits, shown to others (default: user@host:pid)
  --verbose       report every heartbeat on stderr (shown anyway when stderr is a terminal)
${SERVER_HELP}
  -h, --help      this help`;

const OPTIONS = {
  ...SERVER_OPTION,
  timeout: { type: "string" },
  owner: { type: "string" },
  verbose: { type: "boolean" },
} as const;

/** `baton wait KEY`: blocks until a key is signalled and prints its payload. */
export const waitCommand: Command = {
  name: "wait",
  summary: "wait until a key is signalled, then print its payload",
  usage,
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, { required: ["KEY"] });
    const key = positionals[0] as string;
    const timeoutMs = durationFlag(values, "timeout");
    const url = serverUrl(values);
    const stop = interruptible();
    try {
      const stream = rendezvousClient(url).wait(
        { key, waitMs: timeoutMs === undefined ? undefined : BigInt(timeoutMs), owner: stringFlag(values, "owner") ?? defaultOwner() },
        { signal: stop.signal },
      );
      for await (const message of stream) {
        if (message.event.case === "waiting") {
          progress(`baton wait: waiting for "${key}" (${formatDuration(Number(message.event.value.elapsedMs))})`, values.verbose === true);
        } else if (message.event.case === "signaled") {
          const { payload } = message.event.value;
          // The payload exactly as sent; a newline only for a person reading it on a terminal.
          process.stdout.write(payload + (process.stdout.isTTY && payload !== "" && !payload.endsWith("\n") ? "\n" : ""));
          return 0;
        }
      }
      throw new Error("the server ended the wait without a signal");
    } catch (error) {
      if (stop.signal.aborted) return 130;
      if (error instanceof ConnectError && error.code === Code.DeadlineExceeded) {
        throw new Error(`"${key}" was not signalled within ${formatDuration(timeoutMs ?? 0)}`);
      }
      throw explain(error, url);
    } finally {
      stop.release();
    }
  },
};
