import type { ProbeSpec } from "../../engine/probes/probe.js";
import type { RendezvousEngine } from "../../engine/rendezvous/rendezvous-engine.js";
import { checkName } from "../../engine/validate.js";
import { decodePath, failureOf, goJson, isCode, logUnexpected, readBody, sendHtml, sendJson, sendRaw, type Call } from "./http.js";
import type { Layer } from "./layer.js";
import type { CompatOptions } from "./options.js";
import { homepage, LISTING_LIMIT } from "./rendezvous-listing.js";
import { listingPage } from "./rendezvous-page.js";
import { waitForKey, waitForProbe, type WaitOutcome } from "./rendezvous-wait.js";

const PORT_ROUTE = /^_port\/([^/]+)\/([^/]+)$/;
const POSTGRES_ROUTE = /^_postgres\/([^/]+)$/;
/** What Go's http server sniffed the original's bodies as. */
const TEXT = "text/plain; charset=utf-8";

/** An answer: the status and the body, written as Go's encoding/json writes it ("" for none). */
type Answer = [number, Record<string, unknown> | ""];

const OK: Answer = [200, { ok: true }];
const TIMEOUT: Answer = [404, { ok: false, error: "Timeout" }];
const RESERVED: Answer = [404, { ok: false, error: "Keys starting with '_' are reserved" }];
const BAD_METHOD: Answer = [200, { ok: false, error: "I dont understand that HTTP method, try 'put', 'post' or 'get'" }];

/**
 * web-rendezvous, byte for byte on its routes: `GET /KEY` blocks until someone `PUT`s or `POST`s
 * `/KEY`, or the server's timeout passes (200 `{"ok":true}` or 404 `{"ok":false,"error":"Timeout"}`,
 * no trailing newline); `_postgres/DB` and `_port/HOST/PORT` wait for readiness probes; `GET /`
 * lists keys waiting and marked. Baton's additions live where no original client goes:
 * `DELETE /KEY` clears a key, `GET /?view=json` and `?view=page` show the richer listing.
 */
export function rendezvousLayer(engine: RendezvousEngine, options: CompatOptions, log: (message: string) => void): Layer {
  const timeoutMs = options.rendezvous.timeoutMs;

  async function get(call: Call, key: string): Promise<Answer | undefined> {
    const owner = `web-rendezvous@${(call.req as { socket?: { remoteAddress?: string } }).socket?.remoteAddress ?? "unknown"}`;
    const probe = key.startsWith("_") ? probeOf(key) : undefined;
    let outcome: WaitOutcome;
    try {
      outcome =
        probe === undefined
          ? await waitForKey(engine, key, timeoutMs, owner, call.signal)
          : await waitForProbe(engine, key, probe, timeoutMs, owner, call.signal);
    } catch (error) {
      if (probe?.kind !== "tcp" || !isCode(error, "permission_denied")) throw error;
      return [403, { ok: false, error: `This server's probeAllowlist does not let probes reach ${probe.host}` }];
    }
    if (outcome.ready) return OK;
    // The last probe error helps a person; the body stays the original's.
    if (outcome.lastError !== undefined) call.res.setHeader("x-baton-last-error", headerText(outcome.lastError));
    return TIMEOUT;
  }

  async function answer(call: Call): Promise<Answer | undefined> {
    const path = decodePath(call.path.slice(1));
    if (path === "") {
      if (call.method === "GET" || call.method === "HEAD") return listing(call);
      if (call.method !== "PUT" && call.method !== "POST" && call.method !== "DELETE") return BAD_METHOD;
      return [400, { ok: false, error: "A key is required, as in PUT /KEY" }];
    }
    if (call.method === "GET" && path === "favicon.ico") return [404, ""];
    const isKnownMethod = ["GET", "PUT", "POST", "DELETE"].includes(call.method);
    if (!isKnownMethod) return BAD_METHOD;
    if (call.method !== "GET" && path.startsWith("_")) return RESERVED;
    let key: string;
    try {
      key = checkName(path, "key");
    } catch {
      return [400, { ok: false, error: "Keys may contain only A-Z a-z 0-9 . _ : / @ - (at most 256 bytes)" }];
    }
    switch (call.method) {
      case "GET":
        return get(call, key);
      case "DELETE":
        return [200, { ok: true, was_set: await engine.reset(key) }];
      default: {
        // The original ignored the body; Baton keeps it as the key's payload for its other APIs.
        const payload = (await readBody(call.req, options.maxBodyBytes)).toString("utf8");
        await engine.signal({ key, payload, owner: "web-rendezvous" });
        return OK;
      }
    }
  }

  async function listing(call: Call): Promise<Answer | undefined> {
    const all = await engine.list("", LISTING_LIMIT);
    const view = call.query.get("view");
    if (view === "page") {
      sendHtml(call.res, 200, listingPage(all));
      return undefined;
    }
    if (view === "json") {
      sendJson(call.res, 200, { ok: true, ...all });
      return undefined;
    }
    return [200, homepage(all)];
  }

  return {
    route(call) {
      return async () => {
        let result: Answer | undefined;
        try {
          result = await answer(call);
        } catch (error) {
          if (call.signal.aborted) return;
          result = failure(error, log);
        }
        if (result === undefined) return;
        sendRaw(call.res, result[0], result[1] === "" ? "" : goJson(result[1]), TEXT);
      };
    },
  };
}

/** The probe a reserved key names, if it is well formed; other `_` keys are waited for like any key. */
function probeOf(key: string): ProbeSpec | undefined {
  const port = PORT_ROUTE.exec(key);
  if (port !== null) return { kind: "tcp", host: port[1]!, port: /^\d{1,5}$/.test(port[2]!) ? Number(port[2]) : 0 };
  const pg = POSTGRES_ROUTE.exec(key);
  if (pg !== null) return { kind: "postgres", database: pg[1]! };
  return undefined;
}

/** An error no route turned into an answer, in web-rendezvous's terms. */
function failure(error: unknown, log: (message: string) => void): Answer {
  switch (failureOf(error)) {
    case "bad_body":
      return [400, { ok: false, error: (error as Error).message }];
    case "too_large":
      return [413, { ok: false, error: (error as Error).message }];
    case "invalid_argument":
      return [400, { ok: false, error: "The request cannot be served with these parameters" }];
    case "unavailable":
    case "canceled":
    case "resource_exhausted":
      return [503, { ok: false, error: "The rendezvous store is unavailable right now; try again shortly" }];
    default:
      logUnexpected("rendezvous", error, log);
      return [500, { ok: false, error: "Internal error; see the server log" }];
  }
}

/** Text that fits in a header value: printable ASCII, one line, at most 300 characters. */
function headerText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, " ").slice(0, 300);
}
