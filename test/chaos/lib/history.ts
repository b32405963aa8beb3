/**
 * What happened during a chaos run, as the clients and the fault injector saw it: every grant
 * with its holder's interval, every write the fenced resource was asked to take, every fault.
 * Times are milliseconds on one clock shared by every process of the run (see `nowMs`).
 */

/** Wall-clock milliseconds with sub-millisecond resolution; comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** One granted permit, from the request that asked for it to the moment its holder let go. */
export interface GrantRecord {
  /** Unique per grant: `worker#n`. */
  id: string;
  worker: string;
  lock: string;
  fencing: bigint;
  /** When the acquire was sent. */
  sentAt: number;
  /** When the grant reached the client. */
  grantedAt: number;
  /** The lease's expiry as the server stated it (server clock = this machine's clock). */
  expiresAt: number;
  /** When the holder stopped using it (sent its release, or gave up); undefined while held. */
  endAt?: number;
  /** How it ended. */
  end?: "released" | "release-failed" | "abandoned";
}

/** One write the fenced resource was asked to take. */
export interface WriteRecord {
  grant: string;
  lock: string;
  fencing: bigint;
  at: number;
  accepted: boolean;
}

/** One injected fault. */
export interface FaultRecord {
  kind: string;
  /** What it hit: an instance, Redis, a client worker id (or a set of them). */
  targets: string[];
  at: number;
  /** When service is due back: a restart finished, SIGCONT sent, a paused holder's TTL ran out. */
  healedAt: number;
}

/** A client worker of the run. Steady workers must be granted again after every fault. */
export interface WorkerRecord {
  id: string;
  kind: string;
  steady: boolean;
  startedAt: number;
  stoppedAt?: number;
}

/** The whole record of a run; plain data, so child processes can send their parts by IPC. */
export class History {
  readonly grants: GrantRecord[] = [];
  readonly writes: WriteRecord[] = [];
  readonly faults: FaultRecord[] = [];
  readonly workers = new Map<string, WorkerRecord>();
  /** Errors the clients met, by `kind:code`. */
  readonly errors = new Map<string, number>();
  private readonly open = new Map<string, GrantRecord>();

  worker(record: WorkerRecord): void {
    this.workers.set(record.id, record);
  }

  stopWorker(id: string, at = nowMs()): void {
    const w = this.workers.get(id);
    if (w !== undefined && w.stoppedAt === undefined) w.stoppedAt = at;
  }

  grant(record: GrantRecord): void {
    this.grants.push(record);
    this.open.set(record.id, record);
  }

  end(id: string, at: number, how: NonNullable<GrantRecord["end"]>): void {
    const g = this.open.get(id);
    if (g === undefined) return;
    g.endAt = at;
    g.end = how;
    this.open.delete(id);
  }

  /** Whether `worker` holds a grant it has not let go of. */
  holding(worker: string): boolean {
    for (const g of this.open.values()) if (g.worker === worker) return true;
    return false;
  }

  write(record: WriteRecord): void {
    this.writes.push(record);
  }

  error(kind: string, code: string): void {
    const key = `${kind}:${code}`;
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  /** Records a fault; `healedAt` defaults to `at` (service is expected to continue at once). */
  fault(kind: string, targets: string[], at: number, healedAt = at): FaultRecord {
    const f = { kind, targets, at, healedAt };
    this.faults.push(f);
    return f;
  }

  /** Grants whose holders never said they let go (killed clients): their interval ends at `at`. */
  closeOpen(at: number, workers?: ReadonlySet<string>): void {
    for (const [id, g] of [...this.open]) if (workers === undefined || workers.has(g.worker)) this.end(id, at, "abandoned");
  }
}
