import { ConnectError } from "@connectrpc/connect";
import type { StatusLight } from "./status.js";

/** One server stream the page follows, reopened after it ends or fails. */
export interface StreamSpec<T> {
  name: string;
  /** Opens the stream; `onHeader` must be passed to the call (the stream is up once headers arrive). */
  open(signal: AbortSignal, onHeader: () => void): AsyncIterable<T>;
  /** Called before each (re)open: forget the state the previous stream built. */
  reset(): void;
  message(message: T): void;
}

/** Follows a stream until stopped: reopens it with backoff (0.5 s doubling to 10 s) when it ends. */
export class Follower<T> {
  private controller: AbortController | undefined;
  private generation = 0;

  constructor(
    private readonly spec: StreamSpec<T>,
    private readonly status: StatusLight,
  ) {}

  /** (Re)starts the stream now, e.g. after the filter changed. */
  restart(): void {
    this.stop();
    const generation = ++this.generation;
    const controller = new AbortController();
    this.controller = controller;
    void this.run(generation, controller.signal);
  }

  /** Stops following. */
  stop(): void {
    this.controller?.abort();
    this.controller = undefined;
  }

  private async run(generation: number, signal: AbortSignal): Promise<void> {
    for (let delayMs = 500; !signal.aborted; delayMs = Math.min(delayMs * 2, 10_000)) {
      try {
        this.spec.reset();
        for await (const message of this.spec.open(signal, () => this.status.up(this.spec.name))) {
          this.status.up(this.spec.name);
          this.spec.message(message);
          delayMs = 500;
        }
        if (!signal.aborted) this.status.down(this.spec.name, "the stream ended");
      } catch (error) {
        if (signal.aborted || generation !== this.generation) return;
        this.status.down(this.spec.name, ConnectError.from(error).rawMessage);
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
