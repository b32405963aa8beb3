import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBatonClient, type BatonClient } from "../../src/client/index.js";
import { eventually } from "../helpers/eventually.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { isAlive, runBaton, spawnBaton } from "./run-baton.js";

let server: TestServer;
let client: BatonClient;
const unique = (what: string) => `cli-lock/${what}/${randomBytes(4).toString("hex")}`;

beforeAll(async () => {
  server = await startServer();
  client = createBatonClient(server.url, { owner: "test-holder" });
});
afterAll(async () => {
  client.close();
  await server.close();
});

describe("baton lock", () => {
  it("runs the command with BATON_LOCK, BATON_FENCING and BATON_TOKEN, passes its exit code, releases", async () => {
    const name = unique("env");
    const result = await runBaton(["lock", name, "--", "sh", "-c", 'echo "$BATON_LOCK|$BATON_FENCING|$BATON_TOKEN"; exit 3'], server.url);
    expect(result.code).toBe(3);
    const [lock, fencing, token] = result.stdout.trim().split("|");
    expect(lock).toBe(name);
    expect(fencing).toMatch(/^[1-9]\d*$/);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    const after = await client.describe(name);
    expect(after.holders).toEqual([]);
  });

  it("reports a death by signal as 128 + the signal number", async () => {
    const result = await runBaton(["lock", unique("signal"), "--", "sh", "-c", "kill -TERM $$"], server.url);
    expect(result.code).toBe(143);
  });

  it("prints the queue position while waiting, then runs once the holder releases", async () => {
    const name = unique("queue");
    const held = await client.acquire(name);
    const baton = spawnBaton(["lock", name, "--", "echo", "ran"], server.url);
    await eventually(() => expect(baton.stderr()).toContain("position 1 of 1"), 10_000);
    expect(baton.stderr()).toContain("test-holder");
    await client.release(held);
    expect(await baton.exit).toBe(0);
    expect(baton.stdout()).toBe("ran\n");
  });

  it("with --wait 0 on a held lock, exits 1 naming the holder", async () => {
    const name = unique("try");
    const held = await client.acquire(name);
    const result = await runBaton(["lock", name, "--wait", "0", "--", "echo", "ran"], server.url);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("test-holder");
    expect(result.stderr).toContain("(aborted)");
    await client.release(held);
  });

  it("on SIGINT while waiting, leaves the queue and exits 130 without running the command", async () => {
    const name = unique("interrupt");
    const held = await client.acquire(name);
    const baton = spawnBaton(["lock", name, "--", "echo", "ran"], server.url);
    await eventually(() => expect(baton.stderr()).toContain("position 1 of 1"), 10_000);
    baton.child.kill("SIGINT");
    expect(await baton.exit).toBe(130);
    expect(baton.stdout()).toBe("");
    await eventually(async () => expect((await client.describe(name)).waiters).toEqual([]));
    await client.release(held);
  });

  it("forwards SIGTERM to the command and releases the lock", async () => {
    const name = unique("term");
    const script = 'trap "echo got-term; exit 7" TERM; echo ready; sleep 60 & wait';
    const baton = spawnBaton(["lock", name, "--owner", "term-test", "--", "sh", "-c", script], server.url);
    await eventually(() => expect(baton.stdout()).toContain("ready"), 10_000);
    expect((await client.describe(name)).holders.map((h) => h.owner)).toEqual(["term-test"]);
    baton.child.kill("SIGTERM");
    expect(await baton.exit).toBe(7);
    expect(baton.stdout()).toContain("got-term");
    expect((await client.describe(name)).holders).toEqual([]);
  });

  it("when the lease is lost, kills the command's whole process group and exits 75", async () => {
    const name = unique("lost");
    const script = 'echo "$BATON_TOKEN"; sleep 60 & echo "$!"; wait';
    const baton = spawnBaton(["lock", name, "--ttl", "600ms", "--grace", "2s", "--", "sh", "-c", script], server.url);
    await eventually(() => expect(baton.stdout().trim().split("\n")).toHaveLength(2), 10_000);
    const [token, grandchild] = baton.stdout().trim().split("\n") as [string, string];
    expect(isAlive(Number(grandchild))).toBe(true);
    await client.release({ name, token });
    expect(await baton.exit).toBe(75);
    expect(baton.stderr()).toContain(`lost the lease on "${name}"`);
    await eventually(() => expect(isAlive(Number(grandchild))).toBe(false));
  });

  it("after a lost lease, SIGKILLs a command that ignores SIGTERM once the grace is over", async () => {
    const name = unique("stubborn");
    const script = 'trap "" TERM; echo "$BATON_TOKEN"; echo "$$"; while :; do sleep 0.05; done';
    const baton = spawnBaton(["lock", name, "--ttl", "600ms", "--grace", "300ms", "--", "sh", "-c", script], server.url);
    await eventually(() => expect(baton.stdout().trim().split("\n")).toHaveLength(2), 10_000);
    const [token, shell] = baton.stdout().trim().split("\n") as [string, string];
    await client.release({ name, token });
    expect(await baton.exit).toBe(75);
    await eventually(() => expect(isAlive(Number(shell))).toBe(false));
  });

  it("when the server goes away, retries the refresh, then gives the lease up at its TTL and exits 75", async () => {
    const doomed = await startServer();
    const baton = spawnBaton(["lock", unique("outage"), "--ttl", "1s", "--grace", "1s", "--", "sh", "-c", "echo ready; sleep 60"], doomed.url);
    await eventually(() => expect(baton.stdout()).toContain("ready"), 10_000);
    await doomed.close();
    expect(await baton.exit).toBe(75);
    expect(baton.stderr()).toContain("cannot refresh");
    expect(baton.stderr()).toContain("no refresh reached the server before the lease expired");
  });

  it("exits 127 when the command cannot be started, and releases", async () => {
    const name = unique("missing");
    const result = await runBaton(["lock", name, "--", "/nonexistent/command"], server.url);
    expect(result.code).toBe(127);
    expect(result.stderr).toContain("cannot run /nonexistent/command");
    expect((await client.describe(name)).holders).toEqual([]);
  });

  it("exits 2 for bad usage: bad duration, missing NAME, missing command, bad name, bad limit", async () => {
    const cases = [
      ["lock", "x", "--ttl", "5q", "--", "true"],
      ["lock", "--", "true"],
      ["lock", "x"],
      ["lock", "x", "--"],
      ["lock", "bad name", "--", "true"],
      ["lock", "x", "--limit", "0", "--", "true"],
      ["lock", "x", "--bogus", "--", "true"],
    ];
    const results = await Promise.all(cases.map((args) => runBaton(args, server.url)));
    for (const [i, result] of results.entries()) {
      expect({ args: cases[i], code: result.code }).toEqual({ args: cases[i], code: 2 });
      expect(result.stderr).toContain("baton lock:");
    }
  });
});
