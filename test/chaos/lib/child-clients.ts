import { fork, type ChildProcess } from "node:child_process";
import { reapOnExit } from "./reaper.js";
import { fileURLToPath } from "node:url";
import type { FencedResource } from "./fenced-resource.js";
import { nowMs, type GrantRecord, type History } from "./history.js";
import type { WorkerSpec } from "./worker.js";

/** Parent → child messages. */
export type ParentMessage = { t: "start"; specs: WorkerSpec[] } | { t: "ack"; n: number; accepted: boolean } | { t: "stop" };
/** Child → parent messages (bigints travel as strings). */
export type ChildMessage =
  | { t: "ready" }
  | { t: "grant"; r: Omit<GrantRecord, "fencing"> & { fencing: string } }
  | { t: "end"; grant: string; at: number; how: NonNullable<GrantRecord["end"]> }
  | { t: "error"; kind: string; code: string }
  | { t: "write"; n: number; grant: string; lock: string; fencing: string }
  | { t: "stopped" };

const MAIN = fileURLToPath(new URL("./child-main.ts", import.meta.url));

/**
 * A child process running chaos workers (clients), wired to the parent's history and fenced
 * resource. It runs with --unhandled-rejections=strict: a client that dies of a leaked promise
 * is a crash the suite reports.
 */
export class ChildClients {
  readonly child: ChildProcess;
  private expectedExit = false;
  /** Set when the child exited without being told to (a client crash). */
  crash: string | undefined;
  private stderr = "";
  readonly exited: Promise<void>;
  private readonly ready: Promise<void>;

  constructor(
    readonly name: string,
    readonly specs: WorkerSpec[],
    private readonly history: History,
    resource: FencedResource,
  ) {
    this.child = fork(MAIN, [], {
      execArgv: ["--import", "tsx", "--unhandled-rejections=strict"],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    reapOnExit(this.child);
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.ready = new Promise((resolve, reject) => {
      this.child.on("message", (m: ChildMessage) => m.t === "ready" && resolve());
      this.child.once("exit", () => reject(new Error(`client process ${name} died at start:\n${this.stderr}`)));
    });
    this.ready.catch(() => undefined);
    this.child.on("message", (m: ChildMessage) => {
      if (m.t === "grant") history.grant({ ...m.r, fencing: BigInt(m.r.fencing) });
      else if (m.t === "end") history.end(m.grant, m.at, m.how);
      else if (m.t === "error") history.error(m.kind, m.code);
      else if (m.t === "write") {
        const accepted = resource.write(m.grant, m.lock, BigInt(m.fencing));
        if (this.child.connected) this.child.send({ t: "ack", n: m.n, accepted } satisfies ParentMessage);
      }
    });
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => {
        if (!this.expectedExit) this.crash = `client process ${name} exited (${signal ?? code}):\n${this.stderr}`;
        for (const s of specs) history.stopWorker(s.id);
        resolve();
      }),
    );
  }

  /** Starts the workers once the child is up. */
  async start(steady: boolean): Promise<void> {
    await this.ready;
    const at = nowMs();
    for (const s of this.specs) this.history.worker({ id: s.id, kind: s.kind, steady, startedAt: at });
    this.child.send({ t: "start", specs: this.specs } satisfies ParentMessage);
  }

  /** Asks the workers to finish their holds and exit. */
  async stop(): Promise<void> {
    this.expectedExit = true;
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.connected) this.child.send({ t: "stop" } satisfies ParentMessage);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 20_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** kill -9: the clients vanish without a word; their grants stay open in the history. */
  async kill9(): Promise<void> {
    this.expectedExit = true;
    this.child.kill("SIGKILL");
    await this.exited;
    // The dead write nothing more: their holds end here.
    this.history.closeOpen(nowMs(), new Set(this.specs.map((s) => s.id)));
  }

  pause(): void {
    this.child.kill("SIGSTOP");
  }

  resume(): void {
    this.child.kill("SIGCONT");
  }
}
