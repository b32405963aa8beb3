import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { createBatonClient, keepLeaseAlive, LeaseLostError, type Lease, type RefreshFn } from "../../src/client/index.js";
import { eventually } from "../helpers/eventually.js";
import { startServer } from "../helpers/server.js";

function fakeLease(ttlMs: number): Lease {
  const now = Date.now();
  return { name: "k", owner: "o", token: "0".repeat(32), fencing: 7n, acquiredAt: new Date(now), expiresAt: new Date(now + ttlMs), ttlMs, value: "", permits: 1, shared: false };
}

/** A refresh that answers from a script of outcomes, then succeeds; it records every call. */
function scripted(outcomes: Array<"ok" | Code>): { refresh: RefreshFn; calls: number } {
  const state = { calls: 0, refresh: undefined as unknown as RefreshFn };
  state.refresh = async (lease) => {
    const outcome = outcomes[state.calls++] ?? "ok";
    if (outcome !== "ok") throw new ConnectError("scripted failure", outcome);
    return { ...lease, expiresAt: new Date(Date.now() + lease.ttlMs) };
  };
  return state;
}

describe("keepLeaseAlive", () => {
  it("retries through network failures and keeps the lease while refreshes get through again", async () => {
    const script = scripted([Code.Unavailable, Code.Unavailable, "ok", Code.DeadlineExceeded]);
    const keeper = keepLeaseAlive(fakeLease(3_000), script.refresh, { intervalMs: 5, retryMs: 5 });
    await eventually(() => expect(script.calls).toBeGreaterThanOrEqual(6));
    expect(keeper.signal.aborted).toBe(false);
    await keeper.stop();
  });

  it("loses the lease at once when a refresh answers failed_precondition", async () => {
    const script = scripted(["ok", Code.FailedPrecondition]);
    const keeper = keepLeaseAlive(fakeLease(60_000), script.refresh, { intervalMs: 5 });
    await eventually(() => expect(keeper.signal.aborted).toBe(true));
    expect(script.calls).toBe(2);
    expect(keeper.signal.reason).toBeInstanceOf(LeaseLostError);
    expect((keeper.signal.reason as LeaseLostError).fencing).toBe(7n);
    expect((keeper.signal.reason as Error).message).toContain("no longer holds it");
  });

  it("loses the lease when no refresh gets through before its deadline", async () => {
    const failures: unknown[] = [];
    const keeper = keepLeaseAlive(
      fakeLease(150),
      async () => {
        throw new ConnectError("connect ECONNREFUSED", Code.Unavailable);
      },
      { onRetry: (e) => failures.push(e) },
    );
    await eventually(() => expect(keeper.signal.aborted).toBe(true));
    expect(failures.length).toBeGreaterThan(0);
    expect((keeper.signal.reason as Error).message).toContain("ECONNREFUSED");
  });

  it("stops refreshing after stop() and never reports a loss afterwards", async () => {
    const script = scripted([]);
    const keeper = keepLeaseAlive(fakeLease(60_000), script.refresh, { intervalMs: 5 });
    await eventually(() => expect(script.calls).toBeGreaterThan(0));
    await keeper.stop();
    const calls = script.calls;
    await new Promise((r) => setTimeout(r, 50));
    expect(script.calls).toBe(calls);
    expect(keeper.signal.aborted).toBe(false);
  });

  it("against a real server, over a session: a server that shuts down loses the lease at once", async () => {
    const server = await startServer();
    const client = createBatonClient(server.url);
    try {
      const lease = await client.acquire("keep-alive/server-shutdown", { ttlMs: 60_000 });
      const keeper = client.keepAlive(lease);
      await server.close();
      // The server released the session's leases as it shut down, and said so: no waiting for a TTL.
      await eventually(() => expect(keeper.signal.aborted).toBe(true), 2_000);
      expect(keeper.signal.reason).toBeInstanceOf(LeaseLostError);
      expect((keeper.signal.reason as Error).message).toContain("shutting down");
    } finally {
      client.close();
    }
  });

  it("against a real server, without a session: a server that goes away loses the lease once its TTL has passed", async () => {
    const server = await startServer();
    const client = createBatonClient(server.url, { httpVersion: "1.1" });
    try {
      const lease = await client.acquire("keep-alive/server-gone", { ttlMs: 400 });
      const keeper = client.keepAlive(lease);
      await server.close();
      await eventually(() => expect(keeper.signal.aborted).toBe(true), 5_000);
      expect(keeper.signal.reason).toBeInstanceOf(LeaseLostError);
      expect((keeper.signal.reason as Error).message).toContain("before the lease expired");
    } finally {
      client.close();
      await server.close();
    }
  });
});
