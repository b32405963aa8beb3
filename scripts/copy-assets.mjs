// Copies what the compiled server reads at run time besides its JavaScript (the Redis stores'
// Lua scripts) from src/ to the same places under dist/, which `tsc` alone does not.
import { cpSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

const src = new URL("../src/", import.meta.url).pathname;
const dist = new URL("../dist/", import.meta.url).pathname;

function copy(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copy(path);
    else if (entry.name.endsWith(".lua")) cpSync(path, join(dist, relative(src, path)));
  }
}
copy(src);
