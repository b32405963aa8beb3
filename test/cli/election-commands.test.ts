import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createBatonClient, type BatonClient } from "../../src/client/index.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { baton, startBaton } from "./in-process.js";
import { spawnBaton } from "./run-baton.js";

let server: TestServer;
let client: BatonClient;
const unique = (what: string) => `cli-elect/${what}/${randomBytes(4).toString("hex")}`;

beforeAll(async () => {
  server = await startServer({ minTtlMs: 50 });
  client = createBatonClient(server.url, { owner: "test-client", session: false });
});
afterAll(async () => {
  client.close();
  await server.close();
});

// CMD prints its election, term and token, then runs until told to stop by a file.
const leaderScript = 'echo "lead $BATON_ELECTION $BATON_TERM $BATON_TOKEN"; while [ ! -e "$STOP" ]; do sleep 0.05; done; echo done';

describe("baton elect, leader, observe (in process, CMD a real child)", () => {
  it("runs CMD while leader with BATON_TERM; a second candidate waits and leads next; observe sees both", async () => {
    const name = unique("two");
    const observer = startBaton(["observe", name, "--json"], { url: server.url });
    await vi.waitFor(() => expect(observer.stdout()).toBe("null\n"), { timeout: 10_000 });
    const stopA = `/tmp/baton-elect-${randomBytes(4).toString("hex")}`;
    const a = startBaton(["elect", name, "--value", "a:80", "--owner", "a", "--", "sh", "-c", leaderScript], { url: server.url, env: { STOP: stopA } });
    await vi.waitFor(() => expect(a.stdout()).toMatch(/^lead /), { timeout: 10_000 });
    const [, election, term] = a.stdout().trim().split(" ");
    expect(election).toBe(name);
    const shown = await baton(["leader", name], { url: server.url });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`${name}: led by a, value "a:80", term ${term}`);
    const b = startBaton(["elect", name, "--value", "b:80", "--owner", "b", "--", "sh", "-c", 'echo "lead $BATON_TERM"'], { url: server.url });
    await vi.waitFor(() => expect(b.stderr()).toContain("position 1 of 1"), { timeout: 10_000 });
    const { writeFileSync, rmSync } = await import("node:fs");
    writeFileSync(stopA, "");
    try {
      expect(await a.done).toBe(0);
      expect(await b.done).toBe(0);
    } finally {
      rmSync(stopA, { force: true });
    }
    const bTerm = BigInt(b.stdout().trim().split(" ")[1]!);
    expect(bTerm).toBeGreaterThan(BigInt(term!));
    await vi.waitFor(() => expect(observer.stdout().trim().split("\n").at(-1)).toBe("null"), { timeout: 10_000 });
    observer.interrupt("SIGINT");
    expect(await observer.done).toBe(0);
    const seen = observer.stdout().trim().split("\n").map((l) => JSON.parse(l) as { owner: string; value: string; term: string } | null);
    expect(seen.map((l) => (l === null ? "-" : `${l.owner}=${l.value}`))).toEqual(["-", "a=a:80", "b=b:80", "-"]);
    expect(seen[1]!.term).toBe(term);
    const none = await baton(["leader", name, "--json"], { url: server.url });
    expect(none).toMatchObject({ code: 3, stdout: "null\n" });
  });

  it("stops CMD and exits 75 when leadership is lost", async () => {
    const name = unique("lost");
    const run = startBaton(["elect", name, "--value", "x", "--ttl", "300ms", "--grace", "1s", "--", "sh", "-c", 'echo "token $BATON_TOKEN"; while :; do sleep 0.05; done'], { url: server.url });
    await vi.waitFor(() => expect(run.stdout()).toMatch(/^token [0-9a-f]{32}\n/), { timeout: 10_000 });
    const token = run.stdout().trim().split(" ")[1]!;
    // Someone with the leader key resigns it: the next refresh finds it gone.
    await client.resign({ name, token });
    expect(await run.done).toBe(75);
    expect(run.stderr()).toMatch(/baton elect: lost the lease on .* stopping sh/);
  });

  it("hands leadership on at once when the elect process is killed: the stream that held it dies with it", async () => {
    const name = unique("killed");
    // A real process, so it can be killed; --ttl 60s, so a hand-off by expiry would come too late.
    const elect = spawnBaton(["elect", name, "--value", "doomed", "--ttl", "60s", "--", "sh", "-c", 'echo "pid $$"; exec sleep 30'], server.url);
    try {
      await vi.waitFor(() => expect(elect.stdout()).toMatch(/^pid \d+/), { timeout: 30_000 });
      expect((await client.leader(name))?.value).toBe("doomed");
      const next = client.campaign(name, { value: "next", waitMs: 20_000 });
      await vi.waitFor(async () => expect((await client.describe(name)).waiters).toHaveLength(1), { timeout: 10_000 });
      elect.child.kill("SIGKILL");
      const lead = await next;
      expect(lead.value).toBe("next");
      await client.resign(lead);
    } finally {
      elect.child.kill("SIGKILL");
      const pid = Number(/^pid (\d+)/.exec(elect.stdout())?.[1] ?? 0);
      // CMD runs in its own process group, which outlives a killed baton: end it too.
      if (pid > 0) {
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // Gone already.
        }
      }
    }
  });

  it("refuses bad usage before reaching a server", async () => {
    const missing = await baton(["elect", unique("usage"), "--value", "v"], { url: "http://127.0.0.1:1" });
    expect(missing.code).toBe(2);
  });
});

describe("baton lock --shared and --permits", () => {
  it("runs beside a shared holder with --shared, not without it", async () => {
    const name = unique("rw");
    const reader = await client.acquire(name, { shared: true, ttlMs: 60_000 });
    const shared = await baton(["lock", name, "--shared", "--wait", "0", "--", "echo", "read"], { url: server.url });
    expect(shared).toMatchObject({ code: 0, stdout: "read\n" });
    const exclusive = await baton(["lock", name, "--wait", "0", "--", "echo", "write"], { url: server.url });
    expect(exclusive.code).toBe(1);
    expect(exclusive.stderr).toContain("test-client (fencing");
    expect(exclusive.stderr).toContain(", shared)");
    await client.release(reader);
  });

  it("takes k permits with --permits, and refuses more than the limit naming the flag", async () => {
    const name = unique("permits");
    const held = await client.acquire(name, { limit: 4, permits: 2, ttlMs: 60_000 });
    const three = await baton(["lock", name, "--permits", "3", "--wait", "0", "--", "echo", "three"], { url: server.url });
    expect(three.code).toBe(1);
    const two = await baton(["lock", name, "--permits", "2", "--wait", "0", "--", "sh", "-c", "echo $BATON_FENCING"], { url: server.url });
    expect(two.code).toBe(0);
    const tooMany = await baton(["lock", name, "--permits", "5", "--", "echo", "never"], { url: server.url });
    expect(tooMany.code).not.toBe(0);
    expect(tooMany.stdout).toBe("");
    expect(tooMany.stderr).toContain("--permits");
    const described = await baton(["describe", name], { url: server.url });
    expect(described.stdout).toContain("2 of 4 permits held");
    expect(described.stdout).toContain("test-client (fencing");
    expect(described.stdout).toContain(", 2 permits)");
    const both = await baton(["acquire", name, "--shared", "--permits", "2"], { url: server.url });
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain("--permits");
    await client.release(held);
  });
});
