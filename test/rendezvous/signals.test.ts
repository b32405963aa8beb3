import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { KeyChangeKind } from "../../src/gen/baton/rendezvous/v1/rendezvous_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";
import { collect, rendezvousClient, uniqueKey } from "./rendezvous-client.js";

describe("RendezvousService signals over real sockets", () => {
  let server: TestServer;
  let client: ReturnType<typeof rendezvousClient>;

  beforeAll(async () => {
    server = await startServer({ rendezvousHeartbeatMs: 50 });
    client = rendezvousClient(server.url);
  });
  afterAll(async () => {
    await server.close();
  });

  /** Opens a Wait and resolves once the server has registered it (its first heartbeat arrived). */
  async function openWait(key: string, timeoutMs = 0, signal?: AbortSignal) {
    const it = client.wait({ key, waitMs: timeoutMs === 0 ? undefined : BigInt(timeoutMs), owner: "tester" }, { signal })[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value?.event.case).toBe("waiting");
    // Wrapped: an async function returning a bare promise would wait for it.
    return { rest: collect({ [Symbol.asyncIterator]: () => it }) };
  }

  it("a signal wakes every waiter at once, each with the payload", async () => {
    const key = uniqueKey("many");
    const waits = await Promise.all(Array.from({ length: 25 }, () => openWait(key)));
    const signalled = await client.signal({ key, payload: '{"ready":true}', owner: "deployer" });
    expect(signalled.woken).toBe(25);
    const results = await Promise.all(waits.map((w) => w.rest));
    for (const result of results) {
      expect(result.error).toBeUndefined();
      const last = result.messages.at(-1);
      expect(last?.event.case).toBe("signaled");
      if (last?.event.case === "signaled") {
        expect(last.event.value.payload).toBe('{"ready":true}');
        expect(last.event.value.owner).toBe("deployer");
      }
    }
  });

  it("a wait on a key that is already set answers at once, with no heartbeat", async () => {
    const key = uniqueKey("set");
    await client.signal({ key, payload: "early" });
    const { messages, error } = await collect(client.wait({ key }));
    expect(error).toBeUndefined();
    expect(messages.map((m) => m.event.case)).toEqual(["signaled"]);
  });

  it("a wait times out with deadline_exceeded, after heartbeats, and leaves no waiter behind", async () => {
    const key = uniqueKey("timeout");
    const { messages, error } = await collect(client.wait({ key, waitMs: 300n, owner: "impatient" }));
    expect(ConnectError.from(error).code).toBe(Code.DeadlineExceeded);
    expect(ConnectError.from(error).rawMessage).toContain(key);
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(messages.every((m) => m.event.case === "waiting")).toBe(true);
    const list = await client.list({ prefix: key });
    expect(list.waiting).toEqual([]);
    expect(list.timedOut.map((t) => [t.key, t.owner, t.count])).toEqual([[key, "impatient", 1]]);
  });

  it("an idle wait gets a heartbeat at once and then periodically, with growing elapsed time", async () => {
    const key = uniqueKey("heartbeat");
    const ac = new AbortController();
    const elapsed: bigint[] = [];
    const { error } = await collect(
      (async function* () {
        for await (const m of client.wait({ key }, { signal: ac.signal })) {
          if (m.event.case === "waiting") elapsed.push(m.event.value.elapsedMs);
          if (elapsed.length === 3) ac.abort();
          yield m;
        }
      })(),
    );
    expect(ConnectError.from(error).code).toBe(Code.Canceled);
    expect(elapsed[0]).toBe(0n);
    expect(elapsed[1]! > 0n && elapsed[2]! > elapsed[1]!).toBe(true);
  });

  it("reset clears a key, so the next wait blocks until a new signal", async () => {
    const key = uniqueKey("reset");
    await client.signal({ key, payload: "one" });
    expect((await client.reset({ key })).wasSet).toBe(true);
    expect((await client.reset({ key })).wasSet).toBe(false);
    const wait = await openWait(key);
    await client.signal({ key, payload: "two" });
    const last = (await wait.rest).messages.at(-1);
    expect(last?.event.case === "signaled" && last.event.value.payload).toBe("two");
  });

  it("a signal with a TTL clears itself and tells subscribers it expired", async () => {
    const key = uniqueKey("ttl");
    const ac = new AbortController();
    const sub = client.subscribe({ key }, { signal: ac.signal })[Symbol.asyncIterator]();
    expect((await sub.next()).value?.event.case).toBe("heartbeat");
    const signalled = await client.signal({ key, payload: "short", ttlMs: 200n });
    expect(signalled.signal?.expiresAt).toBeDefined();
    const kinds: KeyChangeKind[] = [];
    for (let r = await sub.next(); !r.done; r = await sub.next()) {
      if (r.value.event.case !== "change") continue;
      kinds.push(r.value.event.value.kind);
      if (r.value.event.value.kind === KeyChangeKind.EXPIRED) break;
    }
    ac.abort();
    expect(kinds).toEqual([KeyChangeKind.SIGNALED, KeyChangeKind.EXPIRED]);
    expect((await client.list({ prefix: key })).set).toEqual([]);
  });

  it("a subscriber on a prefix sees every change of matching keys from the moment it subscribed", async () => {
    const prefix = uniqueKey("sub") + "/";
    await client.signal({ key: prefix + "before", payload: "old" });
    const ac = new AbortController();
    const sub = client.subscribe({ prefix, initial: true }, { signal: ac.signal })[Symbol.asyncIterator]();
    const seen: string[] = [];
    const reading = (async () => {
      for (let r = await sub.next(); !r.done; r = await sub.next()) {
        if (r.value.event.case === "heartbeat") {
          if (seen.length === 1) seen.push("live");
          continue;
        }
        if (r.value.event.case !== "change") continue;
        const change = r.value.event.value;
        seen.push(`${KeyChangeKind[change.kind]} ${change.key.slice(prefix.length)} ${change.signal?.payload ?? ""}`);
        if (change.kind === KeyChangeKind.RESET) return;
      }
    })();
    await eventually(() => expect(seen).toContain("live"));
    await client.signal({ key: "elsewhere/" + prefix, payload: "ignored" });
    await client.signal({ key: prefix + "a", payload: "1" });
    await client.signal({ key: prefix + "b/c", payload: "2" });
    await client.reset({ key: prefix + "a" });
    await reading;
    ac.abort();
    expect(seen).toEqual(["CURRENT before old", "live", "SIGNALED a 1", "SIGNALED b/c 2", "RESET a 1"]);
  });

  it("List shows keys with waiters, keys set and keys whose waits timed out", async () => {
    const prefix = uniqueKey("list") + "/";
    const ac = new AbortController();
    const waiting = await openWait(prefix + "waited", 0, ac.signal);
    await client.signal({ key: prefix + "set", payload: "p", owner: "setter" });
    await collect(client.wait({ key: prefix + "late", waitMs: 100n, owner: "late-waiter" }));
    const list = await client.list({ prefix });
    expect(list.waiting.map((w) => [w.key, w.waiters, w.owners])).toEqual([[prefix + "waited", 1, ["tester"]]]);
    expect(list.set.map((s) => [s.key, s.owner])).toEqual([[prefix + "set", "setter"]]);
    expect(list.timedOut.map((t) => t.key)).toEqual([prefix + "late"]);
    ac.abort();
    expect(ConnectError.from((await waiting.rest).error).code).toBe(Code.Canceled);
    await eventually(async () => expect((await client.list({ prefix })).waiting).toEqual([]));
  });
});
