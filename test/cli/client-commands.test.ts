import { randomBytes } from "node:crypto";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createBatonClient, type BatonClient } from "../../src/client/index.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { baton, startBaton } from "./in-process.js";

let server: TestServer;
let client: BatonClient;
const unique = (what: string) => `cli/${what}/${randomBytes(4).toString("hex")}`;
const run = (args: string[]) => baton(args, { url: server.url });

beforeAll(async () => {
  server = await startServer();
  client = createBatonClient(server.url, { owner: "test-client" });
});
afterAll(async () => {
  client.close();
  await server.close();
});

describe("baton client commands", () => {
  it("acquire --json, describe, list, refresh and release work together on one lease", async () => {
    const name = unique("cycle");
    const acquired = await run(["acquire", name, "--json", "--ttl", "1m", "--owner", "scripted"]);
    expect(acquired.code).toBe(0);
    const lease = JSON.parse(acquired.stdout) as { name: string; token: string; fencing: string; ttlMs: number; expiresAt: string };
    expect(lease).toMatchObject({ name, ttlMs: 60_000 });
    expect(lease.token).toMatch(/^[0-9a-f]{32}$/);

    const described = await run(["describe", name, "--json"]);
    const lock = JSON.parse(described.stdout) as { holders: Array<{ owner: string; fencing: string }> };
    expect(lock.holders).toEqual([expect.objectContaining({ owner: "scripted", fencing: lease.fencing })]);
    const text = await run(["describe", name]);
    expect(text.stdout).toContain(`lock ${name}: 1 of 1 permit held`);
    expect(text.stdout).toMatch(new RegExp(`scripted \\(fencing ${lease.fencing}\\) until \\d\\d:\\d\\d:\\d\\d \\(in [\\d.]+s\\)`));

    const listed = await run(["list", name.slice(0, name.lastIndexOf("/") + 1), "--json"]);
    expect((JSON.parse(listed.stdout) as Array<{ name: string }>).map((l) => l.name)).toEqual([name]);
    const table = await run(["list", name]);
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+LIMIT\s+HELD\s+WAITING\s+HOLDERS$/);
    expect(table.stdout).toContain(name);

    const refreshed = await run(["refresh", name, lease.token, "--ttl", "2m", "--json"]);
    expect(refreshed.code).toBe(0);
    expect(new Date((JSON.parse(refreshed.stdout) as { expiresAt: string }).expiresAt).getTime()).toBeGreaterThan(new Date(lease.expiresAt).getTime());

    const released = await run(["release", name, lease.token]);
    expect(released).toMatchObject({ code: 0, stdout: `released ${name} (fencing ${lease.fencing})\n` });
    expect((await client.describe(name)).holders).toEqual([]);

    const again = await run(["release", name, lease.token]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`baton release: token ${lease.token} holds no permit of ${name}: it expired, was released, or the token is wrong\n`);
    const late = await run(["refresh", name, lease.token]);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain("stop the work it protected");
  });

  it("reserve prints a new lock's name under the prefix; the lock is kept with its limit", async () => {
    const prefix = unique("reserve") + "/";
    const reserved = await run(["reserve", prefix, "--limit", "2"]);
    expect(reserved.code).toBe(0);
    const name = reserved.stdout.trim();
    expect(name.startsWith(prefix) && name.length > prefix.length).toBe(true);
    expect(await client.describe(name)).toMatchObject({ name, limit: 2, reserved: true });
  });

  it("acquire prints shell assignments that sh can eval, quoting included", async () => {
    const name = unique("eval");
    const acquired = await run(["acquire", name]);
    expect(acquired.code).toBe(0);
    const script = `eval "$1"; printf '%s|%s|%s' "$BATON_LOCK" "$BATON_FENCING" "$BATON_TOKEN"`;
    const { stdout } = await promisify(execFile)("sh", ["-c", script, "sh", acquired.stdout]);
    const [lock, fencing, token] = stdout.split("|") as [string, string, string];
    expect(lock).toBe(name);
    expect((await client.describe(name)).holders.map((h) => h.fencing.toString())).toEqual([fencing]);
    expect((await run(["release", lock, token])).code).toBe(0);
  });

  it("acquire without --wait queues until granted, showing the position; --quiet does not", async () => {
    const name = unique("queue");
    const held = await client.acquire(name);
    const loud = startBaton(["acquire", name, "--json"], { url: server.url });
    const quiet = startBaton(["acquire", name, "--json", "-q"], { url: server.url });
    await vi.waitFor(async () => expect((await client.describe(name)).waiters).toHaveLength(2), { timeout: 10_000 });
    expect(loud.stderr()).toMatch(new RegExp(`^baton acquire: waiting for ${name}: position \\d of \\d; held by test-client \\(fencing \\d+\\) until `));
    await client.release(held);
    expect(await loud.done).toBe(0);
    const first = JSON.parse(loud.stdout()) as { token: string };
    await client.release({ name, token: first.token });
    expect(await quiet.done).toBe(0);
    expect(quiet.stderr()).toBe("");
    await client.release({ name, token: (JSON.parse(quiet.stdout()) as { token: string }).token });
  });

  it("an interrupted acquire leaves the queue and exits 128 + the signal", async () => {
    const name = unique("interrupt");
    const held = await client.acquire(name);
    const waiting = startBaton(["acquire", name], { url: server.url });
    await vi.waitFor(() => expect(waiting.stderr()).toContain("position 1 of 1"), { timeout: 10_000 });
    waiting.interrupt("SIGTERM");
    expect(await waiting.done).toBe(143);
    expect(waiting.stdout()).toBe("");
    await vi.waitFor(async () => expect((await client.describe(name)).waiters).toEqual([]));
    await client.release(held);
  });

  it("watch prints one line per change until interrupted, then exits 0", async () => {
    const name = unique("watch");
    const watcher = startBaton(["watch", name, "--initial"], { url: server.url });
    await vi.waitFor(() => expect(watcher.stdout()).toContain("snapshot"), { timeout: 10_000 });
    const lease = await client.acquire(name);
    await client.release(lease);
    await vi.waitFor(() => expect(watcher.stdout()).toContain("released"));
    const lines = watcher.stdout().trim().split("\n");
    expect(lines.map((l) => l.split(/\s+/)[1])).toEqual(["snapshot", "granted", "released"]);
    expect(lines[1]).toContain(`${name} held by test-client`);
    watcher.interrupt("SIGINT");
    expect(await watcher.done).toBe(0);
  });

  it("--server wins over BATON_URL; an unreachable server is one line naming the URL and what to do", async () => {
    const name = unique("server");
    const ok = await baton(["describe", name, "--server", server.url], { url: "http://127.0.0.1:1" });
    expect(ok.code).toBe(0);
    const down = await baton(["describe", name], { url: "http://127.0.0.1:1" });
    expect(down).toEqual({
      code: 1,
      stdout: "",
      stderr:
        'baton describe: cannot reach a Baton server at http://127.0.0.1:1 (connection refused); start one with "npx baton serve", or point to yours with --server URL or BATON_URL\n',
    });
  });
});
