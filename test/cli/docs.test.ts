import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";

// Every `sh` block of docs/cli.md runs here, in order, with `sh -e`, with `baton` on PATH (the
// real bin/baton.js) and BATON_URL pointing at a fresh server, so that the page cannot drift
// from what the command does. A block that exits non-zero fails with its output.

const root = fileURLToPath(new URL("../../", import.meta.url));
const page = readFileSync(join(root, "docs/cli.md"), "utf8");
const blocks = [...page.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), "baton-docs-"));
  const shim = join(dir, "baton");
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${join(root, "bin/baton.js")}" "$@"\n`);
  chmodSync(shim, 0o755);
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function sh(script: string): Promise<{ code: number | null; output: string }> {
  const child = spawn("sh", ["-e", "-c", script], {
    cwd: dir,
    env: { PATH: `${dir}:${process.env.PATH}`, HOME: process.env.HOME, BATON_URL: server.url },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, output })));
}

describe("docs/cli.md", () => {
  it("has sh blocks, each saying whether it needs a server", () => {
    expect(blocks.length).toBeGreaterThan(10);
    for (const block of blocks) expect(block).toMatch(/^# (needs no server|against the server on \$BATON_URL)/);
  });

  blocks.forEach((block, i) => {
    it(`block ${i + 1} runs: ${block.split("\n").find((l) => !l.startsWith("#"))}`, { timeout: 120_000 }, async () => {
      const result = await sh(block);
      expect({ code: result.code, output: result.output }).toMatchObject({ code: 0 });
    });
  });
});
