import * as http2 from "node:http2";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { LockEngine } from "../../src/engine/lock-engine.js";
import { compatHandler, DEFAULT_COMPAT_OPTIONS, parseCompatOptions } from "../../src/server/compat/index.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { lockClient } from "../helpers/clients.js";
import { startCompatServer, type CompatServer } from "./compat-server.js";

let server: CompatServer;
afterEach(() => server?.close());

describe("compat options", () => {
  it("fills in defaults and reads every setting", () => {
    expect(parseCompatOptions(undefined)).toEqual(DEFAULT_COMPAT_OPTIONS);
    const options = parseCompatOptions({
      root: "distributex",
      prefixes: { webmutex: "/wm", locker: null },
      maxBodyBytes: 4096,
      webmutex: { grabTtl: "5m", webhook: { secret: "0123456789abcdef", allow: ["https://*.ci.example.com/hooks/"], attempts: 2, initialBackoff: "1s" } },
      locker: { ttl: "1h", auth: { user: "u", password: "p" } },
      rendezvous: { timeout: "10s" },
    });
    expect(options).toMatchObject({
      root: "distributex",
      prefixes: { webmutex: "/wm", locker: null, distributex: "/distributex" },
      maxBodyBytes: 4096,
      webmutex: { grabTtlMs: 300_000, webhook: { attempts: 2, initialBackoffMs: 1000, maxBackoffMs: 30_000 } },
      locker: { ttlMs: 3_600_000, auth: { user: "u", password: "p" } },
      rendezvous: { timeoutMs: 10_000 },
    });
  });

  it("reads an empty mapping (YAML `compat:` with nothing under it) and null sections as the defaults", () => {
    expect(parseCompatOptions(null)).toEqual(DEFAULT_COMPAT_OPTIONS);
    expect(parseCompatOptions({ webmutex: null, locker: { auth: null } })).toEqual(DEFAULT_COMPAT_OPTIONS);
  });

  it("names every problem at once", () => {
    expect(() => parseCompatOptions({ maxBodyBytes: 10, rendezvous: { timeout: "x" } })).toThrow(/2 problems[^]*compat.maxBodyBytes[^]*compat.rendezvous.timeout/);
  });

  it.each([
    [[], /compat: expected a mapping \(got a list\)/],
    [{ colour: 1 }, /compat: unknown setting "colour"; known: prefixes, root,/],
    [{ prefix: {} }, /compat: unknown setting "prefix" \(did you mean "prefixes"\?\)/],
    [{ root: "ftp" }, /compat.root: unknown value "ftp"; expected one of webmutex, rendezvous, locker, distributex, or null/],
    [{ root: "lockr" }, /compat.root: unknown value "lockr" \(did you mean "locker"\?\)/],
    [{ prefixes: { webmutex: "no-slash" } }, /compat.prefixes.webmutex: "no-slash" is not a path; expected a path like "\/webmutex"/],
    [{ prefixes: { webmutex: "/x", locker: "/x" } }, /compat.prefixes: two layers share one prefix/],
    [{ maxBodyBytes: 10 }, /compat.maxBodyBytes: 10 is too small; expected a whole number ≥ 1024/],
    [{ webmutex: { grabTtl: "soon" } }, /compat.webmutex.grabTtl: "soon" is not a duration/],
    [{ webmutex: { grabTtl: 0 } }, /compat.webmutex.grabTtl: 0ms is too short; .*leave it unset for leases that never expire/],
    [{ webmutex: { webhook: { allow: ["http://h/"] } } }, /compat.webmutex.webhook.secret: .*secret of at least 16 characters/],
    [{ webmutex: { webhook: { secret: "0123456789abcdef", allow: ["ftp://h/"] } } }, /allow: "ftp:\/\/h\/": only http and https/],
    [{ webmutex: { webhook: { secret: "0123456789abcdef", allow: ["http://h/?q=1"] } } }, /plain prefix/],
    [{ webmutex: { webhook: { attempts: 0 } } }, /compat.webmutex.webhook.attempts: 0 is too small; expected a whole number ≥ 1/],
    [{ webmutex: { webhook: { secret: 1234 } } }, /compat.webmutex.webhook.secret: 1234 is not text/],
    [{ locker: { auth: { user: "u" } } }, /compat.locker.auth.password: it is missing; expected text/],
    [{ locker: { auth: { user: "a:b", password: "p" } } }, /compat.locker.auth: user \(without ':'\)/],
    [{ rendezvous: { timeout: "0ms" } }, /compat.rendezvous.timeout: 0ms is too short; expected a duration ≥ 1ms/],
  ])("refuses %j with a clear error", (raw, message) => {
    expect(() => parseCompatOptions(raw)).toThrow(message);
  });

  it("refuses a layer TTL outside the server's bounds when the handler is built", async () => {
    const store = new MemoryStore();
    const engine = new LockEngine(store, { ...DEFAULT_CONFIG, maxTtlMs: 3_600_000 }, () => undefined);
    expect(() => compatHandler({ engine }, parseCompatOptions({ locker: { ttl: "2h" } }))).toThrow(/compat.locker.ttl: 7200000ms lies outside/);
    // Unset, the Locker's TTL is the server's maxTtl.
    expect(() => compatHandler({ engine }, parseCompatOptions({}))).not.toThrow();
    await engine.close();
    await store.close();
  });
});

describe("mounts", () => {
  it("moves a layer to another prefix, turns one off, and serves the root layer next to Connect", async () => {
    server = await startCompatServer({ compat: { root: "locker", prefixes: { webmutex: "/wm", distributex: null } } });
    const reserved = await fetch(`${server.url}/wm/reserve`, { method: "POST" });
    expect(reserved.status).toBe(200);
    // Locker lists every lock in Baton's one namespace: the reserved, free WebMutex id with no owner.
    const { id } = (await reserved.json()) as { id: string };
    expect((await fetch(`${server.url}/webmutex/reserve`, { method: "POST" })).status).toBe(404);
    expect(await fetch(`${server.url}/distributex/get?host=a&pool=b`).then((r) => r.status)).toBe(404);
    const put = await fetch(`${server.url}/lock/deploy`, { method: "PUT", body: '{"lock":"root-user"}' });
    expect(put.status).toBe(200);
    expect(await (await fetch(`${server.url}/locks`)).json()).toEqual({ deploy: "root-user", [id]: "" });
    expect(await (await fetch(`${server.url}/locker/locks`)).json()).toEqual({ deploy: "root-user", [id]: "" });
    const described = await lockClient("connect-binary-h2", server.url).describe({ name: "deploy" });
    expect(described.lock!.holders.map((h) => h.owner)).toEqual(["root-user"]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    // A path the root layer does not know is left to the app, which answers 404 saying where things are.
    const unknown = await fetch(`${server.url}/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("nothing is served at /nothing-here");
  });

  it("answers over cleartext HTTP/2 as well", async () => {
    server = await startCompatServer({ pools: [{ name: "pool1" }] });
    const session = http2.connect(server.url);
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ":path": "/distributex/get/?host=me&pool=pool1" });
        let body = "";
        stream.setEncoding("utf8");
        stream.on("data", (c: string) => (body += c));
        stream.on("end", () => resolve(body));
        stream.on("error", reject);
        stream.end();
      });
      expect(text).toBe("YES");
    } finally {
      session.close();
    }
    expect((await server.engine.describe("pool1")).holders.map((h) => h.owner)).toEqual(["me"]);
  });
});
