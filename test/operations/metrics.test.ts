import { ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WaitResponse } from "../../src/gen/baton/lock/v1/lock_pb.js";
import { recordAuthFailure } from "../../src/server/metrics/metrics.js";
import { electionClient, lockClient } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { scrape, type Scrape } from "../helpers/prometheus.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { uniqueName } from "../helpers/unique.js";

const unique = (base: string): string => uniqueName("metrics", base);

const LOCK = "baton.lock.v1.LockService";

/** How much each sample moved between two scrapes. */
function delta(before: Scrape, after: Scrape) {
  return (name: string, labels: Record<string, string> = {}): number => after.value(name, labels) - before.value(name, labels);
}

describe("GET /metrics on the main port", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ metrics: true });
  });
  afterAll(() => server.close());

  it("counts calls, grants, hand-offs, releases, expiries and their times as a scenario runs", async () => {
    const url = `${server.url}/metrics`;
    const connect = lockClient("connect-json-h1", server.url);
    const grpc = lockClient("grpc-h2", server.url);
    const name = unique("metrics-lock");
    const brief = unique("metrics-expiring");
    const before = await scrape(url);

    const { lease: first } = await connect.acquire({ name, owner: "first" });
    // Contend over gRPC: a queued waiter, then a hand-off when the first holder releases.
    const events: WaitResponse[] = [];
    const waiting = (async () => {
      for await (const e of grpc.wait({ name, owner: "second" })) events.push(e);
    })();
    await eventually(() => expect(events[0]?.event.case).toBe("queued"));
    const during = await scrape(url);
    const moved = delta(before, during);
    expect(moved("baton_waiters_queued")).toBe(1);
    expect(moved("baton_leases_held")).toBe(1);
    expect(moved("baton_streams_open", { service: LOCK, method: "Wait" })).toBe(1);

    await connect.release({ name, token: first!.token });
    await waiting;
    const second = events.at(-1);
    expect(second?.event.case).toBe("granted");
    await connect.release({ name, token: second!.event.case === "granted" ? second!.event.value.token : "" });
    // A failed call: the first lease is gone, so releasing it again is refused.
    const refused = await connect.release({ name, token: first!.token }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(refused?.rawMessage).toBeDefined();
    // A lease left to expire.
    await connect.acquire({ name: brief, owner: "third", ttlMs: 150n });
    await eventually(async () => expect(delta(before, await scrape(url))("baton_lock_expiries_total")).toBe(1), 5000);

    const after = await scrape(url);
    const d = delta(before, after);
    const calls = (method: string, protocol: string, code: string) => d("baton_calls_total", { service: LOCK, method, protocol, code });
    expect(calls("Acquire", "connect", "ok")).toBe(2);
    expect(calls("Release", "connect", "ok")).toBe(2);
    expect(calls("Release", "connect", "failed_precondition")).toBe(1);
    expect(calls("Wait", "grpc", "ok")).toBe(1);
    expect(d("baton_calls_total", { service: LOCK })).toBe(6);

    expect(d("baton_lock_grants_total")).toBe(3);
    expect(d("baton_lock_handoffs_total")).toBe(1);
    expect(d("baton_lock_releases_total")).toBe(2);
    expect(d("baton_lock_expiries_total")).toBe(1);
    expect(d("baton_lock_acquire_wait_seconds_count")).toBe(3);
    // Two grants without a queue waited 0 s; the hand-off waited (however briefly) in the queue.
    expect(d("baton_lock_acquire_wait_seconds_bucket", { le: "0.001" })).toBeGreaterThanOrEqual(2);
    expect(d("baton_lock_handoff_latency_seconds_count")).toBe(1);
    expect(d("baton_lock_hold_seconds_count")).toBe(3);
    expect(d("baton_lock_hold_seconds_sum")).toBeGreaterThan(0.1);

    expect(d("baton_leases_held")).toBe(0);
    expect(d("baton_waiters_queued")).toBe(0);
    expect(d("baton_streams_open", { service: LOCK, method: "Wait" })).toBe(0);
    // Every acquire and release reached the store (the refused release too: a refusal is a result).
    expect(d("baton_store_operation_seconds_count", { operation: "acquire" })).toBe(3);
    expect(d("baton_store_operation_seconds_count", { operation: "release" })).toBe(3);
    expect(d("baton_store_operation_errors_total")).toBe(0);

    expect(after.types.get("baton_calls_total")).toBe("counter");
    expect(after.types.get("baton_lock_hold_seconds")).toBe("histogram");
    expect(after.types.get("baton_leases_held")).toBe("gauge");
    expect(after.types.get("process_cpu_seconds_total")).toBe("counter");
  });

  it("counts a stream its client abandons as canceled, and closes it in the gauge", async () => {
    const url = `${server.url}/metrics`;
    const c = lockClient("connect-binary-h2", server.url);
    const name = unique("abandoned");
    const { lease } = await c.acquire({ name, owner: "holder" });
    const before = await scrape(url);
    const stop = new AbortController();
    const seen: string[] = [];
    const waiting = (async () => {
      for await (const e of c.wait({ name, owner: "gives-up" }, { signal: stop.signal })) seen.push(e.event.case ?? "");
    })().catch(() => undefined);
    await eventually(() => expect(seen).toEqual(["queued"]));
    expect(delta(before, await scrape(url))("baton_streams_open", { method: "Wait" })).toBe(1);
    stop.abort();
    await waiting;
    await eventually(async () => {
      const d = delta(before, await scrape(url));
      expect(d("baton_streams_open", { method: "Wait" })).toBe(0);
      expect(d("baton_calls_total", { method: "Wait", code: "canceled" })).toBe(1);
      expect(d("baton_waiters_queued")).toBe(0);
    });
    await c.release({ name, token: lease!.token });
  });

  it("times every store operation, a leader's proclaim included, and each still works", async () => {
    const e = electionClient("connect-binary-h2", server.url);
    const name = unique("election");
    const before = await scrape(`${server.url}/metrics`);
    const { lease } = await e.campaign({ name, owner: "leader", value: "10.0.0.1:80" });
    const { leader } = await e.proclaim({ name, token: lease!.token, value: "10.0.0.2:80" });
    expect(leader?.value).toBe("10.0.0.2:80");
    await e.resign({ name, token: lease!.token });
    const moved = delta(before, await scrape(`${server.url}/metrics`));
    expect(moved("baton_store_operation_seconds_count", { operation: "proclaim" })).toBe(1);
  });

  it("never puts a lock name, an owner or a token in a label", async () => {
    const c = lockClient("connect-binary-h2", server.url);
    const name = unique("secret-name");
    const { lease } = await c.acquire({ name, owner: "owner-xyzzy" });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    await c.release({ name, token: lease!.token });
    expect(text).not.toContain(name);
    expect(text).not.toContain("owner-xyzzy");
    expect(text).not.toContain(lease!.token);
  });

  it("counts sessions open and auth failures the auth interceptor reports", async () => {
    const url = `${server.url}/metrics`;
    const before = await scrape(url);
    recordAuthFailure(server.app.metrics!.metrics, "bad_credentials");
    recordAuthFailure(server.app.metrics!.metrics, "no-such-reason" as never);
    const after = await scrape(url);
    expect(delta(before, after)("baton_auth_failures_total", { reason: "bad_credentials" })).toBe(1);
    expect(delta(before, after)("baton_auth_failures_total", { reason: "other" })).toBe(1);
    expect(after.value("baton_sessions_open")).toBe(0);
  });

  it("answers other methods than GET with 405", async () => {
    const res = await fetch(`${server.url}/metrics`, { method: "POST" });
    expect(res.status).toBe(405);
  });
});

describe("metricsListen", () => {
  it("serves /metrics on its own address and not on the main port", async () => {
    const server = await startServer({ metricsListen: "127.0.0.1:0" });
    try {
      const metricsUrl = server.app.metrics?.url;
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(metricsUrl).not.toBe(server.url);
      const c = lockClient("grpc-web-h1", server.url);
      const { lease } = await c.acquire({ name: unique("listen"), owner: "o" });
      const s = await scrape(`${metricsUrl}/metrics`);
      expect(s.value("baton_calls_total", { method: "Acquire", protocol: "grpc_web", code: "ok" })).toBe(1);
      expect(s.value("baton_leases_held")).toBe(1);
      expect(lease).toBeDefined();
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${metricsUrl}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("is off by default: no /metrics anywhere", async () => {
    const server = await startServer();
    try {
      expect(server.app.metrics).toBeUndefined();
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe("the store-wide gauges", () => {
  it("start from what a durable store kept across a restart", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "baton-metrics-"));
    try {
      const first = await startServer({ store: `durable:${dir}` });
      const c = lockClient("connect-json-h1", first.url);
      await c.acquire({ name: "kept/a", owner: "o", ttlMs: 600_000n });
      await c.acquire({ name: "kept/b", owner: "o", ttlMs: 600_000n });
      await first.close();
      const second = await startServer({ store: `durable:${dir}`, metrics: true });
      try {
        expect((await scrape(`${second.url}/metrics`)).value("baton_leases_held")).toBe(2);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
