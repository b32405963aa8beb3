import { KeyChangeKind, type KeyChange } from "../../gen/baton/rendezvous/v1/rendezvous_pb.js";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { UsageError, type Command } from "../command.js";
import { SERVER_HELP, SERVER_OPTION, parse, serverUrl, stringFlag } from "../locks/args.js";
import { explain } from "../locks/errors.js";
import { interruptible, rendezvousClient } from "./connect.js";

const usage = `Usage: baton subscribe [PREFIX | --key KEY] [options]

Prints one line for every signal, reset and expiry of the keys that start with PREFIX (of every
key when none is given), or of the one key KEY, from now on. Runs until interrupted.
Lines read: TIME KIND KEY PAYLOAD, the payload JSON-quoted.

Options:
  --key KEY       follow this one key instead of a prefix
  --initial       first print the current value of each matching key that is set ("current")
  --json          print each change as a JSON object on its own line
${SERVER_HELP}
  -h, --help      this help`;

const OPTIONS = {
  ...SERVER_OPTION,
  key: { type: "string" },
  initial: { type: "boolean" },
  json: { type: "boolean" },
} as const;

/** `baton subscribe PREFIX`: a line per change of the matching keys until interrupted. */
export const subscribeCommand: Command = {
  name: "subscribe",
  summary: "print every signal, reset and expiry of keys under a prefix",
  usage,
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, { required: [], optional: ["PREFIX"] });
    const key = stringFlag(values, "key");
    if (key !== undefined && positionals[0] !== undefined) throw new UsageError("give PREFIX or --key, not both");
    const url = serverUrl(values);
    const stop = interruptible();
    try {
      const stream = rendezvousClient(url).subscribe(
        { key: key ?? "", prefix: positionals[0] ?? "", initial: values.initial === true },
        { signal: stop.signal },
      );
      for await (const message of stream) {
        if (message.event.case !== "change") continue;
        const change = message.event.value;
        process.stdout.write((values.json === true ? JSON.stringify(changeJson(change)) : changeLine(change)) + "\n");
      }
      throw new Error("the server ended the subscription");
    } catch (error) {
      if (stop.signal.aborted) return 0;
      throw explain(error, url);
    } finally {
      stop.release();
    }
  },
};

/** A change as a JSON object for scripts. */
export function changeJson(change: KeyChange): Record<string, unknown> {
  const signal = change.signal;
  return {
    kind: KeyChangeKind[change.kind].toLowerCase(),
    key: change.key,
    payload: signal?.payload ?? "",
    owner: signal?.owner ?? "",
    signaledAt: signal?.signaledAt ? timestampDate(signal.signaledAt).toISOString() : null,
    expiresAt: signal?.expiresAt ? timestampDate(signal.expiresAt).toISOString() : null,
    woken: change.woken,
  };
}

/** A change as one line for people: time, kind, key, the payload quoted so it stays on one line. */
export function changeLine(change: KeyChange): string {
  const woken = change.kind === KeyChangeKind.SIGNALED ? ` (woke ${change.woken})` : "";
  const payload = JSON.stringify(change.signal?.payload ?? "");
  return `${new Date().toISOString()} ${KeyChangeKind[change.kind].toLowerCase()} ${change.key} ${payload}${woken}`;
}
