import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashApiKey } from "../../src/server/auth/key-material.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { spawnBaton } from "../helpers/spawn-baton.js";
import { uniqueName } from "../helpers/unique.js";
import { baton } from "../cli/in-process.js";
import { testKey } from "./keyed.js";

describe("baton key new", () => {
  it("prints a fresh key on stdout and only its hash in the lines to paste", async () => {
    const a = await baton(["key", "new", "deployer"]);
    const b = await baton(["key", "new", "deployer"]);
    expect(a.code).toBe(0);
    const key = a.stdout.trim();
    expect(key).toMatch(/^baton_[A-Za-z0-9_-]{43}$/);
    expect(b.stdout.trim()).not.toBe(key);
    expect(a.stderr).toContain("- name: deployer");
    expect(a.stderr).toContain(`sha256: ${hashApiKey(key)}`);
    expect(a.stderr).not.toContain(key);
    expect((await baton(["key", "new", "bad name"])).code).toBe(2);
    expect((await baton(["key", "old", "x"])).code).toBe(2);
  });
});

describe("client commands with a key, and release --force", () => {
  const admin = testKey("admin", ["acquire", "read", "admin"]);
  const worker = testKey("worker", ["acquire", "read"]);
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ keys: [admin.spec, worker.spec] });
  });
  afterAll(() => server.close());

  it("takes the key from BATON_KEY or --api-key, and force-releases only with the admin scope", async () => {
    const name = uniqueName("cli", "force");
    const none = await baton(["acquire", name], { url: server.url });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/API key/);
    const got = await baton(["acquire", name, "--ttl", "1m"], { url: server.url, env: { BATON_KEY: worker.key } });
    expect(got.code).toBe(0);
    const denied = await baton(["release", "--force", name], { url: server.url, env: { BATON_KEY: worker.key } });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('lacks the "admin" action scope');
    const forced = await baton(["release", "--force", name, "--reason", "ci host died", "--api-key", admin.key], { url: server.url });
    expect(forced.stdout).toMatch(new RegExp(`force-released ${name} \\(owner [^,]+, fencing \\d+\\)`));
    expect(forced.code).toBe(0);
    expect(server.logs.some((l) => l.includes("audit: force-release") && l.includes("by admin"))).toBe(true);
    expect((await server.app.engine.describe(name)).holders).toEqual([]);
  });
});

describe("SIGHUP", () => {
  it("reloads the keys of a running server: a removed key stops working, no restart", async () => {
    const kept = testKey("kept", ["read"]);
    const dropped = testKey("dropped", ["read"]);
    const dir = mkdtempSync(join(tmpdir(), "baton-hup-"));
    const file = join(dir, "baton.yaml");
    const yaml = (keys: typeof kept[]) =>
      "keys:\n" + keys.map((k) => `  - name: ${k.spec.name}\n    sha256: ${k.spec.sha256}\n    actions: [read]\n`).join("");
    writeFileSync(file, yaml([kept, dropped]));
    const { child, url } = await spawnBaton(["--config", file]);
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    try {
      const describe = async (key: string) => baton(["describe", "x", "--api-key", key], { url });
      expect((await describe(dropped.key)).code).toBe(0);
      writeFileSync(file, yaml([kept]));
      child.kill("SIGHUP");
      const deadline = Date.now() + 10_000;
      while (!stderr.includes("config reloaded") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(stderr).toContain("SIGHUP: config reloaded (1 keys)");
      const after = await describe(dropped.key);
      expect(after.code).toBe(1);
      expect(after.stderr).toContain("not valid");
      expect((await describe(kept.key)).code).toBe(0);
      // A config that no longer loads changes nothing.
      writeFileSync(file, "keys: [oops\n");
      child.kill("SIGHUP");
      while (!stderr.includes("nothing changed") && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 20));
      expect((await describe(kept.key)).code).toBe(0);
      // Nothing of a key ever reaches the log.
      expect(stderr).not.toContain(kept.key);
      expect(stderr).not.toContain(dropped.key);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  });
});
