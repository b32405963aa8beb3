import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createBatonClient, type BatonClient } from "../../src/client/index.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { baton, startBaton } from "./in-process.js";
import { isAlive } from "./run-baton.js";

let server: TestServer;
let client: BatonClient;
const unique = (what: string) => `cli-lock/${what}/${randomBytes(4).toString("hex")}`;
const lock = (args: string[]) => startBaton(["lock", ...args], { url: server.url });
const lines = (text: string) => text.trim().split("\n");

beforeAll(async () => {
  server = await startServer();
  client = createBatonClient(server.url, { owner: "test-holder" });
});
afterAll(async () => {
  client.close();
  await server.close();
});

describe("baton lock (in process, CMD a real child)", () => {
  it("runs CMD with BATON_LOCK, BATON_FENCING, BATON_TOKEN and BATON_URL, passes its exit code, releases", async () => {
    const name = unique("env");
    const result = await baton(["lock", name, "--", "sh", "-c", 'echo "$BATON_LOCK|$BATON_FENCING|$BATON_TOKEN|$BATON_URL"; exit 3'], { url: server.url });
    expect(result.code).toBe(3);
    const [lockName, fencing, token, url] = result.stdout.trim().split("|");
    expect(lockName).toBe(name);
    expect(fencing).toMatch(/^[1-9]\d*$/);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(url).toBe(server.url);
    expect((await client.describe(name)).holders).toEqual([]);
  });

  it("reports CMD's death by a signal as 128 + the signal number", async () => {
    const result = await baton(["lock", unique("signal"), "--", "sh", "-c", "kill -TERM $$"], { url: server.url });
    expect(result.code).toBe(143);
  });

  it("prints the queue position while waiting, then runs once the holder releases", async () => {
    const name = unique("queue");
    const held = await client.acquire(name);
    const run = lock([name, "--", "echo", "ran"]);
    await vi.waitFor(() => expect(run.stderr()).toContain("position 1 of 1; held by test-holder"), { timeout: 10_000 });
    await client.release(held);
    expect(await run.done).toBe(0);
    expect(run.stdout()).toBe("ran\n");
    expect(run.stderr()).toMatch(new RegExp(`baton lock: acquired ${name} \\(fencing \\d+\\)\\n$`));
  });

  it("with --wait 0 on a held lock, says who holds it until when and how to wait, and exits 1", async () => {
    const name = unique("try");
    const held = await client.acquire(name, { ttlMs: 60_000 });
    const result = await baton(["lock", name, "--wait", "0", "--", "echo", "ran"], { url: server.url });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(
      new RegExp(`^baton lock: ${name} is held by test-holder \\(fencing ${held.fencing}\\) until \\d\\d:\\d\\d:\\d\\d \\(in [\\d.]+s\\); wait for it with --wait DUR \\(or omit --wait\\)\\n$`),
    );
    await client.release(held);
  });

  it("on an interruption while waiting, leaves the queue and exits 128 + N without running CMD", async () => {
    const name = unique("interrupt");
    const held = await client.acquire(name);
    const run = lock([name, "--", "echo", "ran"]);
    await vi.waitFor(() => expect(run.stderr()).toContain("position 1 of 1"), { timeout: 10_000 });
    run.interrupt("SIGINT");
    expect(await run.done).toBe(130);
    expect(run.stdout()).toBe("");
    await vi.waitFor(async () => expect((await client.describe(name)).waiters).toEqual([]));
    await client.release(held);
  });

  it("passes an interruption on to CMD, which decides; the lock is released when it exits", async () => {
    const name = unique("forward");
    // Short sleeps in the foreground: a signal that lands while sh forks a background child
    // would leave that child (and the output pipe it holds) alive after sh's trap exits.
    const script = 'trap "echo got-hup; exit 7" HUP; echo ready; while :; do sleep 0.1; done';
    const run = lock([name, "--owner", "forward-test", "--", "sh", "-c", script]);
    await vi.waitFor(() => expect(run.stdout()).toContain("ready"), { timeout: 10_000 });
    expect((await client.describe(name)).holders.map((h) => h.owner)).toEqual(["forward-test"]);
    run.interrupt("SIGHUP");
    expect(await run.done).toBe(7);
    expect(run.stdout()).toContain("got-hup");
    expect((await client.describe(name)).holders).toEqual([]);
  });

  it("when the lease is lost, kills CMD's whole process group and exits 75", async () => {
    const name = unique("lost");
    const script = 'echo "$BATON_TOKEN"; sleep 60 & echo "$!"; wait';
    const run = lock([name, "--ttl", "600ms", "--grace", "2s", "--", "sh", "-c", script]);
    await vi.waitFor(() => expect(lines(run.stdout())).toHaveLength(2), { timeout: 10_000 });
    const [token, grandchild] = lines(run.stdout()) as [string, string];
    expect(isAlive(Number(grandchild))).toBe(true);
    await client.release({ name, token });
    expect(await run.done).toBe(75);
    expect(run.stderr()).toContain(`baton lock: lost the lease on ${name} (fencing `);
    expect(run.stderr()).toContain("the server no longer holds it (it expired, or was released with its token); stopping sh (process group ");
    await vi.waitFor(() => expect(isAlive(Number(grandchild))).toBe(false));
  });

  it("after a lost lease, SIGKILLs a CMD that ignores SIGTERM once the grace is over", async () => {
    const name = unique("stubborn");
    const script = 'trap "" TERM; echo "$BATON_TOKEN"; echo "$$"; while :; do sleep 0.05; done';
    const run = lock([name, "--ttl", "600ms", "--grace", "300ms", "--", "sh", "-c", script]);
    await vi.waitFor(() => expect(lines(run.stdout())).toHaveLength(2), { timeout: 10_000 });
    const [token, shell] = lines(run.stdout()) as [string, string];
    await client.release({ name, token });
    expect(await run.done).toBe(75);
    await vi.waitFor(() => expect(isAlive(Number(shell))).toBe(false));
  });

  it("when the server goes away, retries the refresh, then gives the lease up at its TTL and exits 75", async () => {
    const doomed = await startServer();
    const name = unique("outage");
    const run = startBaton(["lock", name, "--ttl", "1s", "--grace", "1s", "--", "sh", "-c", "echo ready; sleep 60"], { url: doomed.url });
    await vi.waitFor(() => expect(run.stdout()).toContain("ready"), { timeout: 10_000 });
    await doomed.close();
    expect(await run.done).toBe(75);
    // The first failure may meet the server mid-shutdown; one line per outage, whatever it was.
    expect(run.stderr().match(new RegExp(`baton lock: cannot refresh ${name} \\(.+\\); retrying until it expires\\n`, "g"))).toHaveLength(1);
    expect(run.stderr()).toContain(`no refresh reached the server at ${doomed.url} before it expired (last: connection refused); stopping sh`);
  });

  it("exits 127 when CMD cannot be started, and releases", async () => {
    const name = unique("missing");
    const result = await baton(["lock", name, "--", "/nonexistent/command"], { url: server.url });
    expect(result.code).toBe(127);
    expect(result.stderr).toContain("baton lock: cannot run /nonexistent/command: spawn /nonexistent/command ENOENT");
    expect((await client.describe(name)).holders).toEqual([]);
  });
});
