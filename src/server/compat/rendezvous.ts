import { BatonError } from "../../engine/errors.js";
import type { ProbeSpec } from "../../engine/probes/probe.js";
import type { RendezvousEngine } from "../../engine/rendezvous/rendezvous-engine.js";
import { decodePath, messageOf, readBody, sendHtml, sendJson, statusOf, WrongMethod, type Call } from "./http.js";
import type { Layer } from "./layer.js";
import type { CompatOptions } from "./options.js";
import { listingPage } from "./rendezvous-page.js";

const PORT_ROUTE = /^_port\/([^/]+)\/(\d{1,5})\/?$/;
const POSTGRES_ROUTE = /^_postgres\/([^/]+)\/?$/;

/**
 * web-rendezvous: `GET /KEY` blocks until someone `PUT`s or `POST`s `/KEY`, or the server's
 * timeout passes (200 `{"ok":true}` or 404 `{"ok":false,"error":"Timeout"}`). Keys starting
 * with `_` are reserved: `_postgres/DB` and `_port/HOST/PORT` wait for readiness probes.
 * `GET /` lists keys waiting, set and timed out. All of it is the rendezvous engine's.
 */
export function rendezvousLayer(engine: RendezvousEngine, options: CompatOptions, log: (message: string) => void): Layer {
  const timeoutMs = options.rendezvous.timeoutMs;

  async function waitKey(call: Call, key: string): Promise<void> {
    const owner = `web-rendezvous@${(call.req as { socket?: { remoteAddress?: string } }).socket?.remoteAddress ?? "unknown"}`;
    for await (const event of engine.wait({ key, waitUpToMs: timeoutMs, owner }, call.signal)) {
      if (event.type === "signaled") return sendJson(call.res, 200, { ok: true });
    }
  }

  async function waitProbe(call: Call, probe: ProbeSpec): Promise<void> {
    for await (const event of engine.waitReady(probe, { waitUpToMs: timeoutMs }, call.signal)) {
      if (event.type === "ready") return sendJson(call.res, 200, { ok: true });
    }
  }

  async function probeRoute(call: Call, key: string): Promise<void> {
    const port = PORT_ROUTE.exec(key);
    if (port !== null) return waitProbe(call, { kind: "tcp", host: decodePath(port[1]!), port: Number(port[2]) });
    const pg = POSTGRES_ROUTE.exec(key);
    if (pg !== null) return waitProbe(call, { kind: "postgres", database: decodePath(pg[1]!) });
    throw new BatonError("invalid_argument", `keys starting with "_" are reserved; use _postgres/DB or _port/HOST/PORT`);
  }

  async function answer(call: Call): Promise<void> {
    const key = decodePath(call.path.slice(1)).replace(/\/$/, "");
    if (key === "") {
      if (call.method !== "GET") throw new WrongMethod("the listing takes GET");
      const listing = await engine.list("", 1000);
      if (String(call.req.headers.accept ?? "").includes("text/html")) {
        return sendHtml(call.res, 200, listingPage(listing));
      }
      return sendJson(call.res, 200, { ok: true, ...listing });
    }
    switch (call.method) {
      case "GET":
        return key.startsWith("_") ? probeRoute(call, key) : waitKey(call, key);
      case "PUT":
      case "POST": {
        if (key.startsWith("_")) throw new BatonError("invalid_argument", `keys starting with "_" are reserved and cannot be set`);
        const payload = (await readBody(call.req, options.maxBodyBytes)).toString("utf8");
        const { woken } = await engine.signal({ key, payload, owner: "web-rendezvous" });
        return sendJson(call.res, 200, { ok: true, woken });
      }
      case "DELETE": {
        if (key.startsWith("_")) throw new BatonError("invalid_argument", `keys starting with "_" are reserved`);
        return sendJson(call.res, 200, { ok: true, was_set: await engine.reset(key) });
      }
      default:
        throw new WrongMethod(`${call.method} is not supported; use GET, PUT, POST or DELETE`);
    }
  }

  return {
    route(call) {
      return async () => {
        try {
          await answer(call);
        } catch (error) {
          if (call.signal.aborted) return;
          if (error instanceof BatonError && error.code === "deadline_exceeded") {
            return sendJson(call.res, 404, { ok: false, error: "Timeout", detail: error.message });
          }
          sendJson(call.res, statusOf(error), { ok: false, error: messageOf(error, log) });
        }
      };
    },
  };
}
