import { resolve } from "node:path";
import { openDatabase, type Database, type Durability } from "./database.js";
import { GroupCommit } from "./group-commit.js";
import { recover, type Recovered } from "./recovery.js";

/**
 * What the lock store and the rendezvous store of one data dir share: one LMDB environment, one
 * group commit (so a batch carries both kinds of change under one fsync) and what start-up found.
 */
export interface DurableHandle {
  readonly database: Database;
  readonly commits: GroupCommit;
  readonly recovered: Recovered;
  /** Gives up this store's share; the last one closes the database and frees the data dir. */
  release(): Promise<void>;
}

/** Where and how: parsed from a `durable:` store spec. */
export interface DurableSpec {
  dataDir: string;
  durability: Durability;
}

interface Shared {
  database: Database;
  commits: GroupCommit;
  recovered: Recovered;
  users: number;
}

const open = new Map<string, Shared>();

/**
 * Opens the data dir, or joins the process's open handle on it (app.ts opens the lock store and
 * the rendezvous store separately from the same setting).
 */
export function acquireHandle(spec: DurableSpec, log: (message: string) => void): DurableHandle {
  const dir = resolve(spec.dataDir);
  let shared = open.get(dir);
  if (shared !== undefined && shared.database.durability !== spec.durability) {
    throw new Error(`data dir ${dir} is already open with durability ${shared.database.durability}`);
  }
  if (shared === undefined) {
    const database = openDatabase(dir, spec.durability, log);
    let recovered: Recovered;
    try {
      recovered = recover(database.db, dir, Date.now());
    } catch (error) {
      void database.close();
      throw error;
    }
    if (recovered.expiredLeases + recovered.expiredSignals > 0) {
      log(`baton: data dir ${dir}: ${recovered.expiredLeases} lease(s) and ${recovered.expiredSignals} signal(s) expired while Baton was down`);
    }
    shared = { database, commits: new GroupCommit(database), recovered, users: 0 };
    open.set(dir, shared);
  }
  shared.users++;
  const s = shared;
  let released = false;
  return {
    database: s.database,
    commits: s.commits,
    recovered: s.recovered,
    async release() {
      if (released) return;
      released = true;
      if (--s.users > 0) return;
      open.delete(dir);
      const { commits, operations, failures } = s.commits.stats();
      if (commits > 0) {
        log(`baton: durable store: ${commits} commits carried ${operations} operations (${(operations / commits).toFixed(1)} per flush), ${failures} failed`);
      }
      await s.database.close();
    },
  };
}
