import { Code, ConnectError } from "@connectrpc/connect";
import { defaultOwner } from "../../client/index.js";
import { formatDuration } from "../../duration.js";
import { UsageError, type Command } from "../command.js";
import { SERVER_HELP, SERVER_OPTION, countFlag, durationFlag, parse, serverUrl, stringFlag } from "../locks/args.js";
import { explain } from "../locks/errors.js";
import { interruptible, progress, rendezvousClient } from "./connect.js";

const usage = `Usage: baton arrive KEY --parties N [options]

Joins the barrier KEY and waits until N participants (this one included) have arrived; then all
of them return at once. Prints "generation=G index=I parties=N" on stdout (I is this
participant's place in the arrival order, 1 first) and exits 0. Interrupting it, or its timeout,
leaves the barrier, so it is no longer counted.

Options:
  --parties N     how many participants the barrier gathers (required; the same for everyone)
  --timeout DUR   give up after DUR (500ms, 20s, 5m, 1h); default: wait as long as it takes
  --owner TEXT    who arrives, shown to others (default: user@host:pid)
  --verbose       report arrivals on stderr (shown anyway when stderr is a terminal)
${SERVER_HELP}
  -h, --help      this help`;

const OPTIONS = {
  ...SERVER_OPTION,
  parties: { type: "string" },
  timeout: { type: "string" },
  owner: { type: "string" },
  verbose: { type: "boolean" },
} as const;

/** `baton arrive KEY --parties N`: a barrier for shell scripts. */
export const arriveCommand: Command = {
  name: "arrive",
  summary: "wait at a barrier until N participants have arrived",
  usage,
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, { required: ["KEY"] });
    const key = positionals[0] as string;
    const parties = countFlag(values, "parties");
    if (parties === undefined) throw new UsageError("--parties N is required");
    const timeoutMs = durationFlag(values, "timeout");
    const url = serverUrl(values);
    const stop = interruptible();
    try {
      const stream = rendezvousClient(url).arrive(
        { key, parties, waitMs: timeoutMs === undefined ? undefined : BigInt(timeoutMs), owner: stringFlag(values, "owner") ?? defaultOwner() },
        { signal: stop.signal },
      );
      for await (const message of stream) {
        if (message.event.case === "progress") {
          const { arrived, generation } = message.event.value;
          progress(`baton arrive: ${arrived} of ${parties} arrived at "${key}" (generation ${generation})`, values.verbose === true);
        } else if (message.event.case === "tripped") {
          const { generation, index } = message.event.value;
          process.stdout.write(`generation=${generation} index=${index} parties=${message.event.value.parties}\n`);
          return 0;
        }
      }
      throw new Error("the server ended the barrier before it tripped");
    } catch (error) {
      if (stop.signal.aborted) return 130;
      if (error instanceof ConnectError && error.code === Code.DeadlineExceeded) {
        throw new Error(`${error.rawMessage} (timeout ${formatDuration(timeoutMs ?? 0)})`);
      }
      throw explain(error, url);
    } finally {
      stop.release();
    }
  },
};
