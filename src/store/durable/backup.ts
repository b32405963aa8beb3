import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { open } from "lmdb";
import { DataDirError } from "./data-dir.js";
import { openDatabase } from "./database.js";
import { preflight } from "./preflight.js";
import { recover } from "./recovery.js";

/**
 * Writes a consistent, compacted snapshot of a data dir's database to `file`, while a Baton may be
 * serving from it: LMDB readers in another process see one committed transaction and never block
 * the writer. The copy is made beside `file` and renamed into place, so `file` is never half
 * written.
 */
export async function backupDataDir(dataDir: string, file: string): Promise<void> {
  const dir = resolve(dataDir);
  const target = resolve(file);
  if (!existsSync(join(dir, "data.mdb"))) throw new DataDirError(`data dir ${dir}: holds no database (no data.mdb)`);
  preflight(dir);
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}-`));
  const db = open<Buffer, string>({ path: dir, noSubdir: false, encoding: "binary", readOnly: true });
  try {
    await db.backup(staging, true);
    renameSync(join(staging, "data.mdb"), target);
  } finally {
    await db.close();
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Makes `dataDir` (new or empty of a database) start from the snapshot in `file`: checks the
 * snapshot by opening it and reading every record, then puts it in place. Refuses to overwrite a
 * data dir that already holds a database. Returns what the snapshot holds.
 */
export async function restoreDataDir(file: string, dataDir: string, log: (m: string) => void): Promise<{ locks: number; signals: number }> {
  const dir = resolve(dataDir);
  if (existsSync(join(dir, "data.mdb"))) {
    throw new DataDirError(`data dir ${dir}: already holds a database; restore into a new dir, or move this one aside first`);
  }
  const staging = `${dir}.restoring`;
  rmSync(staging, { recursive: true, force: true });
  try {
    mkdirSync(staging, { recursive: true });
    copyFileSync(resolve(file), join(staging, "data.mdb"));
    const database = openDatabase(staging, "full", log);
    let found;
    try {
      found = recover(database.db, staging, Date.now());
    } finally {
      await database.close();
    }
    rmSync(join(staging, "lock.mdb"), { force: true });
    mkdirSync(dir, { recursive: true });
    renameSync(join(staging, "data.mdb"), join(dir, "data.mdb"));
    return { locks: found.locks.size, signals: found.signals.length };
  } catch (error) {
    if (error instanceof DataDirError) throw new DataDirError(error.message.replace(staging, `backup ${file}`));
    throw error;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
