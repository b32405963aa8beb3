import { execFileSync } from "node:child_process";
import { mkdirSync, openSync, closeSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { open } from "lmdb";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { formatDurableSpec } from "../../src/store/durable/spec.js";
import { encodeFormat, FORMAT_KEY } from "../../src/store/durable/codec.js";
import { StoreUnavailableError } from "../../src/store/errors.js";
import { newToken } from "../../src/store/token.js";
import type { Store } from "../../src/store/types.js";
import { removeTempDirs, tempDir } from "./temp-dir.js";

afterAll(removeTempDirs);

const acquire = (store: Store, name: string) =>
  store.acquire({ name, owner: "t", ttlMs: 60_000, maxQueueLength: 10, token: newToken() });

/** A data dir holding one granted lease, closed cleanly. */
async function populated(): Promise<string> {
  const dir = tempDir();
  const store = await openStore(formatDurableSpec(dir, "full"));
  await acquire(store, "a");
  await store.close();
  return dir;
}

/** Runs `fn` with a tmpfs of `sizeKiB` mounted (options `extra`), or says why it cannot mount here. */
function withTmpfs(sizeKiB: number, extra: string): string | undefined {
  const dir = tempDir("baton-tmpfs");
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKiB}k${extra}`, "tmpfs", dir], { stdio: "ignore" });
    return dir;
  } catch {
    return undefined;
  }
}

function unmount(dir: string): void {
  execFileSync("umount", [dir], { stdio: "ignore" });
}

/** Whether this machine lets the tests mount a tmpfs (root in CI here); else those cases show as skipped. */
const TMPFS = ((): boolean => {
  const dir = withTmpfs(64, "");
  if (dir === undefined) return false;
  unmount(dir);
  return true;
})();

describe("durable store: bad disk states get clear answers", () => {
  it("refuses a data dir written by a newer format version", async () => {
    const dir = await populated();
    const db = open<Buffer, string>({ path: dir, noSubdir: false, encoding: "binary" });
    db.transactionSync(() => db.putSync(FORMAT_KEY, encodeFormat(99)));
    await db.close();
    await expect(openStore(formatDurableSpec(dir, "full"))).rejects.toThrow(
      /written by a newer Baton \(data format 99; this Baton reads format 1\)/,
    );
  });

  it("refuses a damaged record and says how to recover, and frees the dir for the next try", async () => {
    const dir = await populated();
    const db = open<Buffer, string>({ path: dir, noSubdir: false, encoding: "binary" });
    // A lock record whose bytes no longer match their checksum (bit rot, a bad copy).
    db.transactionSync(() => db.putSync("l/a", Buffer.from("\x00\x00\x00\x00{}")));
    await db.close();
    const error = await openStore(formatDurableSpec(dir, "full")).catch((e: Error) => e);
    expect(String(error)).toMatch(/record "l\/a" is damaged \(checksum mismatch\)\. Restore the last backup/);
    // The failed start gave up the dir: the refusal is about the damage, not about an owner.
    expect(String(await openStore(formatDurableSpec(dir, "full")).catch((e: Error) => e))).toMatch(/checksum mismatch/);
  });

  it("refuses a truncated file before mapping it (no SIGBUS), and a file that is not LMDB", async () => {
    const dir = await populated();
    const file = join(dir, "data.mdb");
    truncateSync(file, statSync(file).size - 4096);
    await expect(openStore(formatDurableSpec(dir, "full"))).rejects.toThrow(/data\.mdb is truncated: \d+ bytes, its last transaction needs \d+/);
    const fd = openSync(file, "r+");
    writeSync(fd, Buffer.alloc(8192, 0x41), 0, 8192, 0);
    closeSync(fd);
    await expect(openStore(formatDurableSpec(dir, "full"))).rejects.toThrow(/is not an LMDB file/);
  });

  it.skipIf(!TMPFS)("refuses a data dir it cannot write (a read-only tmpfs), saying so", async () => {
    const dir = withTmpfs(1024, ",ro")!;
    try {
      await expect(openStore(formatDurableSpec(dir, "full"))).rejects.toThrow(/data dir .* is not writable \(EROFS\)/);
    } finally {
      unmount(dir);
    }
  });

  it.skipIf(!TMPFS)("fails operations with unavailable on a full disk (a 2 MiB tmpfs), stays consistent, recovers when space is back", async () => {
    const mount = withTmpfs(2048, "")!;
    try {
      const dir = join(mount, "data");
      mkdirSync(dir);
      const spec = formatDurableSpec(dir, "full");
      let store = await openStore(spec);
      const before = await acquire(store, "kept");
      expect(before.kind).toBe("granted");
      // Fill the file system with another file, as a log or a core dump would.
      const filler = join(mount, "filler");
      try {
        writeFileSync(filler, Buffer.alloc(4 * 1024 * 1024));
      } catch {
        // ENOSPC: the filler took what there was.
      }
      const big = "x".repeat(200);
      let failure: unknown;
      const granted: string[] = [];
      for (let i = 0; i < 5000 && failure === undefined; i++) {
        const name = `fill/${i}/${big}`;
        try {
          if ((await acquire(store, name)).kind === "granted") granted.push(name);
        } catch (error) {
          failure = error;
        }
      }
      expect(failure).toBeInstanceOf(StoreUnavailableError);
      expect(String(failure)).toMatch(/cannot write to .*(No space left|ENOSPC|MDB_MAP_FULL)/i);
      // Nothing half-written: the lock whose grant failed is free, reads still answer.
      const failedName = `fill/${granted.length}/${big}`;
      expect((await store.describe(failedName)).holders).toEqual([]);
      expect((await store.describe("kept")).holders).toHaveLength(1);
      rmSync(filler);
      expect((await acquire(store, failedName)).kind).toBe("granted");
      await store.close();
      store = await openStore(spec);
      expect((await store.describe(failedName)).holders).toHaveLength(1);
      expect((await store.describe("kept")).holders).toHaveLength(1);
      for (const name of granted.slice(-3)) expect((await store.describe(name)).holders).toHaveLength(1);
      await store.close();
    } finally {
      unmount(mount);
    }
  }, 60_000);
});
