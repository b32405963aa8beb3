import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { startCompatServer, type CompatServer } from "./compat-server.js";

const run = promisify(execFile);
const tools = await Promise.all(["curl", "jq"].map((tool) => run("sh", ["-c", `command -v ${tool}`]).then(() => true, () => false)));
const haveTools = tools.every(Boolean);
if (!haveTools) console.warn("\n*** webmutex-script.test.ts: curl and jq are not installed, so the seed's shell script was NOT replayed ***\n");

let server: CompatServer;
let dir: string;
afterEach(async () => {
  await server?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

// The seed's example, word for word where it talks to the service (jq without -r, curl -F, the
// `while ! curl -f` loop); the artifactory steps become a read-modify-write of a counter file
// that loses updates unless the mutex really excludes.
const RESERVE = `curl -s -X POST "$BASE/reserve" > mutex`;
const WORKER = `
mutex=$(jq .id < mutex)
while ! curl -s -f -X POST "$BASE/grab" -F "id=$mutex" >mymutex; do
    sleep 0.05 # either loop like this or subscribe to the mutex
done
token=$(jq .token < mymutex)
n=$(cat counter); sleep 0.05; echo $((n + 1)) > counter
curl -s -f -X POST "$BASE/release" -F "id=$mutex" -F "token=$token"
`;

describe("WebMutex: the seed's shell example", () => {
  it.skipIf(!haveTools)("runs unchanged against Baton: 6 concurrent workers, no lost update", async () => {
    server = await startCompatServer();
    dir = await mkdtemp(join(tmpdir(), "baton-webmutex-"));
    const env = { ...process.env, BASE: `${server.url}/webmutex` };
    await run("bash", ["-c", RESERVE], { cwd: dir, env });
    await writeFile(join(dir, "counter"), "0\n");
    const workers = 6;
    await Promise.all(
      Array.from({ length: workers }, async (_, i) => {
        // Each worker has its own mymutex file, as each CI instance did.
        const own = join(dir, `w${i}`);
        await run("bash", ["-c", `mkdir -p ${own} && cp mutex ${own}/ && cd ${own} && ln -s ../counter counter && ${WORKER}`], { cwd: dir, env });
      }),
    );
    expect((await readFile(join(dir, "counter"), "utf8")).trim()).toBe(String(workers));
    const id = JSON.parse(await readFile(join(dir, "mutex"), "utf8")).id as string;
    const lock = await server.engine.describe(id);
    expect([lock.reserved, lock.holders.length]).toEqual([true, 0]);
  });
});
