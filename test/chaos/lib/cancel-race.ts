import { createBatonClient, type BatonClient } from "../../../src/client/index.js";
import { GrpcLockClient } from "./clients/grpc-client.js";
import { JsonLockClient } from "./clients/json-client.js";
import { RawH2Connection } from "./raw-h2.js";
import { sleep } from "./specs.js";

/**
 * Acquires cancelled at the moment they are granted, in every way a client can give up: grpc-js
 * cancel (RST_STREAM), an AbortSignal on the TypeScript client (HTTP/1.1 and Session), closing
 * the TypeScript client right after asking, a raw Session reset, a JSON request whose socket is
 * destroyed. A grant whose answer never left the server (the stream was reset, the connection
 * closed first) is released by the server at once; a grant our own clients receive after their
 * caller gave up is given back by them. Those leases last 30 s, so a leak shows as a holder after
 * the race. A raw client (grpc-js, plain HTTP) that throws away an answer already on its machine
 * leaves a lease no server can know is unused: it lasts its TTL, short here, as etcd's would.
 * So does our client over HTTP/1.1 when it cancels a waiting acquire: HTTP/1.1 can only say
 * "gave up" by closing the connection, which races a grant already sent (over HTTP/2 the
 * client's Session cancels by message, and the server knows).
 */
export const CANCEL_KINDS = ["grpc-js cancel", "ts-h1 abort", "ts-session abort", "ts-session close", "raw session reset", "json socket destroy"] as const;
/** One of CANCEL_KINDS. */
export type CancelKind = (typeof CANCEL_KINDS)[number];

/** Kinds whose client may drop an answer already sent: their grants may last until the TTL. */
export const RAW_KINDS: ReadonlySet<CancelKind> = new Set<CancelKind>(["grpc-js cancel", "json socket destroy", "ts-h1 abort"]);
/** The TTL of a raw kind's leases: they must be gone this long after the race. */
export const RAW_TTL_MS = 2000;
const TTL_MS = 30_000;

/** Tries `tries` races of one kind on fresh locks under `prefix`; releases what it knowingly got. */
export async function cancelRaces(
  url: string,
  prefix: string,
  kind: CancelKind,
  tries: number,
  serverAlive: () => boolean,
): Promise<{ granted: number; cancelled: number; errors: string[] }> {
  const json = new JsonLockClient(url);
  const grpc = kind === "grpc-js cancel" ? new GrpcLockClient(url) : undefined;
  const shared: BatonClient | undefined =
    kind === "ts-h1 abort" ? createBatonClient(url, { httpVersion: "1.1" }) : kind === "ts-session abort" ? createBatonClient(url, { httpVersion: "2" }) : undefined;
  const out = { granted: 0, cancelled: 0, errors: [] as string[] };
  try {
    for (let i = 0; i < tries && serverAlive(); i++) {
      try {
        await race(i);
      } catch (error) {
        if (out.errors.length < 3) out.errors.push(`try ${i}: ${String(error)}`);
      }
    }
  } finally {
    json.close();
    grpc?.close();
    shared?.close();
  }
  return out;

  async function race(i: number): Promise<void> {
    const name = `${prefix}${kind.replace(/\W+/g, "-")}-${i}`;
    const owner = `canceller-${i}`;
    // Half the races are on a held lock whose holder lets go just as the caller gives up.
    const held = i % 2 === 1 ? await json.acquire(name, { owner: "holder", ttlMs: TTL_MS, waitMs: 1000 }) : undefined;
    const cancelAfterMs = Math.random() * 5;
    const releaseHolder = async (): Promise<void> => {
      if (held === undefined) return;
      await sleep(Math.max(0, cancelAfterMs - 1 + Math.random() * 2));
      await json.release(name, held.token);
    };
    const args = { owner, ttlMs: RAW_KINDS.has(kind) ? RAW_TTL_MS : TTL_MS, waitMs: 5000 };
    let token: string | undefined;
    const attempt = async (): Promise<void> => {
      switch (kind) {
        case "grpc-js cancel": {
          const got = new Promise<string | undefined>((resolve) => {
            const call = grpc!.startAcquire(name, args, (_e, g) => resolve(g?.token));
            setTimeout(() => call.cancel(), cancelAfterMs);
          });
          token = await got;
          return;
        }
        case "ts-h1 abort":
        case "ts-session abort": {
          const ctl = new AbortController();
          setTimeout(() => ctl.abort(), cancelAfterMs);
          token = await shared!.acquire(name, { ...args, signal: ctl.signal }).then((l) => l.token, () => undefined);
          return;
        }
        case "ts-session close": {
          const client = createBatonClient(url, { httpVersion: "2" });
          const pending = client.acquire(name, args).then((l) => l.token, () => undefined);
          setTimeout(() => client.close(), cancelAfterMs);
          // Closing the session releases whatever it got: nothing to release by hand.
          await pending;
          return;
        }
        case "raw session reset": {
          const conn = new RawH2Connection(url);
          const call = conn.sessionAcquire({ name, owner, ttlMs: TTL_MS, waitMs: 5000 });
          await sleep(cancelAfterMs);
          call.reset();
          await sleep(20);
          conn.close();
          return;
        }
        case "json socket destroy": {
          const ctl = new AbortController();
          setTimeout(() => ctl.abort(), cancelAfterMs);
          token = await json.acquire(name, args, ctl.signal).then((g) => g.token, () => undefined);
          return;
        }
      }
    };
    await Promise.all([attempt(), releaseHolder()]);
    if (token !== undefined) {
      out.granted++;
      await json.release(name, token).catch((e: unknown) => out.errors.push(`release of a received grant failed: ${String(e)}`));
    } else out.cancelled++;
  }
}
