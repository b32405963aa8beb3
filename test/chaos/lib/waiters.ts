import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { LockService, waitEvent, waitInit } from "./api.js";

/**
 * Many queued waiters on one instance: a Wait stream each, multiplexed on one HTTP/2
 * connection, as a busy service's clients would leave them. Counts what they were told.
 */
export class WaiterCrowd {
  queued = 0;
  granted = 0;
  /** Streams that ended in an error other than our own cancellation. */
  failed = new Map<string, number>();
  private readonly ctl = new AbortController();
  private readonly done: Promise<void>[] = [];

  constructor(url: string, names: string[], perName: number, owner: string) {
    const client = createClient(LockService, createConnectTransport({ baseUrl: url, httpVersion: "2", useBinaryFormat: true }));
    for (const name of names) {
      for (let i = 0; i < perName; i++) {
        const counted = { queued: false };
        const stream = client.wait(waitInit({ name, owner: `${owner}-${i}`, ttlMs: 2000, hold: false }), { signal: this.ctl.signal });
        this.done.push(
          (async () => {
            for await (const message of stream) {
              const e = waitEvent(message);
              if (e.kind === "queued" && !counted.queued) {
                counted.queued = true;
                this.queued++;
              } else if (e.kind === "granted") this.granted++;
            }
          })().catch((error: unknown) => {
            if (this.ctl.signal.aborted) return;
            const key = String((error as Error).message).slice(0, 80);
            this.failed.set(key, (this.failed.get(key) ?? 0) + 1);
          }),
        );
      }
    }
  }

  /** Waits until `n` have been told their place in the queue, or `timeoutMs` passes. */
  async untilQueued(n: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.queued < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return this.queued >= n;
  }

  /** Cancels every stream that is still open; resolves with a problem if some do not end within 10 s. */
  async close(): Promise<string | undefined> {
    this.ctl.abort();
    let open = this.done.length;
    const ended = Promise.all(this.done.map((d) => d.finally(() => open--)));
    const timedOut = await Promise.race([ended.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 10_000).unref())]);
    return timedOut ? `${open} Wait streams of the crowd still open 10 s after they were cancelled` : undefined;
  }
}
