import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A build of Baton the bench can run: its checkout (with `dist/` and `node_modules/`) and commit. */
export interface Build {
  /** "now" (this checkout) or "base" (the previous main). */
  label: "now" | "base";
  dir: string;
  commit: string;
}

/** The previous main the figures are compared with, unless BENCH_BASE names another commit. */
export const DEFAULT_BASE = "20eecae";

/**
 * The base build: BENCH_BASE (default {@link DEFAULT_BASE}) checked out in a git worktree outside
 * the repository (/tmp/baton-bench-base-<commit>), `npm ci` and `npm run build` there. Done once
 * per commit: a `.bench-ready` marker says the worktree is complete, so later runs reuse it.
 * Undefined with BENCH_BASE=none.
 */
export async function baseBuild(): Promise<Build | undefined> {
  const requested = process.env.BENCH_BASE ?? DEFAULT_BASE;
  if (requested === "none") return undefined;
  const commit = (await run("git", ["rev-parse", "--verify", `${requested}^{commit}`])).stdout.trim();
  const dir = `/tmp/baton-bench-base-${commit.slice(0, 12)}`;
  const marker = `${dir}/.bench-ready`;
  if (!existsSync(marker)) {
    console.log(`preparing the base ${commit.slice(0, 12)} in ${dir} (git worktree, npm ci, npm run build)…`);
    if (!existsSync(dir)) await run("git", ["worktree", "add", "--detach", dir, commit]);
    await run("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, maxBuffer: 64 << 20 });
    await run("npm", ["run", "build"], { cwd: dir, maxBuffer: 64 << 20 });
    writeFileSync(marker, `${commit}\n`);
  }
  return { label: "base", dir, commit };
}

/** This checkout, built by `npm run bench` before the bench starts. */
export async function nowBuild(): Promise<Build> {
  const commit = (await run("git", ["rev-parse", "HEAD"])).stdout.trim();
  const dirty = (await run("git", ["status", "--porcelain", "--untracked-files=no"])).stdout.trim() !== "";
  return { label: "now", dir: process.cwd(), commit: dirty ? `${commit} (with uncommitted changes)` : commit };
}
