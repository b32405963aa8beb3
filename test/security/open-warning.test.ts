import { describe, expect, it } from "vitest";
import { openServerWarning } from "../../src/server/auth/open-warning.js";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

describe("the warning of an open server", () => {
  it("is given beyond loopback without keys, and only then", () => {
    expect(openServerWarning("0.0.0.0", 0, false)).toContain("NO API KEYS");
    expect(openServerWarning("10.1.2.3", 0, false)).toContain("anyone who can reach this");
    expect(openServerWarning("::", 0, false)).toBeDefined();
    for (const host of ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"]) expect(openServerWarning(host, 0, false), host).toBeUndefined();
    expect(openServerWarning("0.0.0.0", 2, false)).toBeUndefined();
    expect(openServerWarning("0.0.0.0", 0, true)).toBeUndefined();
  });

  it("is printed by baton serve at start", async () => {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const child = spawn(process.execPath, ["bin/baton.js", "serve", "--host", "0.0.0.0", "--port", "0", "--store", "memory"], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!stderr.includes("NO API KEYS") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    expect(stderr).toContain("baton: WARNING: listening on 0.0.0.0 with NO API KEYS configured");
  });
});
