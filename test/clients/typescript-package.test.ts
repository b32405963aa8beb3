import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url).pathname;

// The TypeScript client as a user gets it: `npm pack`, installed into an empty project, imported
// by its package name; its README's example runs there as written.
let server: TestServer;
let project: string;
beforeAll(async () => {
  if (!existsSync(join(root, "dist/client/index.js"))) await run("npm", ["run", "build"], { cwd: root });
  project = mkdtempSync(join(tmpdir(), "baton-ts-client-"));
  const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", project], { cwd: root });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-project", private: true, type: "module" }));
  // Every dependency is in npm's cache already (the project's own `npm ci` put it there).
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", join(project, packed!.filename)], { cwd: project, timeout: 170_000 });
  server = await startServer();
}, 180_000);
afterAll(async () => {
  await server?.close();
  if (project !== undefined) rmSync(project, { recursive: true, force: true });
});

describe("the TypeScript client as an npm package", () => {
  it("runs the README's example, imported as baton/client", async () => {
    const readme = readFileSync(join(root, "clients/typescript/README.md"), "utf8");
    const example = readFileSync(join(root, "clients/typescript/example.mjs"), "utf8");
    // The README shows the example file itself, so what it shows is what runs here.
    expect(readme).toContain(example.trim());
    writeFileSync(join(project, "example.mjs"), example);
    const { stdout } = await run("node", ["example.mjs"], { cwd: project, env: { ...process.env, BATON_URL: server.url }, timeout: 30_000 });
    expect(stdout).toMatch(/deploying with fencing token \d+/);
    expect(stdout).toContain("deployed v42");
    expect(stdout).toContain("second try while held: held");
    expect(stdout).toContain("held by deployer@ci-7");
    expect(stdout).toMatch(/GPU slot \d+ of 3/);
    expect(stdout).toContain('migration signalled: {"version":42}');
  }, 60_000);

  it("imports from CommonJS with import(), and from the package root", async () => {
    writeFileSync(join(project, "probe.cjs"), 'import("baton").then((m) => import("baton/client").then((c) => console.log(typeof m.createBatonClient, typeof c.createBatonClient)));\n');
    const { stdout } = await run("node", ["probe.cjs"], { cwd: project });
    expect(stdout.trim()).toBe("function function");
  });

  it("does not load the server's dependencies (stores, Redis, Postgres, LMDB) when imported", async () => {
    // A loader hook lists every module the import resolves.
    writeFileSync(join(project, "hooks.mjs"), "export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write(r.url + '\\n'); return r; }\n");
    writeFileSync(join(project, "register.mjs"), 'import { register } from "node:module"; register("./hooks.mjs", import.meta.url);\n');
    writeFileSync(join(project, "load.mjs"), 'await import("baton/client");\n');
    const { stderr } = await run("node", ["--import", "./register.mjs", "load.mjs"], { cwd: project });
    const loaded = stderr.split("\n").filter((line) => line.startsWith("file:") || line.startsWith("node:"));
    expect(loaded.some((url) => url.includes("/dist/client/"))).toBe(true);
    expect(loaded.filter((url) => /\/(ioredis|pg|lmdb|zod)\/|\/dist\/(server|store|engine|cli)\//.test(url))).toEqual([]);
  });

  it("ships type declarations for the client", () => {
    expect(existsSync(join(project, "node_modules/baton/dist/client/index.d.ts"))).toBe(true);
  });
});
