import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { createRegistry } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorReason } from "../../src/gen/baton/errors/v1/errors_pb.js";
import { LockHeldSchema } from "../../src/gen/baton/lock/v1/lock_pb.js";
import { ErrorInfoSchema } from "../../src/gen/google/rpc/error_details_pb.js";
import type { ErrorReason as EngineReason } from "../../src/engine/errors.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { TRANSPORTS, lockClient } from "../helpers/clients.js";
import { uniqueName } from "../helpers/unique.js";

const unique = (base: string): string => uniqueName("typed-errors", base);
import { RawSession, h2Client } from "../session/raw-session.js";

// API v1: every error carries a google.rpc.ErrorInfo whose reason is a baton.errors.v1.ErrorReason,
// and a held lock names its holders in a LockHeld detail, on every protocol and on the Session.

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ maxQueueLength: 1 });
});
afterAll(async () => {
  await server.close();
});

function reasonOf(error: unknown): string | undefined {
  const info = ConnectError.from(error).findDetails(ErrorInfoSchema);
  expect(info).toHaveLength(1);
  expect(info[0]!.domain).toBe("baton");
  return info[0]!.reason;
}

describe.each(TRANSPORTS)("typed errors over %s", (kind) => {
  const client = () => lockClient(kind, server.url);

  it("LOCK_HELD names the holders in a LockHeld detail", async () => {
    const c = client();
    const name = unique("held");
    const { lease } = await c.acquire({ name, owner: "alice", waitMs: 0n });
    const error = await c.acquire({ name, owner: "bob", waitMs: 0n }).catch((e: unknown) => e);
    expect(ConnectError.from(error).code).toBe(Code.Aborted);
    expect(reasonOf(error)).toBe("LOCK_HELD");
    const [held] = ConnectError.from(error).findDetails(LockHeldSchema);
    expect(held).toMatchObject({ name, limit: 1, queueLength: 0 });
    expect(held!.holders.map((h) => [h.owner, h.fencing])).toEqual([["alice", lease!.fencing]]);
    await c.release({ name, token: lease!.token });
  });

  it("NOT_HELD, INVALID_ARGUMENT with its field, LIMIT_MISMATCH, QUEUE_FULL and WAIT_TIMEOUT", async () => {
    const c = client();
    const name = unique("reasons");
    const released = await c.release({ name, token: "0".repeat(32) }).catch((e: unknown) => e);
    expect(reasonOf(released)).toBe("NOT_HELD");
    const bad = await c.acquire({ name, ttlMs: -5n }).catch((e: unknown) => e);
    expect(reasonOf(bad)).toBe("INVALID_ARGUMENT");
    expect(ConnectError.from(bad).findDetails(ErrorInfoSchema)[0]!.metadata).toEqual({ field: "ttl_ms", min: "100", max: "86400000" });
    const { lease } = await c.acquire({ name, limit: 1, waitMs: 0n });
    const mismatch = await c.acquire({ name, limit: 2, waitMs: 0n }).catch((e: unknown) => e);
    expect(reasonOf(mismatch)).toBe("LIMIT_MISMATCH");
    expect(ConnectError.from(mismatch).code).toBe(Code.FailedPrecondition);
    const ctl = new AbortController();
    const queued = (async () => {
      for await (const e of c.wait({ name, owner: "q" }, { signal: ctl.signal })) if (e.event.case === "queued") return;
    })();
    await queued;
    const full = await c.acquire({ name, waitMs: 1000n }).catch((e: unknown) => e);
    expect(reasonOf(full)).toBe("QUEUE_FULL");
    ctl.abort();
    // The cancelled waiter leaves the queue once the server sees the stream end.
    await vi.waitFor(async () => expect((await c.describe({ name })).lock?.waiters).toEqual([]), { timeout: 5_000 });
    const timedOut = await c.acquire({ name, waitMs: 100n }).catch((e: unknown) => e);
    expect(ConnectError.from(timedOut).code).toBe(Code.DeadlineExceeded);
    expect(reasonOf(timedOut)).toBe("WAIT_TIMEOUT");
    await c.release({ name, token: lease!.token });
  });
});

describe.each(["connect", "grpc"] as const)("typed errors on the Session over %s", (kind) => {
  it("carries the same details, packed as Any", async () => {
    const name = unique("session-held");
    const a = new RawSession(h2Client(server.url, kind));
    const b = new RawSession(h2Client(server.url, kind));
    a.send(1n, { case: "acquire", value: { name, owner: "alice", waitMs: 0n } });
    expect((await a.answer(1n)).result.case).toBe("acquired");
    b.send(1n, { case: "acquire", value: { name, owner: "bob", waitMs: 0n } });
    const refused = await b.answer(1n);
    if (refused.result.case !== "error") throw new Error(`expected an error, got ${refused.result.case}`);
    expect(refused.result.value.code).toBe("aborted");
    const registry = createRegistry(ErrorInfoSchema, LockHeldSchema);
    const unpacked = refused.result.value.details.map((d) => anyUnpack(d, registry));
    expect(unpacked[0]).toMatchObject({ $typeName: "google.rpc.ErrorInfo", reason: "LOCK_HELD", domain: "baton" });
    expect(unpacked[1]).toMatchObject({ $typeName: "baton.lock.v1.LockHeld", name });
    a.close();
    b.close();
  });
});

describe("the engine's reasons", () => {
  it("are exactly the proto's ErrorReason names", () => {
    const engine: Record<EngineReason, true> = {
      INVALID_ARGUMENT: true,
      LOCK_HELD: true,
      NOT_HELD: true,
      LIMIT_MISMATCH: true,
      QUEUE_FULL: true,
      WAIT_TIMEOUT: true,
      DEADLINE_EXCEEDED: true,
      CANCELLED: true,
      STORE_UNAVAILABLE: true,
      SHUTTING_DOWN: true,
      UNAUTHENTICATED: true,
      PERMISSION_DENIED: true,
      PROBE_NOT_ALLOWED: true,
      RATE_LIMITED: true,
      QUOTA_EXCEEDED: true,
      MESSAGE_TOO_LARGE: true,
      PARTIES_MISMATCH: true,
      INTERNAL: true,
    };
    const proto = Object.keys(ErrorReason).filter((k) => Number.isNaN(Number(k)) && k !== "ERROR_REASON_UNSPECIFIED");
    expect(Object.keys(engine).sort()).toEqual(proto.sort());
  });
});
