import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { LockService } from "../../src/gen/baton/lock/v1/lock_service_pb.js";
import { ErrorInfoSchema, RetryInfoSchema } from "../../src/gen/google/rpc/error_details_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { TRANSPORTS, lockClient } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { uniqueName } from "../helpers/unique.js";
import { keyedClients, testKey, withAuthorization, type TestKey } from "./keyed.js";

// Each limit tripped over real sockets: the call beyond it is resource_exhausted naming the
// limit (with a retry hint for the rate), what was granted stays granted, and others are served.

const ALL = ["acquire", "read", "signal", "arrive"] as const;
const rateKeys = Object.fromEntries(TRANSPORTS.map((k) => [k, testKey(`rate-${k}`, [...ALL], { limits: { requestsPerSecond: 1, burst: 3 } })]));
const leaseKeys = Object.fromEntries(TRANSPORTS.map((k) => [k, testKey(`leases-${k}`, [...ALL], { limits: { leases: 2 } })]));
const waiterKeys = Object.fromEntries(TRANSPORTS.map((k) => [k, testKey(`waiters-${k}`, [...ALL], { limits: { waiters: 1 } })]));
const streamKeys = Object.fromEntries(TRANSPORTS.map((k) => [k, testKey(`streams-${k}`, [...ALL], { limits: { streams: 2 } })]));
const free = testKey("unlimited", [...ALL]);

let server: TestServer;
beforeAll(async () => {
  const keys: TestKey[] = [free, ...Object.values(rateKeys), ...Object.values(leaseKeys), ...Object.values(waiterKeys), ...Object.values(streamKeys)];
  server = await startServer({ keys: keys.map((k) => k.spec) });
});
afterAll(() => server.close());

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  return call.then(
    () => {
      throw new Error("the call should have failed");
    },
    (e: unknown) => ConnectError.from(e),
  );
}

function limitOf(error: ConnectError): string | undefined {
  return error.findDetails(ErrorInfoSchema)[0]?.metadata["limit"];
}

/** Opens a Watch stream and resolves once its first event (the initial state) arrived; `ended` settles when it ends. */
async function openWatch(client: ReturnType<typeof keyedClients>["lock"], name: string, ctl: AbortController): Promise<{ ended: Promise<unknown> }> {
  const iterator = client.watch({ name, initial: true }, { signal: ctl.signal })[Symbol.asyncIterator]();
  await iterator.next();
  const ended = (async () => {
    for (;;) if ((await iterator.next()).done) return;
  })().catch((e: unknown) => e);
  return { ended };
}

describe.each(TRANSPORTS)("per-key limits over %s", (kind) => {
  it("requestsPerSecond: beyond the burst, resource_exhausted with a RetryInfo; other keys go on", async () => {
    const { lock } = keyedClients(kind, server.url, rateKeys[kind]!.key);
    const name = uniqueName("rate", kind);
    let refused: ConnectError | undefined;
    for (let i = 0; i < 10 && refused === undefined; i++) {
      refused = await lock.describe({ name }).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    }
    expect(refused, "10 calls in a row at 1/s with a burst of 3 must trip the limit").toBeDefined();
    expect(refused!.code).toBe(Code.ResourceExhausted);
    expect(refused!.rawMessage).toContain("requestsPerSecond limit (1/s, burst 3)");
    expect(refused!.findDetails(ErrorInfoSchema)[0]!.reason).toBe("RATE_LIMITED");
    const [retry] = refused!.findDetails(RetryInfoSchema);
    expect(Number(retry!.retryDelay!.seconds) * 1000 + retry!.retryDelay!.nanos / 1e6).toBeGreaterThan(0);
    expect((await keyedClients(kind, server.url, free.key).lock.describe({ name })).lock).toBeDefined();
  });

  it("leases: a third lease is refused, the two held stay held, and a release makes room", async () => {
    const { lock } = keyedClients(kind, server.url, leaseKeys[kind]!.key);
    const names = [0, 1, 2].map((i) => uniqueName("leases", `${kind}-${i}`));
    const a = await lock.acquire({ name: names[0]!, waitMs: 0n });
    const b = await lock.acquire({ name: names[1]!, waitMs: 0n });
    const refused = await failure(lock.acquire({ name: names[2]!, waitMs: 0n }));
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(limitOf(refused)).toBe("leases");
    expect(refused.rawMessage).toContain("already has 2 leases held, its leases limit");
    for (const n of names.slice(0, 2)) expect((await server.app.engine.describe(n)).holders).toHaveLength(1);
    expect((await server.app.engine.describe(names[2]!)).holders).toEqual([]);
    await lock.release({ name: names[0]!, token: a.lease!.token });
    const c = await lock.acquire({ name: names[2]!, waitMs: 0n });
    await lock.release({ name: names[1]!, token: b.lease!.token });
    await lock.release({ name: names[2]!, token: c.lease!.token });
  });

  it("waiters: a second waiting acquire is refused; the first stays queued and is granted", async () => {
    const { lock } = keyedClients(kind, server.url, waiterKeys[kind]!.key);
    const other = keyedClients(kind, server.url, free.key).lock;
    const name = uniqueName("waiters", kind);
    const held = await other.acquire({ name, waitMs: 0n });
    const first = lock.acquire({ name, waitMs: 30_000n });
    await eventually(async () => expect((await server.app.engine.describe(name)).waiters).toHaveLength(1));
    const refused = await failure(lock.acquire({ name, waitMs: 30_000n }));
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(limitOf(refused)).toBe("waiters");
    // A call that does not wait is no waiter.
    expect((await failure(lock.acquire({ name, waitMs: 0n }))).code).toBe(Code.Aborted);
    await other.release({ name, token: held.lease!.token });
    const granted = await first;
    await lock.release({ name, token: granted.lease!.token });
  });

  it("streams: a third stream is refused, the two open keep streaming, and closing one makes room", async () => {
    const { lock } = keyedClients(kind, server.url, streamKeys[kind]!.key);
    const name = uniqueName("streams", kind);
    const ctls = [new AbortController(), new AbortController()];
    const running = [await openWatch(lock, name, ctls[0]!), await openWatch(lock, name, ctls[1]!)];
    const refused = await failure(openWatch(lock, name, new AbortController()));
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(limitOf(refused)).toBe("streams");
    ctls[0]!.abort();
    await running[0]!.ended;
    const ctl = new AbortController();
    await eventually(async () => {
      await openWatch(lock, name, ctl);
    });
    ctl.abort();
    ctls[1]!.abort();
    await running[1]!.ended;
  });
});

describe("the leases limit under concurrent acquires", () => {
  it("grants exactly the limit, never more, when many acquires race", async () => {
    const racer = testKey("racer", ["acquire", "read"], { limits: { leases: 3 } });
    const local = await startServer({ keys: [racer.spec] });
    try {
      const { lock } = keyedClients("connect-binary-h2", local.url, racer.key);
      const names = Array.from({ length: 20 }, (_, i) => uniqueName("lease-race", String(i)));
      const results = await Promise.allSettled(names.map((name) => lock.acquire({ name, waitMs: 0n })));
      const granted = results.filter((r) => r.status === "fulfilled");
      expect(granted).toHaveLength(3);
      for (const r of results) if (r.status === "rejected") expect(limitOf(ConnectError.from(r.reason))).toBe("leases");
      let held = 0;
      for (const name of names) held += (await local.app.engine.describe(name)).holders.length;
      expect(held).toBe(3);
    } finally {
      await local.close();
    }
  });
});

describe("per-connection and body limits", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startServer({ maxOpenStreamsPerConnection: 2, readMaxBytes: 1024 });
  });
  afterAll(() => limited.close());

  it("refuses a third stream on one HTTP/2 connection, while another connection is served", async () => {
    const shared = createClient(LockService, createConnectTransport({ baseUrl: limited.url, httpVersion: "2", useBinaryFormat: true }));
    const name = uniqueName("conn", "streams");
    const ctls = [new AbortController(), new AbortController()];
    const running = [await openWatch(shared, name, ctls[0]!), await openWatch(shared, name, ctls[1]!)];
    const refused = await failure(openWatch(shared, name, new AbortController()));
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(limitOf(refused)).toBe("maxOpenStreamsPerConnection");
    const otherConnection = createClient(LockService, createConnectTransport({ baseUrl: limited.url, httpVersion: "2", useBinaryFormat: true, interceptors: withAuthorization(undefined) }));
    const ctl = new AbortController();
    await openWatch(otherConnection, name, ctl);
    // Unary calls on the full connection go on.
    expect((await shared.describe({ name })).lock).toBeDefined();
    for (const c of [...ctls, ctl]) c.abort();
    await Promise.all(running.map((r) => r.ended));
  });

  it.each(TRANSPORTS)("refuses a request body over readMaxBytes over %s, and serves the next", async (kind) => {
    const client = lockClient(kind, limited.url);
    const name = uniqueName("body", kind);
    const refused = await failure(client.acquire({ name, owner: "x".repeat(2000), waitMs: 0n }));
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(refused.rawMessage).toMatch(/1024/);
    expect((await server.app.engine.describe(name)).holders).toEqual([]);
    const { lease } = await client.acquire({ name, waitMs: 0n });
    await client.release({ name, token: lease!.token });
  });
});
