import { StoreUnavailableError } from "../errors.js";
import type { Database } from "./database.js";

/** A store whose pending changes go into the next transaction. */
export interface Participant {
  /** Writes the pending changes; runs inside the write transaction. */
  write(): void;
  /** The transaction is durable: deliver its events, answer its operations. */
  committed(): void;
  /** The transaction failed and nothing of it is on disk: undo, and fail its operations. */
  failed(error: StoreUnavailableError): void;
}

/** Figures for the bench and the shutdown line. */
export interface CommitStats {
  commits: number;
  operations: number;
  failures: number;
}

interface Batch {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: StoreUnavailableError) => void;
  operations: number;
}

/**
 * Group commit. Operations change state in memory at once and join the open batch; at the end of
 * the event-loop turn (setImmediate: after every request that arrived in this turn) one LMDB
 * transaction writes the batch and, under full durability, fsyncs it. Operations that arrive
 * while that runs join the next batch, so concurrent operations share one flush. Commits are
 * synchronous and strictly one after another, so a failed one is undone before anything builds
 * on it.
 */
export class GroupCommit {
  private batch: Batch | undefined;
  private readonly dirty = new Set<Participant>();
  private readonly totals: CommitStats = { commits: 0, operations: 0, failures: 0 };

  constructor(private readonly database: Database) {}

  /** Adds one operation of `participant` to the open batch; resolves once it is durable. */
  join(participant: Participant): Promise<void> {
    this.dirty.add(participant);
    const batch = this.open();
    batch.operations++;
    return batch.promise;
  }

  /**
   * Resolves once every change made so far is durable: a read must not show state (a holder's
   * fencing token, say) that a crash could still take back.
   */
  settled(): Promise<void> {
    return this.batch?.promise ?? Promise.resolve();
  }

  /** Commit figures since start. */
  stats(): CommitStats {
    return { ...this.totals };
  }

  private open(): Batch {
    if (this.batch !== undefined) return this.batch;
    let resolve!: () => void;
    let reject!: (error: StoreUnavailableError) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Reads await the batch too; a failure is theirs to report, never an unhandled rejection.
    promise.catch(() => {});
    const batch: Batch = { promise, resolve, reject, operations: 0 };
    this.batch = batch;
    setImmediate(() => this.commit(batch));
    return batch;
  }

  private commit(batch: Batch): void {
    const participants = [...this.dirty];
    this.dirty.clear();
    this.batch = undefined;
    const { db } = this.database;
    try {
      db.transactionSync(() => {
        for (const p of participants) p.write();
      });
    } catch (error) {
      this.totals.failures++;
      // LMDB aborted the transaction: the file holds the previous commit, nothing of this one.
      db.resetReadTxn();
      const failure = new StoreUnavailableError(
        `durable store: cannot write to ${this.database.dir} (${(error as Error).message})`,
        { cause: error },
      );
      for (const p of participants) p.failed(failure);
      batch.reject(failure);
      return;
    }
    this.totals.commits++;
    this.totals.operations += batch.operations;
    this.database.noteCommit();
    for (const p of participants) p.committed();
    batch.resolve();
  }
}
