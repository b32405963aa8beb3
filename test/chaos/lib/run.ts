import type { BatonProcess, Crash } from "./baton-process.js";
import { check, violations } from "./checker.js";
import { ChildClients } from "./child-clients.js";
import { FencedResource } from "./fenced-resource.js";
import { History, nowMs } from "./history.js";
import { percentile, recordRow, type Row } from "./report.js";
import { Worker, type WorkerSink, type WorkerSpec } from "./worker.js";

const STOP_TIMEOUT_MS = 15_000;

/** Options of a chaos run. */
export interface RunOptions {
  /** Every steady client must be granted again within this long after each fault heals. */
  recoveryBoundMs: number;
}

/**
 * One scenario's run: the history, the fenced resource, the clients (in this process and in
 * child processes), the servers it watches for crashes, and the faults it injects. `finish`
 * stops everything, applies the checker and prints the scenario's row.
 */
export class Run {
  readonly history = new History();
  readonly resource = new FencedResource(this.history);
  readonly servers: BatonProcess[] = [];
  private readonly workers: Worker[] = [];
  private readonly children: ChildClients[] = [];
  private readonly problems: string[] = [];
  private readonly rejections: unknown[] = [];
  private readonly onRejection = (reason: unknown): void => void this.rejections.push(reason);
  fuzzed = 0;
  /** Faults counted without a recovery check (the fuzzer's crashes, mass disconnects). */
  extraFaults = 0;

  constructor(
    readonly scenario: string,
    readonly options: RunOptions,
  ) {
    // In-process clients: any rejection nobody handled is a leak, and fails the scenario.
    process.on("unhandledRejection", this.onRejection);
  }

  private readonly sink: WorkerSink = {
    grant: (r) => this.history.grant(r),
    end: (g, at, how) => this.history.end(g, at, how),
    error: (kind, code) => this.history.error(kind, code),
    write: async (g, lock, fencing) => this.resource.write(g, lock, fencing),
  };

  /** Starts workers in this process; steady ones must recover after every fault. */
  startWorkers(specs: WorkerSpec[], steady = true): Worker[] {
    const at = nowMs();
    const started = specs.map((spec) => {
      this.history.worker({ id: spec.id, kind: spec.kind, steady, startedAt: at });
      const w = new Worker(spec, this.sink);
      w.start();
      return w;
    });
    this.workers.push(...started);
    return started;
  }

  /** Starts workers in a child process of their own. */
  async startChild(name: string, specs: WorkerSpec[], steady = true): Promise<ChildClients> {
    const child = new ChildClients(name, specs, this.history, this.resource);
    this.children.push(child);
    await child.start(steady);
    return child;
  }

  /**
   * Injects a fault: records its start, runs `inject`, then `heal` (if any) and records when
   * service is due back (`healedAt`, or the end of `heal`, or the start).
   */
  async fault(kind: string, targets: string[], inject: () => Promise<void> | void, heal?: () => Promise<void> | void, healedAt?: () => number): Promise<void> {
    const at = nowMs();
    await inject();
    if (heal !== undefined) await heal();
    this.history.fault(kind, targets, at, healedAt?.() ?? (heal === undefined ? at : nowMs()));
  }

  /**
   * Runs a scenario's body; anything it throws (a server that died under it, a client call that
   * could not be made) becomes a problem of the run, so `finish` still reports everything.
   */
  async guard(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      this.problems.push(`the scenario stopped early: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      await this.stopClients();
    }
  }

  /** A failure found outside the history (stuck queues, a dead health check, …). */
  problem(message: string | undefined): void {
    if (message !== undefined) this.problems.push(message);
  }

  /** Stops every client: in-process workers finish their holds, child processes are asked to exit. */
  async stopClients(): Promise<void> {
    // A call the server never ends must not hang the suite: it is reported instead.
    const stuck: string[] = [];
    const stopWorker = (w: Worker): Promise<void> =>
      Promise.race([w.stop(), new Promise<void>((resolve) => setTimeout(() => (stuck.push(w.spec.id), resolve()), STOP_TIMEOUT_MS).unref())]);
    await Promise.all([...this.workers.map(stopWorker), ...this.children.map((c) => c.stop())]);
    if (stuck.length > 0) this.problem(`${stuck.length} clients still in a call ${STOP_TIMEOUT_MS} ms after they were stopped (cancelled): ${stuck.slice(0, 5).join(", ")}`);
    this.workers.length = 0;
    const at = nowMs();
    for (const w of this.workers) this.history.stopWorker(w.spec.id, at);
    this.history.closeOpen(at);
  }

  /** Applies the checker, prints the row, and returns it; the caller asserts `row.problems` is empty. */
  finish(): Row {
    process.off("unhandledRejection", this.onRejection);
    const v = check(this.history, { recoveryBoundMs: this.options.recoveryBoundMs });
    const serverCrashes = this.servers.flatMap((s) => s.crashes);
    const clientCrashes = this.children.flatMap((c) => (c.crash === undefined ? [] : [c.crash]));
    const bySignature = new Map<string, Crash[]>();
    for (const c of serverCrashes) bySignature.set(c.signature, [...(bySignature.get(c.signature) ?? []), c]);
    const errors = [...this.history.errors].map(([k, n]) => `${k}×${n}`).join(", ");
    // Workers always wait (waitMs > 0), so `aborted` (a try that found the lock held) is never
    // the true answer: a client that reports it misnames a failure (issue 10, bug 6).
    const misnamed = [...this.history.errors].filter(([k]) => /:(release:)?aborted$/.test(k));
    if (errors !== "") console.log(`${this.scenario}: client errors seen: ${errors}`);
    console.log(`${this.scenario}: ${v.writesAccepted} writes accepted, ${v.writesRejected} stale writes refused by fencing`);
    const row: Row = {
      scenario: this.scenario,
      grants: v.grants,
      faults: v.faults + this.extraFaults,
      fuzzed: this.fuzzed,
      crashes: serverCrashes.length + clientCrashes.length,
      overlaps: v.overlaps,
      acceptedOverlaps: v.acceptedOverlapCount,
      recoveryP50Ms: percentile(v.recoveryMs, 50),
      recoveryMaxMs: percentile(v.recoveryMs, 100),
      problems: [
        ...[...bySignature].map(([sig, list]) => `crash ×${list.length}: ${sig}\n(log: ${list[0]!.file})\n${list[0]!.tail}`),
        ...clientCrashes.map((c) => `client crash: ${c}`),
        ...this.rejections.map((r) => `unhandled rejection in the test process: ${String(r)}`),
        ...violations(v),
        ...misnamed.map(([k, n]) => `misnamed error: ${k} seen ${n} times by clients that wait (aborted means "held" on a try)`),
        ...this.problems,
      ],
    };
    recordRow(row);
    return row;
  }
}
