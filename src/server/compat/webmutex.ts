import { BatonError } from "../../engine/errors.js";
import type { LockEngine } from "../../engine/lock-engine.js";
import { checkName } from "../../engine/validate.js";
import { decodePath, messageOf, readParams, sendJson, statusOf, type Call } from "./http.js";
import { compatTtl, fallbackTtl, type Layer } from "./layer.js";
import type { CompatOptions } from "./options.js";
import { Subscriptions } from "./subscriptions.js";
import { refuseEndpoint } from "./webhook.js";

const ROUTE = /^\/(reserve|grab|release|status|subscribe_and_grab)(?:\/([^/]+))?\/?$/;
const METHODS: Record<string, string[]> = {
  reserve: ["POST"],
  grab: ["POST"],
  release: ["POST"],
  status: ["GET", "POST"],
  subscribe_and_grab: ["POST"],
};
/** The seed never expired a grab; Baton does, after this long, unless a pool says otherwise. */
const DEFAULT_GRAB_TTL_MS = 10 * 60_000;

/**
 * WebMutex: reserve, grab, release, status and subscribe_and_grab. The mutex id is the lock
 * name; parameters come from the query, a JSON, urlencoded or multipart body, and the path
 * (`/grab/ID`). Errors are JSON `{status: "error", error}` with a non-2xx status, so that
 * `curl -f` fails on them.
 */
export function webmutexLayer(engine: LockEngine, options: CompatOptions, log: (message: string) => void): Layer {
  const ttlMs = fallbackTtl(engine, options.webmutex.grabTtlMs, DEFAULT_GRAB_TTL_MS, "compat.webmutex.grabTtl");
  const subscriptions = new Subscriptions(engine, options.webmutex.webhook, log);

  const routes: Record<string, (p: Params) => Promise<[number, Record<string, unknown>]>> = {
    async reserve() {
      const { name } = await engine.reserve("", undefined);
      return [200, { id: name, status: "ok" }];
    },
    async grab(p) {
      const id = await existing(engine, p.required("id"));
      const lease = await engine.acquire({ name: id, owner: p.owner(), ttlMs: compatTtl(engine, id, ttlMs), waitUpToMs: 0 }, p.signal);
      return [200, { id, token: lease.token, status: "ok", fencing: lease.fencing.toString(), expires_at_ms: lease.expiresAtMs }];
    },
    async release(p) {
      const id = await existing(engine, p.required("id"));
      await engine.release(id, p.required("token"));
      return [200, { id, status: "ok" }];
    },
    async status(p) {
      const id = p.required("id");
      const lock = await engine.describe(checkName(id, "id"));
      if (!known(lock)) throw unknown(id);
      return [200, { id, status: "ok", in_use: lock.holders.length > 0, holders: lock.holders.length, waiting: lock.waiters.length }];
    },
    async subscribe_and_grab(p) {
      const id = await existing(engine, p.required("id"));
      const endpoint = p.required("endpoint");
      const refusal = refuseEndpoint(endpoint, options.webmutex.webhook);
      if (refusal !== undefined) throw new BatonError("permission_denied", refusal);
      const params = { name: id, owner: p.owner(), ttlMs: compatTtl(engine, id, ttlMs) };
      const { position } = await subscriptions.start(params, endpoint);
      return [200, { id, status: "subscribed", position }];
    },
  };

  return {
    route(call) {
      const match = ROUTE.exec(call.path);
      if (match === null) return undefined;
      const action = match[1] as keyof typeof METHODS;
      return async () => {
        const allowed = METHODS[action] ?? [];
        if (!allowed.includes(call.method)) {
          return sendJson(call.res, 405, { status: "error", error: `${action} takes ${allowed.join(" or ")}` }, { allow: allowed.join(", ") });
        }
        try {
          const values = await readParams(call, options.maxBodyBytes);
          if (match[2] !== undefined) values.set("id", decodePath(match[2]));
          const [status, body] = await routes[action]!(new Params(values, call));
          sendJson(call.res, status, body);
        } catch (error) {
          sendJson(call.res, statusOf(error), { status: "error", error: messageOf(error, log) });
        }
      };
    },
    close: () => subscriptions.close(),
  };
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
   * A required parameter. The seed's own example reads ids with `jq .id` (not `jq -r`), so they
   * arrive wrapped in double quotes; names and tokens never contain quotes, so one pair is dropped.
   */
  required(key: string): string {
    const raw = this.values.get(key);
    if (raw === undefined || raw === "") throw new BatonError("invalid_argument", `the "${key}" parameter is required`);
    return raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  }

  /** Who holds the mutex, for Baton's other APIs: the `owner` parameter, else the client's address. */
  owner(): string {
    const given = this.values.get("owner");
    if (given !== undefined && given !== "") return given;
    const socket = (this.call.req as { socket?: { remoteAddress?: string } }).socket;
    return `webmutex@${socket?.remoteAddress ?? "unknown"}`;
  }
}

/** WebMutex grabs only mutexes that exist: reserved, or in use through another API. */
async function existing(engine: LockEngine, id: string): Promise<string> {
  const lock = await engine.describe(checkName(id, "id"));
  if (!known(lock)) throw unknown(id);
  return id;
}

function known(lock: { reserved: boolean; holders: unknown[]; waiters: unknown[] }): boolean {
  return lock.reserved || lock.holders.length > 0 || lock.waiters.length > 0;
}

function unknown(id: string): BatonError {
  return new BatonError("not_found", `no mutex "${id}"; reserve one first with POST /reserve`);
}
