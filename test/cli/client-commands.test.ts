import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBatonClient, type BatonClient } from "../../src/client/index.js";
import { eventually } from "../helpers/eventually.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { BATON_BIN, runBaton, spawnBaton } from "./run-baton.js";

let server: TestServer;
let client: BatonClient;
const unique = (what: string) => `cli/${what}/${randomBytes(4).toString("hex")}`;

beforeAll(async () => {
  server = await startServer();
  client = createBatonClient(server.url, { owner: "test-client" });
});
afterAll(async () => {
  client.close();
  await server.close();
});

describe("baton client commands", () => {
  it("prints usage for --help on every command, and exits 0", async () => {
    const names = ["lock", "acquire", "release", "refresh", "describe", "list", "watch"];
    const results = await Promise.all(names.map((n) => runBaton([n, "--help"], server.url)));
    for (const [i, result] of results.entries()) {
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: baton ${names[i]} `));
    }
  });

  it("acquire --json, describe, list, refresh and release work together on one lease", async () => {
    const name = unique("cycle");
    const acquired = await runBaton(["acquire", name, "--json", "--ttl", "1m", "--owner", "scripted"], server.url);
    expect(acquired.code).toBe(0);
    const lease = JSON.parse(acquired.stdout) as { name: string; token: string; fencing: string; ttlMs: number; expiresAt: string };
    expect(lease).toMatchObject({ name, ttlMs: 60_000 });
    expect(lease.token).toMatch(/^[0-9a-f]{32}$/);

    const described = await runBaton(["describe", name, "--json"], server.url);
    const lock = JSON.parse(described.stdout) as { holders: Array<{ owner: string; fencing: string }> };
    expect(lock.holders).toEqual([expect.objectContaining({ owner: "scripted", fencing: lease.fencing })]);
    const text = await runBaton(["describe", name], server.url);
    expect(text.stdout).toContain(`lock ${name}: 1 of 1 permit held`);
    expect(text.stdout).toContain(`scripted (fencing ${lease.fencing})`);

    const listed = await runBaton(["list", name.slice(0, name.lastIndexOf("/") + 1), "--json"], server.url);
    expect((JSON.parse(listed.stdout) as Array<{ name: string }>).map((l) => l.name)).toEqual([name]);
    const table = await runBaton(["list", name], server.url);
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+LIMIT\s+HELD\s+WAITING\s+HOLDERS$/);
    expect(table.stdout).toContain(name);

    const refreshed = await runBaton(["refresh", name, lease.token, "--ttl", "2m", "--json"], server.url);
    expect(refreshed.code).toBe(0);
    expect(new Date((JSON.parse(refreshed.stdout) as { expiresAt: string }).expiresAt).getTime()).toBeGreaterThan(
      new Date(lease.expiresAt).getTime(),
    );

    const released = await runBaton(["release", name, lease.token], server.url);
    expect(released.code).toBe(0);
    expect(released.stdout).toContain(`released ${name}`);
    expect((await client.describe(name)).holders).toEqual([]);

    const again = await runBaton(["release", name, lease.token], server.url);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("(failed_precondition)");
  });

  it("acquire prints shell assignments that a script can eval and release with", async () => {
    const name = unique("eval");
    const script = `eval "$("${process.execPath}" "${BATON_BIN}" acquire ${name})" && echo "$BATON_FENCING" && "${process.execPath}" "${BATON_BIN}" release "$BATON_LOCK" "$BATON_TOKEN"`;
    const shell = spawn("sh", ["-c", script], { env: { ...process.env, BATON_URL: server.url } });
    let out = "";
    shell.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => shell.once("close", resolve));
    expect(code).toBe(0);
    expect(out).toMatch(/^\d+\nreleased /);
    expect((await client.describe(name)).holders).toEqual([]);
  });

  it("acquire --wait 0 on a held lock exits 1 naming the holder", async () => {
    const name = unique("held");
    const held = await client.acquire(name);
    const result = await runBaton(["acquire", name, "--wait", "0"], server.url);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("test-client");
    await client.release(held);
  });

  it("watch prints one line per change until interrupted", async () => {
    const name = unique("watch");
    const watcher = spawnBaton(["watch", name, "--initial"], server.url);
    await eventually(() => expect(watcher.stdout()).toContain("snapshot"), 10_000);
    const lease = await client.acquire(name);
    await client.release(lease);
    await eventually(() => expect(watcher.stdout()).toContain("released"));
    const lines = watcher.stdout().trim().split("\n");
    expect(lines.map((l) => l.split(/\s+/)[1])).toEqual(["snapshot", "granted", "released"]);
    expect(lines[1]).toContain(`${name} held by test-client`);
    watcher.child.kill("SIGINT");
    expect(await watcher.exit).toBe(0);
  });

  it("--server wins over BATON_URL, and an unreachable server is one clear line and exit 1", async () => {
    const name = unique("server");
    const ok = await runBaton(["describe", name, "--server", server.url], "http://127.0.0.1:1");
    expect(ok.code).toBe(0);
    const down = await runBaton(["describe", name], "http://127.0.0.1:1");
    expect(down.code).toBe(1);
    expect(down.stderr.trim().split("\n")).toHaveLength(1);
    expect(down.stderr).toContain("cannot reach Baton at http://127.0.0.1:1");
  });

  it("exits 2 for bad usage of every command", async () => {
    const cases = [
      ["acquire"],
      ["acquire", "x", "--wait", "soon"],
      ["acquire", "x", "--limit", "many"],
      ["release", "x"],
      ["release", "x", "not-a-token"],
      ["refresh", "x"],
      ["describe"],
      ["describe", "x", "y"],
      ["list", "--bogus"],
      ["watch", "x", "--prefix", "y"],
      ["describe", "x", "--server", "ftp://example.com"],
    ];
    const results = await Promise.all(cases.map((args) => runBaton(args, server.url)));
    for (const [i, result] of results.entries()) {
      expect({ args: cases[i], code: result.code }).toEqual({ args: cases[i], code: 2 });
    }
  });
});
