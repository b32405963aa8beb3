import { Code } from "@connectrpc/connect";
import { hasCode, type BatonClient, type Lease, type LeaseKeeper } from "../../client/index.js";
import { holdOnStream } from "../elections/stream-hold.js";
import { unreachable } from "../explain.js";
import type { Interrupt } from "../io.js";
import type { Invocation } from "../invocation.js";
import { signalStatus, type GroupChild } from "./child.js";
import type { Holding } from "./holding.js";
import { acquireShowingQueue, type AcquireRequest } from "./progress.js";

/** Exit status when the lease was lost while the command ran (EX_TEMPFAIL: try again later). */
export const LOST_STATUS = 75;
/** Exit status when the command could not be started, as shells use it. */
const NOT_STARTED_STATUS = 127;

/** How a run holds its lease while the command runs. */
export interface LockRunOptions {
  /** Adds to CMD's environment what the command's kind of lease means (a term). */
  extraEnv?: (lease: Lease) => Record<string, string>;
  /**
   * Hold the lease on a Wait stream (released the moment this process or its connection dies)
   * instead of refreshing it (kept until its TTL runs out after the last refresh).
   */
  onStream?: boolean;
}

/** One `baton lock` (or `baton elect`) run: acquire, run the command holding the lease, release, report. */
export class LockRun {
  private readonly url: string;
  private readonly client: BatonClient;
  private readonly interrupted = new AbortController();
  private received: Interrupt | undefined;
  private child: GroupChild | undefined;

  constructor(
    private readonly inv: Invocation,
    private readonly graceMs: number,
    private readonly options: LockRunOptions = {},
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
      let holding: Holding;
      const quiet = this.inv.switch("quiet");
      try {
        holding =
          this.options.onStream === true
            ? await holdOnStream(this.client, request, this.inv, this.interrupted.signal, quiet)
            : this.keep(await acquireShowingQueue(this.client, request, this.inv, this.interrupted.signal, quiet));
      } catch (error) {
        if (this.received !== undefined) return signalStatus(this.received);
        throw this.inv.explain(error);
      }
      return await this.runHolding(holding);
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

  /** Keeps a lease by refreshing it every third of its TTL until `end()` releases it. */
  private keep(lease: Lease): Holding {
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
    return { lease, signal: keeper.signal, end: () => this.finish(keeper), lostWords: (reason) => this.lostWords(lease, reason) };
  }

  private async runHolding(holding: Holding): Promise<number> {
    const cmd = this.inv.rest[0]!;
    const { lease } = holding;
    const env = {
      ...this.inv.io.env,
      BATON_LOCK: lease.name,
      BATON_FENCING: lease.fencing.toString(),
      BATON_TOKEN: lease.token,
      BATON_URL: this.url,
      ...this.options.extraEnv?.(lease),
    };
    const started = await this.inv.io.spawn(this.inv.rest, env);
    if ("error" in started) {
      await holding.end();
      this.say(`cannot run ${cmd}: ${started.error.message}`);
      return NOT_STARTED_STATUS;
    }
    this.child = started;
    // A signal that came between the grant and the spawn is the command's too.
    if (this.received !== undefined) started.signal(this.received);
    let terminating: Promise<void> | undefined;
    const onLost = (): void => {
      this.say(`${holding.lostWords(holding.signal.reason)}; stopping ${cmd} (process group ${started.pid})`);
      terminating = started.terminate(this.graceMs);
    };
    holding.signal.addEventListener("abort", onLost, { once: true });
    const outcome = await started.done;
    holding.signal.removeEventListener("abort", onLost);
    await terminating;
    const released = await holding.end();
    if (holding.signal.aborted) return LOST_STATUS;
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
