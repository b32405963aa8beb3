import { open, type RootDatabase } from "lmdb";
import { resolve } from "node:path";
import { decodeFormat, encodeFormat, FORMAT_KEY, FORMAT_VERSION } from "./codec.js";
import { claimDataDir, DataDirError } from "./data-dir.js";
import { preflight } from "./preflight.js";

/**
 * `full`: an operation is answered once its transaction is fsync'd. `relaxed`: once it is
 * committed to the operating system (it survives the process dying, kill -9 included); the
 * fsync follows within RELAXED_FLUSH_MS, so an OS crash or power cut loses at most that much.
 */
export type Durability = "full" | "relaxed";

/** How often relaxed durability flushes committed transactions to disk. */
export const RELAXED_FLUSH_MS = 100;

/** The LMDB environment of one data dir, owned by this process. */
export interface Database {
  readonly dir: string;
  readonly durability: Durability;
  readonly db: RootDatabase<Buffer, string>;
  /** Marks that a transaction committed, so relaxed mode flushes it soon. */
  noteCommit(): void;
  /** Flushes, closes the environment and gives up the data dir. */
  close(): Promise<void>;
}

/**
 * Opens (creating on first use) the database under `dir`: claims the dir, checks the file before
 * LMDB maps it, and checks the format version. Every failure is an Error that says what is wrong
 * and how to recover.
 */
export function openDatabase(dirInput: string, durability: Durability, log: (message: string) => void): Database {
  const dir = resolve(dirInput);
  const release = claimDataDir(dir, log);
  let db: RootDatabase<Buffer, string>;
  try {
    try {
      preflight(dir);
    } catch (error) {
      throw new DataDirError(`data dir ${dir}: ${(error as Error).message}. ${RECOVER}`);
    }
    try {
      db = open<Buffer, string>({
        path: dir,
        // lmdb guesses "a file, not a dir" from a dot in the name (baton.data); say it.
        noSubdir: false,
        encoding: "binary",
        // Full durability commits synchronously with LMDB's own fsyncs (data, then meta page);
        // relaxed commits without them and flushes on a timer.
        overlappingSync: false,
        noSync: durability === "relaxed",
        cache: false,
      });
    } catch (error) {
      throw new DataDirError(`data dir ${dir}: LMDB cannot open it (${(error as Error).message}). ${RECOVER}`);
    }
    checkFormat(dir, db);
  } catch (error) {
    release();
    throw error;
  }
  let dirty = false;
  let flushing: Promise<void> | undefined;
  const flush = (): Promise<void> =>
    new Promise<void>((done) => {
      dirty = false;
      // `sync` (mdb_env_sync on a worker thread) is in lmdb's JavaScript but not in its types.
      (db as unknown as { sync(cb: (error?: Error) => void): void }).sync((error?: Error) => {
        if (error) log(`baton: data dir ${dir}: flush failed (${error.message})`);
        done();
      });
    });
  const timer =
    durability === "relaxed"
      ? setInterval(() => {
          if (dirty && flushing === undefined) flushing = flush().finally(() => (flushing = undefined));
        }, RELAXED_FLUSH_MS)
      : undefined;
  timer?.unref();
  return {
    dir,
    durability,
    db,
    noteCommit: () => {
      dirty = true;
    },
    async close() {
      if (timer) clearInterval(timer);
      await flushing;
      if (dirty) await flush();
      await db.close();
      release();
    },
  };
}

/** What the error messages say about getting going again. */
export const RECOVER =
  "Restore the last backup (baton restore --from FILE --data-dir NEWDIR) and start on that dir, " +
  "or move this dir aside and start empty (every lease and fencing counter in it is then forgotten)";

function checkFormat(dir: string, db: RootDatabase<Buffer, string>): void {
  const raw = db.get(FORMAT_KEY);
  if (raw === undefined) {
    for (const _entry of db.getKeys({ limit: 1 })) {
      throw new DataDirError(`data dir ${dir}: has Baton records but no format record. ${RECOVER}`);
    }
    db.transactionSync(() => db.putSync(FORMAT_KEY, encodeFormat(FORMAT_VERSION)));
    return;
  }
  let version: number;
  try {
    version = decodeFormat(raw);
  } catch (error) {
    throw new DataDirError(`data dir ${dir}: ${(error as Error).message}. ${RECOVER}`);
  }
  if (version > FORMAT_VERSION) {
    throw new DataDirError(
      `data dir ${dir}: written by a newer Baton (data format ${version}; this Baton reads format ${FORMAT_VERSION}). ` +
        `Run the newer Baton, or restore a backup taken by this version.`,
    );
  }
}
