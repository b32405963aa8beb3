import { BatonError } from "../../engine/errors.js";
import type { LockEngine } from "../../engine/lock-engine.js";
import { poolFor } from "../../engine/pools.js";
import { checkName, checkOwner } from "../../engine/validate.js";
import type { LeaseRecord } from "../../store/types.js";
import { failureOf, logUnexpected, sendText, type Call } from "./http.js";
import { compatLease, heldBy, type Layer } from "./layer.js";

/** A try-acquire never waits, so nothing needs to cancel it. */
const NEVER = new AbortController().signal;
/** Distributex's default `expire`: 1800 seconds. */
const DEFAULT_EXPIRE_MS = 30 * 60_000;

/**
 * Distributex: `GET get|release|wait?host=H&pool=P`, answered in plain text with status 200, as
 * the original did. Like the original, the command is the path with every `/` removed (`/get/`,
 * `/get`, `//get` all mean get) and anything else answers INVALID, so a root-mounted layer takes
 * every path Connect does not own. The pool is the lock name and must match a configured pool;
 * the host is the holder (Distributex had no tokens), so release is by owner. `wait` is pushed:
 * it answers YES the moment the engine grants.
 */
export function distributexLayer(engine: LockEngine, log: (message: string) => void): Layer {
  return {
    route(call) {
      return async () => {
        if (call.method !== "GET" && call.method !== "HEAD") return sendText(call.res, 405, "INVALID");
        const host = call.query.get("host");
        const pool = call.query.get("pool");
        const target = host === null || pool === null ? undefined : resolve(engine, pool, host);
        const command = call.path.replaceAll("/", "");
        if (target === undefined || !["get", "release", "wait"].includes(command)) return sendText(call.res, 200, "INVALID");
        try {
          switch (command) {
            case "get":
              return sendText(call.res, 200, (await tryGet(engine, target)) ? "YES" : "NO");
            case "release":
              await engine.releaseByOwner(target.pool, target.host);
              return sendText(call.res, 200, "OK");
            default:
              return await wait(engine, call, target);
          }
        } catch (error) {
          const failure = failureOf(error);
          if (failure === "internal") logUnexpected("distributex", error, log);
          // Distributex answered NO when a wait bailed out; a client reads the word, not the status.
          sendText(call.res, failure === "internal" ? 500 : 503, "NO");
        }
      };
    },
  };
}

interface Target {
  pool: string;
  host: string;
}

/** The pool and host if Distributex would accept them: a configured pool, a host it allows. */
function resolve(engine: LockEngine, pool: string, host: string): Target | undefined {
  try {
    checkName(pool, "pool");
    checkOwner(host);
  } catch {
    return undefined;
  }
  if (host === "") return undefined;
  const config = poolFor(engine.options.pools ?? [], pool);
  if (config === undefined) return undefined;
  if (config.hosts.length > 0 && !config.hosts.includes(host)) return undefined;
  return { pool, host };
}

/** Try-acquire; a host that already holds a permit gets YES without a second one, as in Distributex. */
async function tryGet(engine: LockEngine, target: Target): Promise<boolean> {
  if (heldBy((await engine.describe(target.pool)).holders, target.host)) return true;
  try {
    await engine.acquire({ name: target.pool, owner: target.host, ...compatLease(engine, target.pool, DEFAULT_EXPIRE_MS), waitUpToMs: 0 }, NEVER);
    return true;
  } catch (error) {
    if (error instanceof BatonError && error.code === "aborted") return false;
    throw error;
  }
}

/** Queues until granted; a client that hangs up leaves the queue, and a grant it missed is released. */
async function wait(engine: LockEngine, call: Call, target: Target): Promise<void> {
  if (heldBy((await engine.describe(target.pool)).holders, target.host)) return sendText(call.res, 200, "YES");
  let lease: LeaseRecord;
  try {
    lease = await waitForGrant(engine, target, call.signal);
  } catch (error) {
    if (call.signal.aborted) return;
    throw error;
  }
  if (call.res.destroyed || call.res.writableEnded) {
    await engine.release(lease.name, lease.token).catch(() => undefined);
    return;
  }
  sendText(call.res, 200, "YES");
}

async function waitForGrant(engine: LockEngine, target: Target, signal: AbortSignal): Promise<LeaseRecord> {
  const lease = compatLease(engine, target.pool, DEFAULT_EXPIRE_MS);
  const events = engine.wait({ name: target.pool, owner: target.host, ...lease }, false, signal);
  for await (const event of events) {
    if (event.type === "granted") {
      // Resume the stream once more so it counts the grant as delivered and keeps the lease.
      await events.next();
      return event.lease;
    }
  }
  throw new BatonError("unavailable", "the wait ended without a grant");
}
