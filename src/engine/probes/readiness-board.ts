import type { ReadyEvent } from "./wait-ready.js";

/** A readiness wait as the admin API shows it. */
export interface ReadinessRecord {
  target: string;
  sinceMs: number;
  attempts: number;
  lastError: string;
}

/** What a readiness wait reports to the board while it polls. */
export interface ReadinessEntry {
  /** Takes note of an attempt's outcome. */
  record(event: ReadyEvent): void;
  /** The wait is over (ready, timed out or gone): it leaves the board. */
  done(): void;
}

/**
 * The readiness waits of this instance that are polling now, for the admin API: one small record
 * per wait, removed when the wait ends, so the board is as large as the waits themselves.
 */
export class ReadinessBoard {
  private readonly waits = new Set<ReadinessRecord>();

  /** Puts a wait on the board. */
  add(target: string, nowMs = Date.now()): ReadinessEntry {
    const record: ReadinessRecord = { target, sinceMs: nowMs, attempts: 0, lastError: "" };
    this.waits.add(record);
    return {
      record: (event) => {
        if (event.type === "failed") {
          record.attempts = event.attempt;
          record.lastError = event.error;
        } else record.attempts = event.attempts;
      },
      done: () => this.waits.delete(record),
    };
  }

  /** The waits polling now, oldest first (copies). */
  list(): ReadinessRecord[] {
    return [...this.waits].map((w) => ({ ...w }));
  }

  /** How many waits are polling. */
  get size(): number {
    return this.waits.size;
  }
}
