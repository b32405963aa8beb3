import type { LockEngine } from "../../engine/lock-engine.js";
import { checkName, checkOwner } from "../../engine/validate.js";
import { BadBody, decodePath, failureOf, isCode, logUnexpected, readParams, sendJson, type Call } from "./http.js";
import { compatLease, configuredTtl, type Layer } from "./layer.js";
import type { CompatOptions } from "./options.js";
import { Subscriptions } from "./subscriptions.js";
import { refuseEndpoint } from "./webhook.js";
import { parseToken, tokenOf } from "./webmutex-token.js";

const ROUTE = /^\/(reserve|grab|release|status|subscribe_and_grab)(?:\/([^/]+))?\/?$/;
const METHODS: Record<string, string[]> = {
  reserve: ["POST"],
  grab: ["POST"],
  release: ["POST"],
  status: ["GET", "POST"],
  subscribe_and_grab: ["POST"],
};

/** An answer: the status and the JSON body. */
type Answer = [number, Record<string, unknown>];

/** The original's failure: `{"status":"fail"}`; Baton adds why, in WebMutex's words. */
function fail(status: number, error: string): Answer {
  return [status, { status: "fail", error }];
}

/**
 * WebMutex: reserve, grab, release, status and subscribe_and_grab, answering as the original
 * Flask app did: 200 with `status: "ok"`, else `{"status":"fail"}` with 400 (grab, release) or
 * 401 (status), so `curl -f` loops work unchanged. The mutex id is the lock name; parameters come
 * from the query, a JSON, urlencoded or multipart body, and the path (`/grab/ID`). Grabs never
 * expire unless a pool or `compat.webmutex.grabTtl` says otherwise, as in the original.
 */
export function webmutexLayer(engine: LockEngine, options: CompatOptions, log: (message: string) => void): Layer {
  const ttlMs = configuredTtl(engine, options.webmutex.grabTtlMs, "compat.webmutex.grabTtl") ?? 0;
  const subscriptions = new Subscriptions(engine, options.webmutex.webhook, log);
  const lease = (id: string, p: Params) => ({ name: id, owner: p.owner(), ...compatLease(engine, id, ttlMs) });

  /** The mutex as WebMutex knows it: one that exists (reserved, or in use through any API). */
  async function find(id: string): Promise<{ inUse: boolean; waiting: number; holders: number; lastFencing: bigint } | undefined> {
    try {
      checkName(id, "id");
    } catch {
      return undefined; // No mutex can have this id.
    }
    const lock = await engine.describe(id);
    if (!lock.reserved && lock.holders.length === 0 && lock.waiters.length === 0) return undefined;
    return { inUse: lock.holders.length > 0, waiting: lock.waiters.length, holders: lock.holders.length, lastFencing: lock.lastFencing };
  }

  const routes: Record<string, (p: Params) => Promise<Answer>> = {
    async reserve() {
      const { name } = await engine.reserve("", undefined);
      return [200, { id: name, status: "ok" }];
    },
    async grab(p) {
      const id = p.get("id");
      if (id === undefined) return fail(400, 'the "id" parameter is required');
      if ((await find(id)) === undefined) return fail(400, unknown(id));
      try {
        const granted = await engine.acquire({ ...lease(id, p), waitUpToMs: 0 }, p.signal);
        return [200, { id, status: "ok", token: tokenOf(granted), fencing: granted.fencing.toString(), expires_at_ms: granted.expiresAtMs }];
      } catch (error) {
        if (isCode(error, "aborted")) return fail(400, `mutex ${id} is in use; grab it again later or use /subscribe_and_grab`);
        throw error;
      }
    },
    async release(p) {
      const id = p.get("id");
      const text = p.get("token");
      if (id === undefined || text === undefined) return fail(400, 'the "id" and "token" parameters are required');
      const token = parseToken(text);
      const mutex = await find(id);
      if (mutex === undefined) return fail(400, unknown(id));
      if (token === undefined) return fail(400, `that is not a token of mutex ${id}`);
      try {
        await engine.release(id, token.lease);
        return [200, { id, status: "ok" }];
      } catch (error) {
        if (!isCode(error, "failed_precondition")) throw error;
      }
      // The original kept the last grab's token: releasing again with it, while free, was ok.
      const now = await find(id);
      if (now !== undefined && !now.inUse && token.fencing !== undefined && token.fencing === now.lastFencing) return [200, { id, status: "ok" }];
      return fail(400, `that token does not hold mutex ${id} (it was released, or another grab came since)`);
    },
    async status(p) {
      const id = p.get("id");
      if (id === undefined) return fail(401, 'the "id" parameter is required');
      const mutex = await find(id);
      if (mutex === undefined) return fail(401, unknown(id));
      return [200, { id, status: "ok", in_use: mutex.inUse, holders: mutex.holders, waiting: mutex.waiting }];
    },
    async subscribe_and_grab(p) {
      const id = p.get("id");
      const endpoint = p.get("endpoint");
      if (id === undefined || endpoint === undefined) return fail(400, 'the "id" and "endpoint" parameters are required');
      if ((await find(id)) === undefined) return fail(400, unknown(id));
      const refusal = refuseEndpoint(endpoint, options.webmutex.webhook);
      if (refusal !== undefined) return fail(403, refusal);
      try {
        const { position } = await subscriptions.start(lease(id, p), endpoint);
        return [200, { id, status: "ok", position }];
      } catch (error) {
        if (isCode(error, "resource_exhausted")) return fail(429, `too many subscribers are waiting for mutex ${id}; try again later`);
        throw error;
      }
    },
  };

  return {
    route(call) {
      const match = ROUTE.exec(call.path);
      if (match === null) return undefined;
      const action = match[1]!;
      return async () => {
        const allowed = METHODS[action] ?? [];
        if (!allowed.includes(call.method)) {
          return sendJson(call.res, 405, fail(405, `/${action} takes ${allowed.join(" or ")}`)[1], { allow: allowed.join(", ") });
        }
        let answer: Answer;
        try {
          const values = await readParams(call, options.maxBodyBytes);
          if (match[2] !== undefined) values.set("id", decodePath(match[2]));
          answer = await routes[action]!(new Params(values, call));
        } catch (error) {
          answer = failure(error, log);
        }
        sendJson(call.res, answer[0], answer[1]);
      };
    },
    close: () => subscriptions.close(),
  };
}

/** An error no route turned into an answer, in WebMutex's terms. */
function failure(error: unknown, log: (message: string) => void): Answer {
  switch (failureOf(error)) {
    case "bad_body":
      return fail(400, (error as Error).message);
    case "too_large":
      return fail(413, (error as Error).message);
    case "invalid_argument":
      return fail(400, "the parameters are not valid for this mutex");
    case "unavailable":
    case "canceled":
      return fail(503, "the mutex service cannot reach its storage right now; try again shortly");
    default:
      logUnexpected("webmutex", error, log);
      return fail(500, "internal error; see the server log");
  }
}

function unknown(id: string): string {
  return `no mutex ${id}; reserve one first with POST /reserve`;
}

/** A request's parameters, with the seed's quirks smoothed over. */
class Params {
  readonly signal: AbortSignal;

  constructor(
    private readonly values: Map<string, string>,
    private readonly call: Call,
  ) {
    this.signal = call.signal;
  }

  /**
   * A parameter, or undefined when missing or empty. The seed's own example reads ids with `jq .id`
   * (not `jq -r`), so they arrive wrapped in double quotes; ids and tokens never contain quotes,
   * so one pair is dropped.
   */
  get(key: string): string | undefined {
    const raw = this.values.get(key);
    if (raw === undefined || raw === "") return undefined;
    return raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  }

  /** Who holds the mutex, for Baton's other APIs: the `owner` parameter, else the client's address. */
  owner(): string {
    const given = this.values.get("owner");
    if (given === undefined || given === "") return `webmutex@${this.address()}`;
    try {
      return checkOwner(given);
    } catch {
      throw new BadBody('the "owner" parameter must be printable text of at most 256 bytes');
    }
  }

  private address(): string {
    const socket = (this.call.req as { socket?: { remoteAddress?: string } }).socket;
    return socket?.remoteAddress ?? "unknown";
  }
}
