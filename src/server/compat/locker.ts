import { timingSafeEqual } from "node:crypto";
import type { LockEngine } from "../../engine/lock-engine.js";
import { checkName } from "../../engine/validate.js";
import { decodePath, failureOf, goJson, isCode, logUnexpected, readBody, sendRaw, type Call, type Res } from "./http.js";
import { compatLease, configuredTtl, heldBy, type Layer } from "./layer.js";
import { KeyedQueue } from "./keyed-queue.js";
import { parseLockerBody, type LockerBody } from "./locker-body.js";
import type { CompatOptions } from "./options.js";

const NEVER = new AbortController().signal;
const JSON_TYPE = "application/json; charset=utf-8";

/** An answer: the status and the JSON body. */
type Answer = [number, unknown];

/**
 * Locker: `GET /locks`, `PUT` and `DELETE /lock/POOL`, answering as the original Go server did.
 * The pool is the lock name and the `lock` value its holder. A pool that is held, even by the
 * same value, answers 423; an unlocked pool stays listed with an empty owner (the Concourse
 * resource reads that as "not locked"); locks never expire unless a pool or `compat.locker.ttl`
 * says so. The later Locker's `{"key", "requestor"}` body lets requestors share a lock under one
 * key, counted per requestor.
 */
export function lockerLayer(engine: LockEngine, options: CompatOptions, log: (message: string) => void): Layer {
  const ttlMs = configuredTtl(engine, options.locker.ttlMs, "compat.locker.ttl") ?? 0;
  const auth = options.locker.auth;
  const expected = auth === null ? undefined : Buffer.from(`Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString("base64")}`);
  // Requestor counts of key-mode locks, in this process: the engine's lease (owner = key) is the
  // truth about who holds the pool; these counts only decide when the key lets go.
  const counts = new Map<string, { key: string; requestors: Map<string, number> }>();
  const queue = new KeyedQueue();

  async function lock(pool: string, body: LockerBody): Promise<Answer> {
    const owner = body.mode === "owner" ? body.owner : body.key;
    const { holders } = await engine.describe(pool);
    // A key that holds the pool counts one more requestor; the original's `lock` value (and any
    // other) is refused while the pool is held, even when it is the value holding it.
    const shared = body.mode === "key" && heldBy(holders, owner);
    if (!shared) {
      if (heldBy(holders, owner)) return stealRefused(pool, owner);
      try {
        await engine.acquire({ name: pool, owner, ...compatLease(engine, pool, ttlMs), waitUpToMs: 0 }, NEVER);
      } catch (error) {
        if (isCode(error, "aborted")) return stealRefused(pool, owner);
        throw error;
      }
      counts.delete(pool);
    }
    if (body.mode === "key") {
      let entry = counts.get(pool);
      if (entry?.key !== body.key) counts.set(pool, (entry = { key: body.key, requestors: new Map() }));
      entry.requestors.set(body.requestor, (entry.requestors.get(body.requestor) ?? 0) + 1);
    }
    return [200, { response: `lock for ${pool} acquired by ${body.mode === "owner" ? owner : body.requestor}` }];
  }

  async function unlock(pool: string, body: LockerBody): Promise<Answer> {
    const owner = body.mode === "owner" ? body.owner : body.key;
    const lock = await engine.describe(pool);
    if (lock.holders.length > 0 && !heldBy(lock.holders, owner)) {
      return [423, { error: `Attempt to unlock ${pool} by ${owner} thwarted. Currently held by someone else` }];
    }
    const entry = counts.get(pool);
    if (body.mode === "key" && entry?.key === body.key && lock.holders.length > 0) {
      const left = (entry.requestors.get(body.requestor) ?? 0) - 1;
      if (left > 0) entry.requestors.set(body.requestor, left);
      else entry.requestors.delete(body.requestor);
      if (entry.requestors.size > 0) return [200, { response: `Lock on ${pool} still held by ${[...entry.requestors.keys()].join(", ")}` }];
    }
    counts.delete(pool);
    if (lock.holders.length > 0) await engine.releaseByOwner(pool, owner);
    // The original kept every pool it had seen in its file, unlocked ones with an empty owner;
    // a reserved lock is Baton's "exists while free" (a no-op if someone took it meanwhile).
    await engine.store.reserve(pool, lock.limit);
    return [200, { response: `Lock released on ${pool}` }];
  }

  async function list(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (let token = ""; ; ) {
      const page = await engine.list("", 1000, token);
      for (const lock of page.locks) {
        const holder = lock.holders[0];
        if (holder !== undefined) out[lock.name] = holder.owner;
        else if (lock.reserved) out[lock.name] = "";
      }
      if (page.next === "") return out;
      token = page.next;
    }
  }

  async function answer(call: Call, pool: string | undefined): Promise<Answer> {
    if (pool === undefined) return [200, await list()];
    let name: string;
    try {
      name = checkName(decodePath(pool).replace(/\/$/, ""), "pool");
    } catch {
      return [400, { error: "Pool names may contain only A-Z a-z 0-9 . _ : / @ - (at most 256 bytes)" }];
    }
    const body = parseLockerBody((await readBody(call.req, options.maxBodyBytes)).toString("utf8"));
    return queue.run(name, () => (call.method === "PUT" ? lock(name, body) : unlock(name, body)));
  }

  return {
    route(call) {
      const match = /^\/(?:locks\/?|lock\/(.+))$/.exec(call.path);
      if (match === null) return undefined;
      return async () => {
        if (expected !== undefined && call.viaKey !== true && !authorized(call, expected)) {
          // As gin's BasicAuth: the challenge, and no body.
          return sendRaw(call.res, 401, "", "text/plain; charset=utf-8", { "www-authenticate": 'Basic realm="Authorization Required"' });
        }
        const wanted = match[1] === undefined ? ["GET"] : ["PUT", "DELETE"];
        if (!wanted.includes(call.method)) return sendGinNotFound(call.res);
        let result: Answer;
        try {
          result = await answer(call, match[1]);
        } catch (error) {
          result = failure(error, log);
        }
        sendRaw(call.res, result[0], goJson(result[1]), JSON_TYPE);
      };
    },
  };
}

/** What gin answered for a route or method it did not know. */
export function sendGinNotFound(res: Res): void {
  sendRaw(res, 404, "404 page not found", "text/plain");
}

function stealRefused(pool: string, owner: string): Answer {
  return [423, { error: `Attempt to steal lock for ${pool} by ${owner} thwarted. Currently held by someone else` }];
}

/** An error no route turned into an answer, in Locker's terms. */
function failure(error: unknown, log: (message: string) => void): Answer {
  switch (failureOf(error)) {
    case "bad_body":
      return [400, { error: (error as Error).message }];
    case "too_large":
      return [413, { error: (error as Error).message }];
    case "invalid_argument":
      return [400, { error: "The lock cannot be taken with these parameters" }];
    case "resource_exhausted":
    case "unavailable":
    case "canceled":
      return [503, { error: "The lock store is unavailable right now; try again shortly" }];
    default:
      logUnexpected("locker", error, log);
      return [500, { error: "Internal error; see the server log" }];
  }
}

function authorized(call: Call, expected: Buffer): boolean {
  const given = Buffer.from(String(call.req.headers.authorization ?? ""));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
