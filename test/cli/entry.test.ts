import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createBatonClient, type BatonClient } from "../../src/client/index.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { runBaton, spawnBaton } from "./run-baton.js";

// The few tests that run the real `bin/baton.js` as a process: everything else runs `main` in
// process. These check what only a process has: the entry point (from the sources and from the
// build), its exit status, and real signals reaching `baton lock` and passed on to CMD.

const root = fileURLToPath(new URL("../../", import.meta.url));
function newestMs(dir: string): number {
  return Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newestMs(`${dir}/${e.name}`) : statSync(`${dir}/${e.name}`).mtimeMs)));
}
const compiled = `${root}dist/cli/main.js`;
const buildIsFresh = existsSync(compiled) && statSync(compiled).mtimeMs >= newestMs(`${root}src`);

let server: TestServer;
let client: BatonClient;
const unique = (what: string) => `cli-entry/${what}/${randomBytes(4).toString("hex")}`;

beforeAll(async () => {
  server = await startServer();
  client = createBatonClient(server.url, { owner: "entry-holder" });
});
afterAll(async () => {
  client.close();
  await server.close();
});

describe("the baton binary", () => {
  it("runs from the TypeScript sources when asked to (or when there is no fresh build)", async () => {
    const version = await runBaton(["--version"], server.url, { BATON_FROM_SOURCE: "1" });
    expect(version).toMatchObject({ code: 0, stdout: expect.stringContaining("(from the TypeScript sources)") });
    const name = unique("source");
    const acquired = await runBaton(["acquire", name, "--json"], server.url, { BATON_FROM_SOURCE: "1" });
    expect(acquired.code).toBe(0);
    const released = await runBaton(["release", name, (JSON.parse(acquired.stdout) as { token: string }).token], server.url, { BATON_FROM_SOURCE: "1" });
    expect(released.code).toBe(0);
    expect((await client.describe(name)).holders).toEqual([]);
  });

  // CI builds before testing; on a machine with an older build this says so instead of passing.
  it.runIf(buildIsFresh || process.env.CI !== undefined)("runs the build in dist/ when it is fresh", async () => {
    const version = await runBaton(["--version"], server.url);
    expect(version).toMatchObject({ code: 0, stdout: expect.stringContaining("(from the build in dist/)") });
  });

  it("exits with CMD's status, and 128 + N when CMD dies of signal N", async () => {
    expect((await runBaton(["lock", unique("status"), "--", "sh", "-c", "exit 3"], server.url)).code).toBe(3);
    expect((await runBaton(["lock", unique("killed"), "--", "sh", "-c", "kill -TERM $$"], server.url)).code).toBe(143);
    expect((await runBaton(["lock", unique("usage")], server.url)).code).toBe(2);
  });

  it("passes SIGTERM on to CMD, which decides how to end; the lock is released", async () => {
    const name = unique("term");
    // Short sleeps in the foreground: a signal that lands while sh forks a background child
    // would leave that child (and the output pipe it holds) alive after sh's trap exits.
    const script = 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done';
    const baton = spawnBaton(["lock", name, "--owner", "term-test", "--", "sh", "-c", script], server.url);
    await vi.waitFor(() => expect(baton.stdout()).toContain("ready"), { timeout: 15_000 });
    expect((await client.describe(name)).holders.map((h) => h.owner)).toEqual(["term-test"]);
    baton.child.kill("SIGTERM");
    expect(await baton.exit).toBe(7);
    expect(baton.stdout()).toContain("got-term");
    expect((await client.describe(name)).holders).toEqual([]);
  });

  it("on SIGINT while waiting, leaves the queue and exits 130 without running CMD", async () => {
    const name = unique("interrupt");
    const held = await client.acquire(name);
    const baton = spawnBaton(["lock", name, "--", "echo", "ran"], server.url);
    await vi.waitFor(() => expect(baton.stderr()).toContain("position 1 of 1"), { timeout: 15_000 });
    baton.child.kill("SIGINT");
    expect(await baton.exit).toBe(130);
    expect(baton.stdout()).toBe("");
    await vi.waitFor(async () => expect((await client.describe(name)).waiters).toEqual([]));
    await client.release(held);
  });
});
