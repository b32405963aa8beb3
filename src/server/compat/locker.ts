import { timingSafeEqual } from "node:crypto";
import { BatonError } from "../../engine/errors.js";
import type { LockEngine } from "../../engine/lock-engine.js";
import { checkName, checkOwner } from "../../engine/validate.js";
import { decodePath, BadBody, messageOf, parseJsonObject, readBody, sendJson, statusOf, type Call } from "./http.js";
import { compatTtl, fallbackTtl, heldBy, type Layer } from "./layer.js";
import { KeyedQueue } from "./keyed-queue.js";
import type { CompatOptions } from "./options.js";

/** The seed's lock never expired; Baton's expires after this long unless a pool says otherwise. */
const DEFAULT_TTL_MS = 24 * 3_600_000;
const NEVER = new AbortController().signal;

/** A Locker request body: the seed's `{"lock": owner}`, or the later `{"key", "requestor"}`. */
type Body = { mode: "owner"; owner: string } | { mode: "key"; key: string; requestor: string };

/**
 * Locker: `GET /locks`, `PUT` and `DELETE /lock/POOL`. The pool is the lock name and the owner
 * (or key) is the holder; a held lock answers 423. With the key body, one key may lock a pool
 * many times, counted per requestor, and the lock is released when every count is unlocked.
 */
export function lockerLayer(engine: LockEngine, options: CompatOptions, log: (message: string) => void): Layer {
  const ttlMs = fallbackTtl(engine, options.locker.ttlMs, DEFAULT_TTL_MS, "compat.locker.ttl");
  const auth = options.locker.auth;
  const expected = auth === null ? undefined : Buffer.from(`Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString("base64")}`);
  // Requestor counts of key-mode locks, in this process: the engine's lease (owner = key) is the
  // truth about who holds the pool; these counts only decide when the key lets go.
  const counts = new Map<string, { key: string; requestors: Map<string, number> }>();
  const queue = new KeyedQueue();

  async function lock(pool: string, body: Body): Promise<string> {
    const owner = body.mode === "owner" ? body.owner : body.key;
    let fresh = false;
    try {
      await engine.acquire({ name: pool, owner, ttlMs: compatTtl(engine, pool, ttlMs), waitUpToMs: 0 }, NEVER);
      fresh = true;
    } catch (error) {
      if (!(error instanceof BatonError && error.code === "aborted")) throw error;
      const { holders } = await engine.describe(pool);
      if (!heldBy(holders, owner)) {
        throw new BatonError("aborted", `${pool} is locked by ${holders.map((h) => h.owner).join(", ") || "someone else"}; cannot lock it with "${owner}"`);
      }
    }
    if (body.mode === "key") {
      let entry = counts.get(pool);
      if (fresh || entry?.key !== body.key) counts.set(pool, (entry = { key: body.key, requestors: new Map() }));
      entry.requestors.set(body.requestor, (entry.requestors.get(body.requestor) ?? 0) + 1);
    } else if (fresh) {
      counts.delete(pool);
    }
    return `lock for ${pool} acquired by ${body.mode === "owner" ? owner : body.requestor}`;
  }

  async function unlock(pool: string, body: Body): Promise<string> {
    const owner = body.mode === "owner" ? body.owner : body.key;
    const { holders } = await engine.describe(pool);
    if (holders.length === 0) {
      counts.delete(pool);
      return `Lock released on ${pool}`;
    }
    if (!heldBy(holders, owner)) {
      throw new BatonError("aborted", `${pool} is locked by ${holders.map((h) => h.owner).join(", ")}; "${owner}" cannot unlock it`);
    }
    const entry = counts.get(pool);
    if (body.mode === "key" && entry?.key === body.key) {
      const left = (entry.requestors.get(body.requestor) ?? 0) - 1;
      if (left > 0) entry.requestors.set(body.requestor, left);
      else entry.requestors.delete(body.requestor);
      if (entry.requestors.size > 0) return `Lock on ${pool} still held by ${[...entry.requestors.keys()].join(", ")}`;
    }
    counts.delete(pool);
    await engine.releaseByOwner(pool, owner);
    return `Lock released on ${pool}`;
  }

  async function list(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (let token = ""; ; ) {
      const page = await engine.list("", 1000, token);
      for (const lock of page.locks) {
        const holder = lock.holders[0];
        if (holder !== undefined) out[lock.name] = holder.owner;
      }
      if (page.next === "") return out;
      token = page.next;
    }
  }

  return {
    route(call) {
      const match = /^\/(?:locks\/?|lock\/(.+))$/.exec(call.path);
      if (match === null) return undefined;
      return async () => {
        if (expected !== undefined && !authorized(call, expected)) {
          return sendJson(call.res, 401, { error: "Please Authenticate" }, { "www-authenticate": 'Basic realm="Authorization Required"' });
        }
        try {
          if (match[1] === undefined) {
            if (call.method !== "GET") return sendJson(call.res, 405, { error: "/locks takes GET" }, { allow: "GET" });
            return sendJson(call.res, 200, await list());
          }
          if (call.method !== "PUT" && call.method !== "DELETE") {
            return sendJson(call.res, 405, { error: "/lock/POOL takes PUT or DELETE" }, { allow: "PUT, DELETE" });
          }
          const pool = checkName(decodePath(match[1]).replace(/\/$/, ""), "pool");
          const body = parseBody((await readBody(call.req, options.maxBodyBytes)).toString("utf8"));
          const message = await queue.run(pool, () => (call.method === "PUT" ? lock(pool, body) : unlock(pool, body)));
          sendJson(call.res, 200, { response: message });
        } catch (error) {
          sendJson(call.res, statusOf(error), { error: messageOf(error, log) });
        }
      };
    },
  };
}

/** Reads either body shape; `lock_by` and `locked_by` are the later Locker's names for the requestor. */
function parseBody(text: string): Body {
  if (text.trim() === "") throw new BadBody('No lock specified in request body: send {"lock":"owner"} or {"key":"K","requestor":"R"}');
  const json = parseJsonObject(text);
  const field = (name: string): string | undefined => {
    const value = json[name];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value !== "string") throw new BadBody(`"${name}" must be a string`);
    return checkOwner(value);
  };
  const key = field("key");
  if (key !== undefined) return { mode: "key", key, requestor: field("requestor") ?? field("lock_by") ?? field("locked_by") ?? key };
  const owner = field("lock");
  if (owner !== undefined) return { mode: "owner", owner };
  throw new BadBody('No lock specified in request body: send {"lock":"owner"} or {"key":"K","requestor":"R"}');
}

function authorized(call: Call, expected: Buffer): boolean {
  const given = Buffer.from(String(call.req.headers.authorization ?? ""));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
