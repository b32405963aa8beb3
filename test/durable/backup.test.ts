import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lockClient } from "../helpers/clients.js";
import { runBaton } from "../cli/run-baton.js";
import { removeTempDirs, tempDir } from "./temp-dir.js";
import { serveDurable } from "./serve.js";

afterAll(removeTempDirs);

describe("baton backup / baton restore", () => {
  it("snapshots a data dir while Baton serves and writes, and a restored dir starts from it", async () => {
    const dir = tempDir();
    const server = await serveDurable(dir);
    const client = lockClient("connect-binary-h2", server.url);
    const kept = (await client.acquire({ name: "deploy/prod", owner: "ci", ttlMs: 600_000n })).lease!;
    const reserved = await client.reserve({ prefix: "webmutex-like/" });
    // Writes keep flowing while the snapshot is taken.
    let writing = true;
    let writes = 0;
    const load = (async () => {
      while (writing) {
        const lease = (await client.acquire({ name: `busy/${writes % 10}`, ttlMs: 60_000n })).lease!;
        await client.release({ name: lease.name, token: lease.token });
        writes++;
      }
    })();
    const file = join(tempDir(), "baton.backup");
    const backup = await runBaton(["backup", "--to", file, "--data-dir", dir], server.url);
    writing = false;
    await load;
    expect(backup).toMatchObject({ code: 0, stderr: expect.stringContaining(`backed up ${dir} to ${file}`) });
    await server.stop();

    const restoredDir = join(tempDir(), "restored");
    const restore = await runBaton(["restore", "--from", file, "--data-dir", restoredDir], server.url);
    // deploy/prod and the reserved lock, plus a busy/N lease if the snapshot caught one held.
    expect(restore.stderr).toMatch(/restored .* \([23] active lock\(s\), 0 signal\(s\)\)/);
    expect(restore.code).toBe(0);
    // Restoring over a data dir that holds a database is refused.
    const again = await runBaton(["restore", "--from", file, "--data-dir", restoredDir], server.url);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringMatching(/already holds a database/) });

    const restored = await serveDurable(restoredDir);
    const c2 = lockClient("connect-binary-h2", restored.url);
    const lock = (await c2.describe({ name: "deploy/prod" })).lock!;
    expect(lock.holders.map((h) => [h.owner, h.fencing])).toEqual([["ci", kept.fencing]]);
    expect((await c2.describe({ name: reserved.name })).lock!.reserved).toBe(true);
    expect((await c2.release({ name: "deploy/prod", token: kept.token })).fencing).toBe(kept.fencing);
    await restored.stop();
    expect(writes).toBeGreaterThan(0);
  }, 60_000);

  it("says what is wrong with a file that is not a backup", async () => {
    const junk = join(tempDir(), "junk");
    await import("node:fs").then((fs) => fs.writeFileSync(junk, "not a database"));
    const result = await runBaton(["restore", "--from", junk, "--data-dir", join(tempDir(), "d")], "http://127.0.0.1:1");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/baton restore: data dir backup .*junk: .*not an LMDB file/);
  });
});
