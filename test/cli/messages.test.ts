import { randomBytes } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Interceptor } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createBatonClient, type BatonClient } from "../../src/client/index.js";
import { BatonError } from "../../src/engine/errors.js";
import { toConnectError } from "../../src/server/errors.js";
import { StoreUnavailableError } from "../../src/store/errors.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { baton, startBaton } from "./in-process.js";

// What the CLI says when the server refuses: in the CLI's own terms (its flags, its arguments,
// durations as typed), built from the error's typed reason, never the API's wording.

let server: TestServer;
let client: BatonClient;
const unique = (what: string) => `cli-msg/${what}/${randomBytes(4).toString("hex")}`;
const run = (...args: string[]) => baton(args, { url: server.url });
const only = (stderr: string) => stderr.split("\n")[0];

beforeAll(async () => {
  server = await startServer({ maxQueueLength: 1 });
  client = createBatonClient(server.url, { owner: "holder-1" });
});
afterAll(async () => {
  client.close();
  await server.close();
});

describe("baton's messages for the server's typed errors", () => {
  it("LOCK_HELD on a semaphore names every holder", async () => {
    const name = unique("sem");
    const a = await client.acquire(name, { limit: 2 });
    const b = await client.acquire(name, { limit: 2, owner: "holder-2" });
    const result = await run("acquire", name, "--wait", "0");
    expect(result.code).toBe(1);
    expect(only(result.stderr)).toMatch(
      new RegExp(`^baton acquire: all 2 permits of ${name} are held by holder-1 \\(fencing ${a.fencing}\\) until [^,]+, holder-2 \\(fencing ${b.fencing}\\) until .*; wait for it with --wait DUR \\(or omit --wait\\)$`),
    );
    await Promise.all([client.release(a), client.release(b)]);
  });

  it("LIMIT_MISMATCH names --limit and the lock's limit", async () => {
    const name = unique("limit");
    const held = await client.acquire(name);
    const result = await run("acquire", name, "--limit", "3", "--wait", "0");
    expect(result.code).toBe(1);
    expect(only(result.stderr)).toBe(`baton acquire: ${name} is in use with --limit 1; ask with --limit 1 or without --limit, or wait until it is idle`);
    await client.release(held);
  });

  it("QUEUE_FULL says how many wait and how to try once", async () => {
    const name = unique("full");
    const held = await client.acquire(name);
    const first = startBaton(["acquire", name], { url: server.url });
    await vi.waitFor(async () => expect((await client.describe(name)).waiters).toHaveLength(1), { timeout: 10_000 });
    const result = await run("acquire", name);
    expect(result.code).toBe(1);
    expect(only(result.stderr)).toBe(`baton acquire: the queue of ${name} is full (1 waiting); try again later, or try once with --wait 0`);
    first.interrupt("SIGINT");
    expect(await first.done).toBe(130);
    await client.release(held);
  });

  it("WAIT_TIMEOUT names --wait as typed (on a faked clock: the 30s pass at once)", async () => {
    const name = unique("timeout");
    const held = await client.acquire(name, { ttlMs: 3_600_000 });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    try {
      const waiting = startBaton(["acquire", name, "--wait", "30s"], { url: server.url });
      await vi.waitFor(() => expect(waiting.stderr()).toContain("position 1 of 1"), { timeout: 10_000 });
      await vi.advanceTimersByTimeAsync(30_000);
      expect(await waiting.done).toBe(1);
      expect(waiting.stderr().trim().split("\n").at(-1)).toBe(
        `baton acquire: no permit of ${name} came free within 30s (--wait 30s); wait longer with a larger --wait, or omit it to wait until granted`,
      );
    } finally {
      vi.useRealTimers();
    }
    await client.release(held);
  });

  it("INVALID_ARGUMENT names the flag or argument as typed, and exits 2", async () => {
    const name = unique("invalid");
    const held = await client.acquire(name);
    const cases: Array<[string[], string]> = [
      [["lock", name, "--ttl", "50ms", "--", "true"], "baton lock: --ttl 50ms is outside the TTLs the server allows (100ms to 24h, the server's --min-ttl to --max-ttl)"],
      [["lock", "bad name", "--", "true"], 'baton lock: NAME "bad name" is not a lock name: use 1-256 characters of A-Z a-z 0-9 . _ : / @ -'],
      [["acquire", name, "--wait", "25h"], "baton acquire: --wait 25h is longer than the server allows (at most 24h, the server's --max-wait)"],
      [["release", name, "nothex"], 'baton release: TOKEN "nothex" is not a token: use the 32 hex digits that "baton acquire" printed (BATON_TOKEN)'],
      [["acquire", name, "--owner", "tab\there"], "baton acquire: --owner tab\there is not an owner: use printable text of at most 256 bytes"],
      [["signal", "k", "--ttl", "10ms"], "baton signal: --ttl 10ms is outside the TTLs the server allows (100ms to 24h, the server's --min-ttl to --max-ttl)"],
      [["wait", "bad key"], 'baton wait: KEY "bad key" is not a key: use 1-256 characters of A-Z a-z 0-9 . _ : / @ -'],
    ];
    for (const [args, message] of cases) {
      const result = await run(...args);
      expect({ args, code: result.code, line: only(result.stderr) }).toEqual({ args, code: 2, line: message });
    }
    await client.release(held);
  });

  it("PROBE_NOT_ALLOWED and PARTIES_MISMATCH say which server setting or flag to change", async () => {
    const ready = await run("ready", "http://192.0.2.1/");
    expect(ready.code).toBe(1);
    expect(only(ready.stderr)).toBe(`baton ready: the Baton server at ${server.url} may not probe 192.0.2.1: add it to the server's --probe-allowlist (BATON_PROBE_ALLOWLIST)`);

    const key = unique("barrier");
    const gathering = startBaton(["arrive", key, "--parties", "3"], { url: server.url });
    await vi.waitFor(async () => expect((await run("keys", key, "--json")).stdout).toContain('"arrived":1'), { timeout: 10_000 });
    const other = await run("arrive", key, "--parties", "2");
    expect(other.code).toBe(1);
    expect(only(other.stderr)).toBe(`baton arrive: the barrier ${key} is gathering 3 parties; arrive with --parties 3`);
    gathering.interrupt("SIGTERM");
    expect(await gathering.done).toBe(143);
  });

  it("a server that shuts down while a command waits says so", async () => {
    const closing = await startServer();
    const holder = createBatonClient(closing.url);
    const name = unique("shutdown");
    await holder.acquire(name);
    const waiting = startBaton(["acquire", name], { url: closing.url });
    await vi.waitFor(() => expect(waiting.stderr()).toContain("position 1 of 1"), { timeout: 10_000 });
    await closing.close();
    holder.close();
    expect(await waiting.done).toBe(1);
    expect(waiting.stderr().trim().split("\n").at(-1)).toBe(
      `baton acquire: the Baton server at ${closing.url} is shutting down; try again once it is back, or point --server at another`,
    );
  });

  it("something at the URL that is not Baton is named as such", async () => {
    const other = http.createServer((_req, res) => res.writeHead(404).end("not here"));
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const result = await baton(["describe", "x"], { url });
      expect(result).toMatchObject({ code: 1, stderr: `baton describe: ${url} answered, but not as a Baton server; check --server or BATON_URL\n` });
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });
});

describe("baton's messages for errors only some servers send", () => {
  // The server's own error mapping (toConnectError) puts these on the wire, from an interceptor in
  // front of a real server: the same bytes an authenticating or failing server would send.
  let failing: TestServer;
  let next: unknown;
  const failNext: Interceptor = (handler) => async (req) => {
    const error = next;
    next = undefined;
    if (error !== undefined) throw toConnectError(error, () => {});
    return handler(req);
  };
  beforeAll(async () => {
    failing = await startServer({}, { interceptors: [failNext] });
  });
  afterAll(async () => {
    await failing.close();
  });

  const cases: Array<[string, unknown, string]> = [
    ["UNAUTHENTICATED", new BatonError("unauthenticated", "no credentials"), 'wants an API key: set BATON_KEY (or pass --api-key); "baton key new NAME" makes one'],
    [
      "UNAUTHENTICATED",
      new BatonError("unauthenticated", "bad key", { metadata: { problem: "invalid" } }),
      "refused the API key: it is not valid there (unknown, revoked or mistyped); check BATON_KEY or --api-key",
    ],
    [
      "PERMISSION_DENIED",
      new BatonError("permission_denied", 'key "ci" lacks the "acquire" action scope', { metadata: { scope: "action:acquire" } }),
      'does not allow this: key "ci" lacks the "acquire" action scope',
    ],
    ["STORE_UNAVAILABLE", new StoreUnavailableError("redis down"), "cannot reach its store right now, so it grants nothing; try again shortly"],
    ["INTERNAL", new Error("a bug"), "failed on this request; its log says why"],
  ];
  for (const [reason, error, words] of cases) {
    it(`${reason}: says what the server at the URL did`, async () => {
      next = error;
      const result = await baton(["describe", "x"], { url: failing.url });
      expect(result).toEqual({ code: 1, stdout: "", stderr: `baton describe: the Baton server at ${failing.url} ${words}\n` });
    });
  }
});
