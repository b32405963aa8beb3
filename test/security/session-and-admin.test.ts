import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { LockService } from "../../src/gen/baton/lock/v1/lock_service_pb.js";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { TRANSPORTS } from "../helpers/clients.js";
import { uniqueName } from "../helpers/unique.js";
import { RawSession } from "../session/raw-session.js";
import { keyedClients, testKey, withAuthorization } from "./keyed.js";

const admin = testKey("admin", ["acquire", "read", "admin"]);
const team = testKey("team-a", ["acquire", "read"], { locks: ["team-a/"] });
const temp = testKey("contractor", ["acquire", "read"]);

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ keys: [admin.spec, team.spec, temp.spec] });
});
afterAll(() => server.close());

function sessionClient(kind: "connect" | "grpc", key: string) {
  const interceptors = withAuthorization(`Bearer ${key}`);
  const transport = kind === "grpc" ? createGrpcTransport({ baseUrl: server.url, interceptors }) : createConnectTransport({ baseUrl: server.url, httpVersion: "2", useBinaryFormat: true, interceptors });
  return createClient(LockService, transport);
}

describe.each(["connect", "grpc"] as const)("the Session with keys over %s", (kind) => {
  it("answers an operation outside the key's scope with its own error, and the stream stays up", async () => {
    const s = new RawSession(sessionClient(kind, team.key));
    const inside = uniqueName("team-a", kind);
    const outside = uniqueName("team-b", kind);
    s.send(1n, { case: "acquire", value: { name: outside, waitMs: 0n } });
    const refused = await s.answer(1n);
    expect(refused.result.case).toBe("error");
    const error = refused.result.value as { code: string; message: string };
    expect(error.code).toBe("permission_denied");
    expect(error.message).toContain(`lock name "${outside}"`);
    s.send(2n, { case: "acquire", value: { name: inside, waitMs: 0n } });
    const granted = await s.answer(2n, "acquired");
    expect(granted.result.case === "acquired" && granted.result.value.owner).toBe("team-a");
    const token = granted.result.case === "acquired" ? granted.result.value.token : "";
    // A release of a name outside the scope is refused too, whatever token it carries.
    s.send(3n, { case: "release", value: { name: outside, token } });
    expect((await s.answer(3n)).result.case).toBe("error");
    s.send(4n, { case: "release", value: { name: inside, token } });
    expect((await s.answer(4n)).result.case).toBe("released");
    s.close();
    await s.finished;
    expect(s.ended).toBeUndefined();
  });

  it("refuses the stream itself without a key", async () => {
    const s = new RawSession(createClient(LockService, kind === "grpc" ? createGrpcTransport({ baseUrl: server.url }) : createConnectTransport({ baseUrl: server.url, httpVersion: "2" })));
    s.send(1n, { case: "ping", value: {} });
    await s.finished;
    expect(ConnectError.from(s.ended).code).toBe(Code.Unauthenticated);
  });
});

describe.each(TRANSPORTS)("ForceRelease over %s", (kind) => {
  it("ends a lease without its token for an admin key, and the holder's token then holds nothing", async () => {
    const holder = keyedClients(kind, server.url, team.key).lock;
    const name = uniqueName("team-a", kind);
    const { lease } = await holder.acquire({ name, waitMs: 0n });
    expect((await failureOf(holder.forceRelease({ name }))).code).toBe(Code.PermissionDenied);
    const { released } = await keyedClients(kind, server.url, admin.key).lock.forceRelease({ name, reason: "holder host lost" });
    expect(released.map((h) => [h.owner, h.fencing])).toEqual([["team-a", lease!.fencing]]);
    expect(server.logs.some((l) => l.includes(`audit: force-release of lock "${name}" by admin`) && l.includes('reason "holder host lost"'))).toBe(true);
    expect(server.logs.join("\n")).not.toContain(lease!.token);
    expect((await failureOf(holder.release({ name, token: lease!.token }))).code).toBe(Code.FailedPrecondition);
    // The lock is free again, for anyone in scope.
    const next = await holder.acquire({ name, waitMs: 0n });
    expect(next.lease!.fencing).toBeGreaterThan(lease!.fencing);
    await holder.release({ name, token: next.lease!.token });
  });
});

async function failureOf(call: Promise<unknown>): Promise<ConnectError> {
  return call.then(
    () => {
      throw new Error("the call should have failed");
    },
    (e: unknown) => ConnectError.from(e),
  );
}

describe("ForceRelease under contention", () => {
  it("hands the lock to the next waiter; fencing strictly increases and nothing is left stuck", async () => {
    const name = uniqueName("team-a", "race");
    const clients = Array.from({ length: 8 }, () => keyedClients("connect-binary-h2", server.url, team.key).lock);
    const adminClient = keyedClients("connect-binary-h2", server.url, admin.key).lock;
    const grants: bigint[] = [];
    const perWorker: bigint[][] = clients.map(() => []);
    let forced = 0;
    const workers = clients.map(async (c, i) => {
      for (let round = 0; round < 5; round++) {
        const { lease } = await c.acquire({ name, owner: `w${i}`, waitMs: 10_000n });
        grants.push(lease!.fencing);
        perWorker[i]!.push(lease!.fencing);
        await new Promise((r) => setTimeout(r, 1));
        await c.release({ name, token: lease!.token }).catch((e: unknown) => {
          // Only a forced release may take a lease from under its holder.
          expect(ConnectError.from(e).code).toBe(Code.FailedPrecondition);
          forced++;
        });
      }
    });
    let stop = false;
    const evictor = (async () => {
      let ended = 0;
      while (!stop) {
        ended += (await adminClient.forceRelease({ name, reason: "race test" })).released.length;
        await new Promise((r) => setTimeout(r, 3));
      }
      return ended;
    })();
    await Promise.all(workers);
    stop = true;
    const ended = await evictor;
    expect(grants).toHaveLength(40);
    // Every grant has its own fencing token, and each worker's grants strictly increase (answers
    // of different workers may cross on the wire once a lease is taken from under its holder).
    expect(new Set(grants).size).toBe(40);
    for (const mine of perWorker) for (let i = 1; i < mine.length; i++) expect(mine[i]! > mine[i - 1]!).toBe(true);
    // Every lease the evictor ended is one whose holder found it gone (or had not released yet).
    expect(forced).toBeLessThanOrEqual(ended);
    expect((await adminClient.describe({ name })).lock?.holders ?? []).toEqual([]);
  });
});

describe("revoking a key by reloading the config", () => {
  it("stops the key with its next call on every protocol, while other keys go on", async () => {
    const name = uniqueName("reload", "x");
    for (const kind of TRANSPORTS) expect((await keyedClients(kind, server.url, temp.key).lock.describe({ name })).lock).toBeDefined();
    server.app.reload({ ...DEFAULT_CONFIG, keys: [admin.spec, team.spec] });
    try {
      for (const kind of TRANSPORTS) {
        expect((await failureOf(keyedClients(kind, server.url, temp.key).lock.describe({ name }))).code).toBe(Code.Unauthenticated);
        expect((await keyedClients(kind, server.url, admin.key).lock.describe({ name })).lock).toBeDefined();
      }
    } finally {
      server.app.reload({ ...DEFAULT_CONFIG, keys: [admin.spec, team.spec, temp.spec] });
    }
  });
});
