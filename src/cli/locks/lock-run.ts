import { Code } from "@connectrpc/connect";
import { hasCode, type BatonClient, type Lease, type LeaseKeeper } from "../../client/index.js";
import { unreachable } from "../explain.js";
import type { Interrupt } from "../io.js";
import type { Invocation } from "../invocation.js";
import { signalStatus, type GroupChild } from "./child.js";
import { acquireShowingQueue, type AcquireRequest } from "./progress.js";

/** Exit status when the lease was lost while the command ran (EX_TEMPFAIL: try again later). */
export const LOST_STATUS = 75;
/** Exit status when the command could not be started, as shells use it. */
const NOT_STARTED_STATUS = 127;

/**
 * One `baton lock` (or `baton elect`) run: acquire, run the command under keep-alive, release,
 * report. `extraEnv` adds to CMD's environment what the command's kind of lease means (a term).
 */
export class LockRun {
  private readonly url: string;
  private readonly client: BatonClient;
  private readonly interrupted = new AbortController();
  private received: Interrupt | undefined;
  private child: GroupChild | undefined;

  constructor(
    private readonly inv: Invocation,
    private readonly graceMs: number,
    private readonly extraEnv: (lease: Lease) => Record<string, string> = () => ({}),
  ) {
    this.url = inv.serverUrl();
    // The lease lives by --ttl, refreshed, as the command promises (see Invocation.lockClient).
    this.client = inv.lockClient();
  }

  private say(line: string): void {
    this.inv.io.stderr.write(`baton ${this.inv.spec.name}: ${line}\n`);
  }

  async run(request: AcquireRequest): Promise<number> {
    const unsubscribe = this.inv.io.interrupts.subscribe((signal) => this.onSignal(signal));
    try {
      let lease: Lease;
      try {
        lease = await acquireShowingQueue(this.client, request, this.inv, this.interrupted.signal, this.inv.switch("quiet"));
      } catch (error) {
        if (this.received !== undefined) return signalStatus(this.received);
        throw this.inv.explain(error);
      }
      return await this.runHolding(lease);
    } finally {
      unsubscribe();
      this.client.close();
    }
  }

  private onSignal(signal: Interrupt): void {
    this.received ??= signal;
    // While the command runs it decides what a signal means; before, the wait is abandoned.
    if (this.child !== undefined) this.child.signal(signal);
    else this.interrupted.abort();
  }

  private async runHolding(lease: Lease): Promise<number> {
    const cmd = this.inv.rest[0]!;
    let failing = false;
    const keeper = this.client.keepAlive(lease, {
      // One line per outage, not per retry; the lease is lost only if it outlasts the TTL.
      onRetry: (error) => {
        if (failing) return;
        failing = true;
        this.say(`cannot refresh ${lease.name} (${this.briefly(error)}); retrying until it expires`);
      },
      onRefreshed: () => {
        if (failing) this.say(`refreshed ${lease.name} again`);
        failing = false;
      },
    });
    const env = {
      ...this.inv.io.env,
      BATON_LOCK: lease.name,
      BATON_FENCING: lease.fencing.toString(),
      BATON_TOKEN: lease.token,
      BATON_URL: this.url,
      ...this.extraEnv(lease),
    };
    const started = await this.inv.io.spawn(this.inv.rest, env);
    if ("error" in started) {
      await this.finish(keeper);
      this.say(`cannot run ${cmd}: ${started.error.message}`);
      return NOT_STARTED_STATUS;
    }
    this.child = started;
    // A signal that came between the grant and the spawn is the command's too.
    if (this.received !== undefined) started.signal(this.received);
    let terminating: Promise<void> | undefined;
    const onLost = (): void => {
      this.say(`${this.lostWords(lease, keeper.signal.reason)}; stopping ${cmd} (process group ${started.pid})`);
      terminating = started.terminate(this.graceMs);
    };
    keeper.signal.addEventListener("abort", onLost, { once: true });
    const outcome = await started.done;
    keeper.signal.removeEventListener("abort", onLost);
    await terminating;
    const released = await this.finish(keeper);
    if (keeper.signal.aborted) return LOST_STATUS;
    if (!released) {
      this.say(`lost the lease on ${lease.name} (fencing ${lease.fencing}): it had ended before ${cmd} finished`);
      return LOST_STATUS;
    }
    if (outcome.kind === "failed") {
      this.say(`${cmd} failed: ${outcome.error.message}`);
      return 1;
    }
    return outcome.status;
  }

  /** A failed refresh in a few words: "connection refused", or the whole explanation. */
  private briefly(error: unknown): string {
    return unreachable(error) ?? this.inv.explain(error).message;
  }

  /** Why the keeper lost the lease, in the CLI's words rather than the client library's. */
  private lostWords(lease: Lease, reason: unknown): string {
    const cause = reason instanceof Error ? reason.cause : undefined;
    const why = hasCode(cause, Code.FailedPrecondition)
      ? "the server no longer holds it (it expired, or was released with its token)"
      : `no refresh reached the server at ${this.url} before it expired${cause === undefined ? "" : ` (last: ${this.briefly(cause)})`}`;
    return `lost the lease on ${lease.name} (fencing ${lease.fencing}): ${why}`;
  }

  /**
   * Stops the keep-alive and releases the lease. False when the server says the lease had already
   * ended (so the command may have run unprotected); a lease already known lost is not released.
   */
  private async finish(keeper: LeaseKeeper): Promise<boolean> {
    await keeper.stop();
    if (keeper.signal.aborted) return false;
    try {
      await this.client.release(keeper.lease, { timeoutMs: 10_000 });
      return true;
    } catch (error) {
      if (hasCode(error, Code.FailedPrecondition)) return false;
      this.say(`could not release ${keeper.lease.name} (${this.inv.explain(error).message}); it ends by its TTL`);
      return true;
    }
  }
}
