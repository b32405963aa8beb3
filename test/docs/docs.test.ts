import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnBaton } from "../helpers/spawn-baton.js";

// The docs cannot drift from the product: every ```sh block of README.md and docs/*.md runs here,
// in order, with `sh -e`, against one real `baton serve` (the embedded durable store, as
// `npm start` runs it, in a fresh data dir), with 7070 replaced by its port. `baton` is on PATH,
// `npx baton` finds this checkout's bin, BATON_URL names the server, and `scripts/` is at hand.
// A block fenced ```sh no-run (a server that runs until stopped, a toolchain step) is skipped;
// any other fence info after `sh` is refused, so a typo cannot quietly skip a block.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PAGES = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];

/** Pages other branches are adding while this test is written; the lead empties this on merge. */
const PENDING_PAGES = new Set<string>([]);

interface Block {
  page: string;
  line: number;
  info: string;
  script: string;
}

function blocksOf(page: string): Block[] {
  const text = readFileSync(join(ROOT, page), "utf8");
  const out: Block[] = [];
  for (const match of text.matchAll(/^```sh([^\n]*)\n([\s\S]*?)^```/gm)) {
    const line = text.slice(0, match.index).split("\n").length;
    out.push({ page, line, info: match[1]!.trim(), script: match[2]! });
  }
  return out;
}

const blocks = PAGES.flatMap(blocksOf);
const runnable = blocks.filter((b) => b.info === "");

let server: { child: ChildProcess; url: string };
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "baton-docs-"));
  server = await spawnBaton(["--data-dir", join(dir, "data")]);
  // The blocks run in a scratch dir (they write files), which has what they use from the clone:
  // scripts/ (connect-stream), and node_modules/.bin/baton so `npx baton` finds this checkout.
  const work = join(dir, "work");
  mkdirSync(join(work, "node_modules", ".bin"), { recursive: true });
  mkdirSync(join(dir, "bin"));
  symlinkSync(join(ROOT, "scripts"), join(work, "scripts"));
  symlinkSync(join(ROOT, "bin", "baton.js"), join(work, "node_modules", ".bin", "baton"));
  symlinkSync(join(ROOT, "bin", "baton.js"), join(dir, "bin", "baton"));
}, 60_000);

afterAll(async () => {
  if (server !== undefined && server.child.exitCode === null) {
    const exited = new Promise((resolve) => server.child.once("exit", resolve));
    server.child.kill("SIGTERM");
    await exited;
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function run(script: string): Promise<{ code: number | null; output: string }> {
  const port = new URL(server.url).port;
  const body = script.replaceAll("127.0.0.1:7070", `127.0.0.1:${port}`).replaceAll("localhost:7070", `localhost:${port}`);
  const child = spawn("sh", ["-e", "-c", body], {
    cwd: join(dir, "work"),
    env: { PATH: `${join(dir, "bin")}:${process.env.PATH}`, HOME: process.env.HOME, BATON_URL: server.url, npm_config_update_notifier: "false" },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: whatever a failed block left running in the background (a server,
    // a watcher) is killed with it below, instead of outliving the test.
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  // When the shell exits, anything it left running still holds the output pipes: kill the group
  // first, then read to the end.
  child.once("exit", () => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // The group is gone already: nothing was left behind.
    }
  });
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, output })));
}

describe("the docs' shell blocks", () => {
  it("are fenced sh (runs) or sh no-run, and most of them run", () => {
    for (const block of blocks) expect(block.info, `${block.page}:${block.line}`).toMatch(/^(no-run)?$/);
    expect(runnable.length).toBeGreaterThan(25);
    expect(blocks.length - runnable.length).toBeLessThan(runnable.length / 3);
  });

  for (const block of runnable) {
    const first = block.script.split("\n").find((l) => l.trim() !== "" && !l.startsWith("#")) ?? "";
    it(`${block.page}:${block.line} ${first.slice(0, 60)}`, { timeout: 120_000 }, async () => {
      const result = await run(block.script);
      // BATON_DOCS_SHOW=1 prints what each block printed, to compare with the comments beside it.
      if (process.env.BATON_DOCS_SHOW === "1") process.stdout.write(`\n--- ${block.page}:${block.line}\n${result.output}`);
      expect(result.code, `${block.page}:${block.line} exited ${result.code}:\n${result.output}`).toBe(0);
    });
  }
});

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as dashes. */
function anchorsOf(page: string): Set<string> {
  const text = readFileSync(join(ROOT, page), "utf8").replace(/^```[\s\S]*?^```/gm, "");
  const slugs = [...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
    m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replaceAll(" ", "-"),
  );
  return new Set(slugs);
}

describe("the docs' links", () => {
  it("README.md fits on a few screens", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8").split("\n").length).toBeLessThanOrEqual(250);
  });

  it.each(PAGES)("%s links only to files (and headings) in the repository", (page) => {
    const text = readFileSync(join(ROOT, page), "utf8");
    expect(text).not.toMatch(/\.\.\/shared/);
    const missing: string[] = [];
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const [target = "", anchor] = match[1]!.split("#");
      if (/^[a-z]+:/.test(target)) continue;
      const path = target === "" ? page : relative(ROOT, join(ROOT, dirname(page), target));
      if (PENDING_PAGES.has(path)) continue;
      if (!existsSync(join(ROOT, path))) missing.push(match[1]!);
      else if (anchor !== undefined && path.endsWith(".md") && !anchorsOf(path).has(anchor)) missing.push(match[1]!);
    }
    expect(missing).toEqual([]);
  });
});
