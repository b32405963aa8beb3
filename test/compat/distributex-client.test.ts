import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, buildConfig, settingsFromFile } from "../../src/config.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * Distributex's own server config, as its repository ships it (calston/distributex,
 * distributex.yaml): a memcached backend and three pools. Baton must accept it unchanged.
 */
const DISTRIBUTEX_YAML = `backend: memcache
memcachehost: localhost
pools:
    - name: test1
      expire: 3600

    - name: test2
      expire: 3600

    - name: test3
      maxlocks: 5
`;

/**
 * The Distributex client's requests, replayed with curl: it builds
 * `http://HOST:PORT/%s/?pool=POOL&host=FQDN`, GETs `wait` (held open until YES), runs the command
 * when the answer is YES, then GETs `release`. Each simulated machine has its own host name.
 */
const CLIENT = `
set -e
uri="$SERVER/%s/?pool=$POOL&host=$HOST"
lock=$(curl -s "$(printf "$uri" wait)")
if [[ $lock == YES ]]; then
  sh -c "$COMMAND"
  curl -s "$(printf "$uri" release)" > /dev/null
else
  echo "Error obtaining lock, server said $lock" >&2
  exit 1
fi
`;

/** The command each client runs while it holds the pool: marks its start and end, and bumps a counter non-atomically. */
const COMMAND = `echo "start $HOST" >> events; n=$(cat counter); sleep 0.05; echo $((n + 1)) > counter; echo "end $HOST" >> events`;

const run = promisify(execFile);
const haveTools = (await Promise.all(["curl", "bash"].map((t) => run("sh", ["-c", `command -v ${t}`]).then(() => true, () => false)))).every(Boolean);
if (!haveTools) console.warn("\n*** distributex-client.test.ts: bash or curl is missing, so the client flow was NOT replayed ***\n");

let server: TestServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  server = undefined;
  dir = undefined;
});

/** The most clients that held the pool at once, from the start/end events they wrote. */
function mostAtOnce(events: string): number {
  let now = 0;
  let most = 0;
  for (const line of events.trim().split("\n")) {
    now += line.startsWith("start ") ? 1 : -1;
    most = Math.max(most, now);
  }
  return most;
}

describe("Distributex's own config file and client", () => {
  it("accepts the repository's distributex.yaml as it is, ignoring the backend with a warning", async () => {
    dir = await mkdtemp(join(tmpdir(), "baton-distributex-"));
    await writeFile(join(dir, "distributex.yaml"), DISTRIBUTEX_YAML);
    const warnings: string[] = [];
    const config = buildConfig(settingsFromFile(join(dir, "distributex.yaml"), (m) => warnings.push(m)), {}, {});
    expect(warnings).toEqual([expect.stringContaining("ignoring Distributex's backend settings (backend, memcachehost)")]);
    expect(config.pools.map((p) => [p.pattern, p.limit, p.defaultTtlMs])).toEqual([
      ["test1", undefined, 3_600_000],
      ["test2", undefined, 3_600_000],
      ["test3", 5, 30 * 60_000],
    ]);
    expect(config.store).toBe(DEFAULT_CONFIG.store); // the memcache backend is ignored, not mapped to a store
  });

  it.skipIf(!haveTools)("runs the client's wait / command / release flow with exclusion, and maxlocks as a semaphore", async () => {
    dir = await mkdtemp(join(tmpdir(), "baton-distributex-"));
    // The stock client calls /wait/ at the root, so the layer is mounted there as well.
    await writeFile(join(dir, "distributex.yaml"), DISTRIBUTEX_YAML + "compat:\n  root: distributex\n");
    const config = buildConfig(settingsFromFile(join(dir, "distributex.yaml"), () => undefined), {}, {});
    server = await startServer({ pools: config.pools, compat: config.compat });

    for (const [pool, limit] of [["test1", 1], ["test3", 5]] as const) {
      const work = join(dir, pool);
      await run("sh", ["-c", `mkdir -p ${work} && echo 0 > ${work}/counter`]);
      const clients = 8;
      await Promise.all(
        Array.from({ length: clients }, (_, i) =>
          run("bash", ["-c", CLIENT], { cwd: work, env: { ...process.env, SERVER: server!.url, POOL: pool, HOST: `node${i}.example.com`, COMMAND } }),
        ),
      );
      const events = await readFile(join(work, "events"), "utf8");
      expect(events.trim().split("\n")).toHaveLength(2 * clients);
      expect(mostAtOnce(events)).toBeLessThanOrEqual(limit);
      if (limit === 1) expect((await readFile(join(work, "counter"), "utf8")).trim()).toBe(String(clients));
      expect((await server.app.engine.describe(pool)).holders).toEqual([]);
    }
  });
});
