import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../src/gen/google/rpc/error_details_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { TRANSPORTS } from "../helpers/clients.js";
import { uniqueName } from "../helpers/unique.js";
import { keyedClients, keyedTransport, testKey } from "./keyed.js";
import { createClient } from "@connectrpc/connect";
import { ElectionService } from "../../src/gen/baton/lock/v1/election_pb.js";
import { LockService } from "../../src/gen/baton/lock/v1/lock_service_pb.js";
import { RendezvousService } from "../../src/gen/baton/rendezvous/v1/rendezvous_pb.js";
import { AdminService } from "../../src/gen/baton/admin/v1/admin_pb.js";
import { RULES } from "../../src/server/auth/rules.js";

// Keys and scopes over real sockets, on every protocol: who may call, on which names, doing what.

const full = testKey("ops", ["acquire", "read", "signal", "arrive", "probe", "admin"]);
const team = testKey("team-a", ["acquire", "read", "signal"], { locks: ["team-a/"], rendezvous: ["team-a/"] });
const reader = testKey("watcher", ["read"]);

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ keys: [full.spec, team.spec, reader.spec] });
});
afterAll(() => server.close());

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call should have failed").toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

function scopeOf(error: ConnectError): string | undefined {
  return error.findDetails(ErrorInfoSchema)[0]?.metadata["scope"];
}

describe("the scope rules", () => {
  it("cover every RPC of every service (a method without a rule is refused to every key)", () => {
    for (const service of [LockService, ElectionService, RendezvousService, AdminService]) {
      for (const method of service.methods) expect(RULES.has(`${service.typeName}/${method.name}`), `${service.typeName}/${method.name}`).toBe(true);
    }
  });
});

describe.each(TRANSPORTS)("API keys over %s", (kind) => {
  it("scope elections as the locks they are", async () => {
    const elections = createClient(ElectionService, keyedTransport(kind, server.url, team.key));
    const name = uniqueName("team-a", `election-${kind}`);
    const { lease } = await elections.campaign({ name, value: "10.0.0.1", waitMs: 0n });
    expect(lease!.owner).toBe("team-a");
    await elections.resign({ name, token: lease!.token });
    const denied = await failure(elections.leader({ name: uniqueName("team-b", kind) }));
    expect(denied.code).toBe(Code.PermissionDenied);
  });

  it("refuses a call without a key, or with a wrong one, as unauthenticated", async () => {
    const none = await failure(keyedClients(kind, server.url, undefined).lock.describe({ name: "x" }));
    expect(none.code).toBe(Code.Unauthenticated);
    expect(none.findDetails(ErrorInfoSchema)[0]!.reason).toBe("UNAUTHENTICATED");
    const wrongKey = "baton_" + "A".repeat(43);
    const wrong = await failure(keyedClients(kind, server.url, wrongKey).lock.describe({ name: "x" }));
    expect(wrong.code).toBe(Code.Unauthenticated);
    // The key presented is never echoed back.
    expect(wrong.rawMessage).not.toContain(wrongKey);
  });

  it("lets a key act within its prefixes, with its name as the default owner", async () => {
    const { lock } = keyedClients(kind, server.url, team.key);
    const name = uniqueName("team-a", kind);
    const { lease } = await lock.acquire({ name, waitMs: 0n });
    expect(lease!.owner).toBe("team-a");
    const { lock: described } = await lock.describe({ name });
    expect(described!.holders.map((h) => h.owner)).toEqual(["team-a"]);
    await lock.release({ name, token: lease!.token });
  });

  it("refuses a name outside the key's prefixes as permission_denied naming the scope", async () => {
    const { lock, rendezvous } = keyedClients(kind, server.url, team.key);
    const outside = uniqueName("team-b", kind);
    const denied = await failure(lock.acquire({ name: outside, waitMs: 0n }));
    expect(denied.code).toBe(Code.PermissionDenied);
    expect(denied.rawMessage).toContain(`no locks prefix scope covering lock name "${outside}"`);
    expect(scopeOf(denied)).toBe(`locks:${outside}`);
    // Nothing was taken.
    const { lock: state } = await keyedClients(kind, server.url, full.key).lock.describe({ name: outside });
    expect(state?.holders ?? []).toEqual([]);
    // A server stream (Wait) and a listing of every name are checked the same way.
    const waitDenied = await failure((async () => {
      for await (const _ of lock.wait({ name: outside })) return;
    })());
    expect(waitDenied.code).toBe(Code.PermissionDenied);
    expect((await failure(lock.list({ prefix: "" }))).rawMessage).toContain("every lock name");
    const signal = await failure(rendezvous.signal({ key: uniqueName("elsewhere", kind) }));
    expect(signal.code).toBe(Code.PermissionDenied);
    expect(scopeOf(signal)).toMatch(/^rendezvous:elsewhere\//);
  });

  it("refuses an action the key lacks, naming it", async () => {
    const { lock, rendezvous, admin } = keyedClients(kind, server.url, reader.key);
    const name = uniqueName("any", kind);
    const denied = await failure(lock.acquire({ name, waitMs: 0n }));
    expect(denied.code).toBe(Code.PermissionDenied);
    expect(denied.rawMessage).toBe(`key "watcher" lacks the "acquire" action scope`);
    expect(scopeOf(denied)).toBe("action:acquire");
    expect(scopeOf(await failure(rendezvous.reset({ key: name })))).toBe("action:signal");
    expect(scopeOf(await failure(lock.forceRelease({ name })))).toBe("action:admin");
    const probe = await failure((async () => {
      for await (const _ of rendezvous.waitReady({ probe: { case: "tcp", value: { host: "127.0.0.1", port: 1 } }, waitMs: 0n })) return;
    })());
    expect(scopeOf(probe)).toBe("action:probe");
    // Reading is what it may do: describe, list, and the admin overview.
    expect((await lock.describe({ name })).lock).toBeDefined();
    await lock.list({ prefix: "" });
    for await (const first of admin.overview({ intervalMs: 1000n })) {
      expect(first).toBeDefined();
      break;
    }
  });

  it("keeps the admin overview from a key scoped to some names", async () => {
    const { admin } = keyedClients(kind, server.url, team.key);
    const denied = await failure((async () => {
      for await (const _ of admin.overview({ intervalMs: 1000n })) return;
    })());
    expect(denied.code).toBe(Code.PermissionDenied);
  });
});
