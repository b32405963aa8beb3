import { readFile } from "node:fs/promises";
import { defaultOwner } from "../../client/index.js";
import { UsageError } from "../command.js";
import type { Invocation } from "../invocation.js";
import { SERVER_FLAG, defineCommand } from "../spec.js";
import { optionalMs, rendezvousClient } from "./connect.js";

/** The largest payload the server accepts (proto: at most 65536 bytes). */
const MAX_PAYLOAD_BYTES = 65_536;

/** `baton signal KEY`: sets a key and wakes its waiters. */
export const signalCommand = defineCommand(
  {
    name: "signal",
    summary: "set a key and wake everyone waiting for it",
    args: [{ name: "KEY", field: "key" }],
    description: `Sets KEY and wakes everyone waiting for it ("baton wait KEY") at once. The key stays set until
"baton reset KEY" or until its --ttl runs out; waits on a set key return at once.`,
    flags: {
      payload: { kind: "text", help: "text handed to every waiter, at most 64 KiB", default: "empty", field: "payload" },
      "payload-file": { kind: "text", value: "FILE", help: 'read the payload from FILE ("-" for stdin)' },
      ttl: { kind: "duration", help: "clear the key again after DUR", default: "stay set until reset", field: "ttl_ms" },
      owner: { kind: "text", help: "who signals, shown to others", default: "user@host:pid", field: "owner" },
      ...SERVER_FLAG,
    },
    notes: "Prints how many waiters the signal woke.",
  },
  async (inv) => {
    const key = inv.arg("KEY")!;
    const payload = await readPayload(inv);
    const ttlMs = inv.duration("ttl");
    try {
      const result = await rendezvousClient(inv.serverUrl(), inv.connection()).signal({
        key,
        payload,
        ttlMs: optionalMs(ttlMs),
        owner: inv.text("owner") ?? defaultOwner(),
      });
      inv.io.stdout.write(`signalled ${key}: woke ${result.woken} waiter${result.woken === 1 ? "" : "s"}\n`);
      return 0;
    } catch (error) {
      throw inv.explain(error);
    }
  },
);

async function readPayload(inv: Invocation): Promise<string> {
  const text = inv.text("payload");
  const file = inv.text("payload-file");
  if (text !== undefined && file !== undefined) throw new UsageError("give --payload or --payload-file, not both");
  let payload = text ?? "";
  if (file !== undefined) {
    try {
      payload = file === "-" ? await readAll(inv.io.stdin) : await readFile(file, "utf8");
    } catch (error) {
      throw new UsageError(`--payload-file ${file}: ${(error as Error).message}`);
    }
  }
  const bytes = Buffer.byteLength(payload);
  if (bytes > MAX_PAYLOAD_BYTES) throw new UsageError(`the payload is ${bytes} bytes; at most ${MAX_PAYLOAD_BYTES} (64 KiB) are allowed`);
  return payload;
}

async function readAll(stream: AsyncIterable<string | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}
