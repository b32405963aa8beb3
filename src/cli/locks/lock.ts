import { Code } from "@connectrpc/connect";
import { createBatonClient, hasCode, type Lease, type LeaseKeeper } from "../../client/index.js";
import { UsageError, type Command } from "../command.js";
import { LEASE_OPTIONS, SERVER_HELP, SERVER_OPTION, durationFlag, leaseRequest, parse, serverUrl } from "./args.js";
import { signalStatus, spawnInGroup, type GroupChild } from "./child.js";
import { explain } from "./errors.js";
import { acquireShowingQueue } from "./progress.js";

/** Exit status when the lease was lost while the command ran (EX_TEMPFAIL: try again later). */
export const LOST_STATUS = 75;
/** Exit status when the command could not be started, as shells use it. */
const NOT_STARTED_STATUS = 127;

const usage = `Usage: baton lock NAME [options] -- CMD [ARGS...]

Waits for a permit of the lock NAME (printing the queue position to stderr), runs CMD while
holding it, refreshing the lease in the background, and releases it when CMD exits.

Options:
  --ttl DUR       lease TTL (default: the server's, 30s); refreshed every TTL/3 while CMD runs
  --wait DUR      give up after waiting this long; 0 tries once (default: wait until granted)
  --limit N       permits of the lock, for a semaphore (default: the lock's limit, or 1)
  --owner TEXT    who holds it, shown to others (default: user@host:pid)
  --grace DUR     after a lost lease, time between SIGTERM and SIGKILL to CMD (default 10s)
  -q, --quiet     do not print the queue position
${SERVER_HELP}
  -h, --help      this help

CMD runs in its own process group with BATON_LOCK, BATON_FENCING (pass it to what you protect),
BATON_TOKEN and BATON_URL in its environment. SIGINT and SIGTERM are forwarded to it.
If the lease is lost (it expired, was released with its token, or the server stayed unreachable
past its TTL), CMD's whole process group gets SIGTERM, then SIGKILL after the grace.

Exit status: CMD's own; 128+N if CMD died of signal N; 1 if no permit was had (held with
--wait 0, the wait ran out, or a server error); 2 for bad usage; 75 if the lease was lost while
CMD ran; 127 if CMD could not be started.

Durations read as 500ms, 20s, 5m, 1h.`;

const OPTIONS = {
  ...SERVER_OPTION,
  ...LEASE_OPTIONS,
  grace: { type: "string" },
} as const;

/** `baton lock NAME -- CMD`: runs a command holding a lock. */
export const lockCommand: Command = {
  name: "lock",
  summary: "run a command while holding a lock",
  usage,
  async run(args) {
    const split = args.indexOf("--");
    if (split === -1) throw new UsageError("the command to run is missing; write: baton lock NAME [options] -- CMD [ARGS...]");
    const argv = args.slice(split + 1);
    if (argv.length === 0) throw new UsageError("the command after -- is missing");
    const { values, positionals } = parse(args.slice(0, split), OPTIONS, { required: ["NAME"] });
    const request = leaseRequest(values, positionals[0]!);
    const graceMs = durationFlag(values, "grace") ?? 10_000;
    const url = serverUrl(values);
    return new LockRun(url, argv, graceMs, values.quiet === true).run(request);
  },
};

/** One `baton lock` run: acquire, run the command under keep-alive, release, report. */
class LockRun {
  private readonly client;
  private readonly interrupted = new AbortController();
  private received: NodeJS.Signals | undefined;
  private child: GroupChild | undefined;

  constructor(
    private readonly url: string,
    private readonly argv: string[],
    private readonly graceMs: number,
    private readonly quiet: boolean,
  ) {
    this.client = createBatonClient(url);
  }

  async run(request: Parameters<typeof acquireShowingQueue>[1]): Promise<number> {
    const onSignal = (signal: NodeJS.Signals): void => this.onSignal(signal);
    const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
    for (const s of signals) process.on(s, onSignal);
    try {
      let lease: Lease;
      try {
        lease = await acquireShowingQueue(this.client, request, this.interrupted.signal, "baton lock", this.quiet);
      } catch (error) {
        if (this.received !== undefined) return signalStatus(this.received);
        throw explain(error, this.url);
      }
      return await this.runHolding(lease);
    } finally {
      for (const s of signals) process.off(s, onSignal);
      this.client.close();
    }
  }

  private onSignal(signal: NodeJS.Signals): void {
    this.received ??= signal;
    // While the command runs it decides what a signal means; before, the wait is abandoned.
    if (this.child !== undefined) this.child.signal(signal);
    else this.interrupted.abort();
  }

  private async runHolding(lease: Lease): Promise<number> {
    let failing = false;
    const keeper = this.client.keepAlive(lease, {
      // One line per outage, not per retry; the lease is lost only if it outlasts the TTL.
      onRetry: (error) => {
        if (failing) return;
        failing = true;
        process.stderr.write(`baton lock: cannot refresh ${lease.name} (${explain(error, this.url).message}); retrying until it expires\n`);
      },
      onRefreshed: () => {
        if (failing) process.stderr.write(`baton lock: refreshed ${lease.name} again\n`);
        failing = false;
      },
    });
    const env = {
      ...process.env,
      BATON_LOCK: lease.name,
      BATON_FENCING: lease.fencing.toString(),
      BATON_TOKEN: lease.token,
      BATON_URL: this.url,
    };
    const started = await spawnInGroup(this.argv, env);
    if ("error" in started) {
      await this.finish(keeper);
      process.stderr.write(`baton lock: cannot run ${this.argv[0]}: ${started.error.message}\n`);
      return NOT_STARTED_STATUS;
    }
    this.child = started;
    // A signal that came between the grant and the spawn is the command's too.
    if (this.received !== undefined) started.signal(this.received);
    let terminating: Promise<void> | undefined;
    const onLost = (): void => {
      process.stderr.write(`baton lock: ${(keeper.signal.reason as Error).message}; stopping ${this.argv[0]} (process group ${started.pid})\n`);
      terminating = started.terminate(this.graceMs);
    };
    keeper.signal.addEventListener("abort", onLost, { once: true });
    const outcome = await started.done;
    keeper.signal.removeEventListener("abort", onLost);
    await terminating;
    const released = await this.finish(keeper);
    if (keeper.signal.aborted) return LOST_STATUS;
    if (!released) {
      process.stderr.write(`baton lock: lost the lease on ${lease.name} (fencing ${lease.fencing}): it had ended before ${this.argv[0]} finished\n`);
      return LOST_STATUS;
    }
    if (outcome.kind === "failed") {
      process.stderr.write(`baton lock: ${this.argv[0]} failed: ${outcome.error.message}\n`);
      return 1;
    }
    return outcome.status;
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
      process.stderr.write(`baton lock: could not release ${keeper.lease.name} (${explain(error, this.url).message}); it ends by its TTL\n`);
      return true;
    }
  }
}
