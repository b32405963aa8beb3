#!/usr/bin/env node
// Runs the compiled server from dist/ (`npm run build`, which `npm start` runs) when it is at
// least as new as every source file; otherwise (or with BATON_FROM_SOURCE=1) runs the TypeScript
// sources through tsx, so a clone needs no build step and an edit is never hidden behind a stale
// build. The compiled
// code is leaner: tsx keeps function names by defining a property on every closure it creates,
// which costs each waiting stream about 1 KiB and every call some CPU (BENCHMARKS.md).
import { existsSync, readdirSync, statSync } from "node:fs";

const root = new URL("../", import.meta.url);
const compiled = new URL("dist/cli/main.js", root);

function newestMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = new URL(entry.name + (entry.isDirectory() ? "/" : ""), dir);
    newest = Math.max(newest, entry.isDirectory() ? newestMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

// An installed package carries dist/ without src/: then the build is all there is.
const sources = new URL("src/", root);
const fresh =
  process.env.BATON_FROM_SOURCE !== "1" && existsSync(compiled) && (!existsSync(sources) || statSync(compiled).mtimeMs >= newestMs(sources));
let cli;
if (fresh) {
  cli = await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import("../src/cli/main.ts");
}
// The commands read and write only through this: the real process's streams, env and signals.
process.exitCode = await cli.main(process.argv.slice(2), cli.processIo());
