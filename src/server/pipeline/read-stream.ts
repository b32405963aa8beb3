import type { Readable } from "node:stream";
import { compressedFlag } from "@connectrpc/connect/protocol";
import { EnvelopeSplitter } from "./envelope-splitter.js";
import type { AnyMessage } from "./methods.js";
import { flaggedWithoutEncoding, prematureClose } from "./read-one.js";

/** Messages read ahead of the implementation before the body is paused (back-pressure). */
const READ_AHEAD = 16;

const DONE: IteratorResult<AnyMessage> = { done: true, value: undefined };

/**
 * The request messages of a client- or bidi-streaming call (a Session) read from the body's
 * `data` events and parsed as the implementation takes them: one object per stream, and per
 * message no generator step, no promise chain through three async iterators (Node's stream
 * iterator, connect-es's envelope splitter, the pipeline's parser). For requests that named no
 * encoding; a compressed stream goes through `readAll(requestMessages(...))`, which this matches:
 * the same messages, limits and errors, and after an error, the end.
 */
export class MessageStream implements AsyncIterableIterator<AnyMessage> {
  private readonly splitter: EnvelopeSplitter;
  /** Messages arrived and not yet taken, unparsed. */
  private queue: Uint8Array[] = [];
  private head = 0;
  /** Why reading stopped early (a bad envelope, a reset), told after the messages before it. */
  private failure: unknown;
  private ended = false;
  /** Over: the error was told, or the caller returned. */
  private over = false;
  private paused = false;
  private waiter: { resolve: (step: IteratorResult<AnyMessage>) => void; reject: (error: unknown) => void } | undefined;
  private readonly onData = (chunk: Uint8Array): void => this.data(chunk);
  private readonly onEnd = (): void => this.finish(this.splitter.endError());
  private readonly onError = (error: unknown): void => this.finish(error);
  private readonly onClose = (): void => this.finish(prematureClose());
  private readonly onEnvelope = (flags: number, data: Uint8Array): void => this.envelope(flags, data);

  constructor(
    private readonly body: Readable,
    readMaxBytes: number,
    private readonly parse: (data: Uint8Array) => AnyMessage,
  ) {
    this.splitter = new EnvelopeSplitter(readMaxBytes);
    if (body.destroyed) {
      this.ended = true;
      this.failure = prematureClose();
      return;
    }
    body.on("data", this.onData);
    body.on("end", this.onEnd);
    body.on("error", this.onError);
    body.on("close", this.onClose);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<AnyMessage>> {
    if (this.over) return Promise.resolve(DONE);
    if (this.head < this.queue.length) {
      const data = this.take();
      try {
        return Promise.resolve({ done: false, value: this.parse(data) });
      } catch (error) {
        this.stop();
        return Promise.reject(error);
      }
    }
    if (this.ended) {
      this.over = true;
      return this.failure === undefined ? Promise.resolve(DONE) : Promise.reject(this.failure);
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** The caller stopped reading: stop listening, and leave the stream as it is (the answer still goes out). */
  return(): Promise<IteratorResult<AnyMessage>> {
    this.stop();
    return Promise.resolve(DONE);
  }

  private data(chunk: Uint8Array): void {
    try {
      this.splitter.push(chunk, this.onEnvelope);
    } catch (error) {
      this.finish(error);
    }
  }

  private envelope(flags: number, data: Uint8Array): void {
    if (this.ended) return;
    // Connect's end-stream flag (0b10) and gRPC-Web's trailer flag never start a request message.
    if ((flags & ~compressedFlag) !== 0) return;
    if ((flags & compressedFlag) !== 0) throw flaggedWithoutEncoding();
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      try {
        waiter.resolve({ done: false, value: this.parse(data) });
      } catch (error) {
        this.stop();
        waiter.reject(error);
      }
      return;
    }
    this.queue.push(data);
    if (this.queue.length - this.head >= READ_AHEAD && !this.paused) {
      this.paused = true;
      this.body.pause();
    }
  }

  /** No more messages: the body ended (`failure` undefined) or reading failed. */
  private finish(failure: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    this.detach();
    const waiter = this.waiter;
    if (waiter === undefined) return;
    this.waiter = undefined;
    this.over = true;
    if (failure === undefined) waiter.resolve(DONE);
    else waiter.reject(failure);
  }

  private take(): Uint8Array {
    const data = this.queue[this.head]!;
    this.head++;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    if (this.paused && this.queue.length - this.head < READ_AHEAD / 2) {
      this.paused = false;
      this.body.resume();
    }
    return data;
  }

  private stop(): void {
    this.over = true;
    this.ended = true;
    this.queue = [];
    this.head = 0;
    this.detach();
  }

  private detach(): void {
    const { body } = this;
    body.off("data", this.onData);
    body.off("end", this.onEnd);
    body.off("error", this.onError);
    body.off("close", this.onClose);
  }
}
