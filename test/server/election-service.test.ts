import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { startServer, type TestServer } from "../helpers/server.js";
import { electionClient, lockClient, TRANSPORTS } from "../helpers/clients.js";
import { observe } from "../helpers/observer.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ minTtlMs: 50 });
});
afterAll(async () => {
  await server.close();
});

async function errorOf(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("the call succeeded");
}

describe.each(TRANSPORTS)("ElectionService over %s", (kind) => {
  const elections = () => electionClient(kind, server.url);

  it("elects the first candidate, queues the next, and hands over on resign with a higher term", async () => {
    const name = `election/${kind}/resign`;
    const client = elections();
    expect((await client.leader({ name })).leader).toBeUndefined();
    const watcher = observe(client, name);
    await watcher.until((l) => l === undefined);
    const first = (await client.campaign({ name, owner: "a", value: "10.0.0.1:80" })).lease!;
    expect(first.value).toBe("10.0.0.1:80");
    expect((await client.leader({ name })).leader).toMatchObject({ name, owner: "a", value: "10.0.0.1:80", term: first.fencing });
    await watcher.until((l) => l?.term === first.fencing);
    const second = client.campaign({ name, owner: "b", value: "10.0.0.2:80" });
    // "b" waits in the queue while "a" leads.
    await expect.poll(async () => (await lockClient(kind, server.url).describe({ name })).lock?.waiters.length).toBe(1);
    const proclaimed = await client.proclaim({ name, token: first.token, value: "10.0.0.1:81" });
    expect(proclaimed.leader).toMatchObject({ owner: "a", value: "10.0.0.1:81", term: first.fencing });
    await watcher.until((l) => l?.value === "10.0.0.1:81");
    expect((await client.resign({ name, token: first.token })).term).toBe(first.fencing);
    const next = (await second).lease!;
    expect(next.fencing).toBeGreaterThan(first.fencing);
    await watcher.until((l) => l?.owner === "b" && l.term === next.fencing);
    // An old leader key is refused, and changes nothing.
    expect((await errorOf(client.proclaim({ name, token: first.token, value: "stale" }))).code).toBe(Code.FailedPrecondition);
    expect((await errorOf(client.resign({ name, token: first.token }))).code).toBe(Code.FailedPrecondition);
    expect((await client.leader({ name })).leader?.value).toBe("10.0.0.2:80");
    await client.resign({ name, token: next.token });
    await watcher.until((l) => l === undefined);
    await watcher.stop();
    // What the observer was told, in order: nobody, a, a with a new value, b, nobody.
    const story = watcher.seen.map((l) => (l === undefined ? "-" : `${l.owner}@${l.value}`));
    expect(story).toEqual(["-", "a@10.0.0.1:80", "a@10.0.0.1:81", "b@10.0.0.2:80", "-"]);
  });

  it("replaces a leader whose hold stream dies, and one whose lease lapses, and pushes each change", async () => {
    const name = `election/${kind}/death`;
    const client = elections();
    const locks = lockClient(kind, server.url);
    // The leader campaigns on a Wait stream with hold: it leads as long as the stream lives.
    const ctl = new AbortController();
    const leading = (async () => {
      for await (const e of locks.wait({ name, owner: "streamer", value: "s", limit: 1, hold: true, ttlMs: 60_000n }, { signal: ctl.signal })) {
        if (e.event.case === "granted") return e.event.value;
      }
      return undefined;
    })();
    const watcher = observe(client, name);
    await watcher.until((l) => l?.owner === "streamer");
    const lapsing = client.campaign({ name, owner: "lapser", value: "l", ttlMs: 100n });
    await expect.poll(async () => (await locks.describe({ name })).lock?.waiters.length).toBe(1);
    ctl.abort();
    await leading.catch(() => undefined);
    const lapser = (await lapsing).lease!;
    await watcher.until((l) => l?.owner === "lapser");
    // Nobody refreshes the lapser's lease: it expires, and the election has no leader.
    await watcher.until((l) => l === undefined);
    expect((await client.leader({ name })).leader).toBeUndefined();
    const terms = watcher.seen.filter((l) => l !== undefined).map((l) => l!.term);
    expect(terms.at(-1)).toBe(lapser.fencing);
    expect(terms[0]!).toBeLessThan(lapser.fencing);
    await watcher.stop();
  });

  it("refuses bad input clearly: a bad name, an oversized value, a semaphore's name", async () => {
    const client = elections();
    expect((await errorOf(client.campaign({ name: "bad name", value: "v" }))).code).toBe(Code.InvalidArgument);
    expect((await errorOf(client.campaign({ name: `election/${kind}/big`, value: "x".repeat(5000) }))).code).toBe(Code.InvalidArgument);
    expect((await errorOf(client.leader({ name: "" }))).code).toBe(Code.InvalidArgument);
    // An empty name is refused, never read as "every lock".
    const observing = (async () => {
      for await (const _ of client.observe({ name: "" })) throw new Error("observed an election without a name");
    })();
    expect((await errorOf(observing)).code).toBe(Code.InvalidArgument);
    const sem = `election/${kind}/sem`;
    const held = await lockClient(kind, server.url).acquire({ name: sem, limit: 3 });
    const e = await errorOf(client.campaign({ name: sem, value: "v", waitMs: 0n }));
    expect(e.code).toBe(Code.FailedPrecondition);
    expect(e.rawMessage).toContain("limit 3");
    await lockClient(kind, server.url).release({ name: sem, token: held.lease!.token });
  });
});
