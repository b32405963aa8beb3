import { KeyChangeKind, type KeyChange } from "../../gen/baton/rendezvous/v1/rendezvous_pb.js";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { UsageError } from "../command.js";
import { SERVER_FLAG, defineCommand } from "../spec.js";
import { rendezvousClient } from "./connect.js";

/** `baton subscribe PREFIX`: a line per change of the matching keys until interrupted. */
export const subscribeCommand = defineCommand(
  {
    name: "subscribe",
    summary: "print every signal, reset and expiry of keys under a prefix",
    args: [{ name: "PREFIX", optional: true, field: "prefix" }],
    description: `Prints one line for every signal, reset and expiry of the keys that start with PREFIX (of every
key when none is given), or of the one key KEY, from now on. Runs until interrupted, then
exits 0. Lines read: TIME KIND KEY PAYLOAD, the payload JSON-quoted.`,
    flags: {
      key: { kind: "text", value: "KEY", help: "follow this one key instead of a prefix", field: "key" },
      initial: { kind: "switch", help: 'first print the current value of each matching key that is set ("current")' },
      json: { kind: "switch", help: "print each change as a JSON object on its own line" },
      ...SERVER_FLAG,
    },
  },
  async (inv) => {
    const key = inv.text("key");
    const prefix = inv.arg("PREFIX");
    if (key !== undefined && prefix !== undefined) throw new UsageError("give PREFIX or --key, not both");
    const request = { key: key ?? "", prefix: prefix ?? "", initial: inv.switch("initial") };
    return inv.printUntilInterrupted(
      (signal) => rendezvousClient(inv.serverUrl(), inv.connection()).subscribe(request, { signal }),
      (message) => {
        if (message.event.case !== "change") return undefined;
        const change = message.event.value;
        return inv.switch("json") ? JSON.stringify(changeJson(change)) : changeLine(change, inv.io.now());
      },
      "subscription",
    );
  },
);

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
export function changeLine(change: KeyChange, nowMs: number): string {
  const woken = change.kind === KeyChangeKind.SIGNALED ? ` (woke ${change.woken})` : "";
  const payload = JSON.stringify(change.signal?.payload ?? "");
  return `${new Date(nowMs).toISOString()} ${KeyChangeKind[change.kind].toLowerCase()} ${change.key} ${payload}${woken}`;
}
