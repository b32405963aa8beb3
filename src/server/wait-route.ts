import type * as http2 from "node:http2";
import { toBinary } from "@bufbuild/protobuf";
import { WaitRequestSchema, WaitResponseSchema } from "../gen/baton/lock/v1/lock_pb.js";
import { BatonError } from "../engine/errors.js";
import type { LockEngine, WaitEvent, WaitListener } from "../engine/lock-engine.js";
import type { WaitCall } from "../engine/wait-call.js";
import { deadlineError, envelope, respond, finish, readOne, takesRaw, requestChunks, timeoutHeader } from "./envelope.js";
import type { StreamRoute } from "./listener.js";
import { waitEventToProto, waitParams } from "./convert.js";

const PATH = "/baton.lock.v1.LockService/Wait";
const GONE = new BatonError("canceled", "the client went away");

/**
 * LockService.Wait served straight on the HTTP/2 stream for binary Connect clients: the request
 * becomes a WaitCall whose events are written as they come, with no generator, channel or abort
 * signal per stream. An idle waiter then costs its HTTP/2 stream and a few small objects (about
 * 3 KiB rather than ~36 KiB through connect-node), so one instance holds 100,000 (BENCHMARKS.md).
 * The same engine call serves the Connect router's Wait; gRPC, JSON and the rest go there.
 */
export function waitRoute(engine: LockEngine, log: (message: string) => void, options: { readMaxBytes?: number } = {}): StreamRoute {
  const maxBytes = options.readMaxBytes ?? 256 * 1024;
  return (stream, headers) => {
    if (headers[":path"] !== PATH || !takesRaw(headers)) return false;
    const timeoutMs = timeoutHeader(headers);
    if (timeoutMs === false) return false;
    new StreamWait(engine, stream, log).serve(timeoutMs, maxBytes);
    return true;
  };
}

/** One Wait stream: writes the call's events, ends the response, and stops the call if the client goes. */
class StreamWait implements WaitListener {
  private call: WaitCall | undefined;
  private over = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onClose = (): void => this.stopCall(GONE);

  constructor(
    private readonly engine: LockEngine,
    private readonly stream: http2.ServerHttp2Stream,
    private readonly log: (message: string) => void,
  ) {}

  serve(timeoutMs: number | undefined, maxBytes: number): void {
    const { stream } = this;
    stream.on("close", this.onClose);
    respond(stream);
    if (timeoutMs !== undefined) {
      this.timer = setTimeout(() => this.stopCall(deadlineError(timeoutMs)), timeoutMs);
    }
    readOne(WaitRequestSchema, requestChunks(stream), maxBytes).then(
      (request) => {
        if (this.over) return;
        try {
          this.call = this.engine.startWait(waitParams(request), request.hold, this);
        } catch (error) {
          this.end(error);
        }
      },
      (error: unknown) => this.end(error),
    );
  }

  event(event: WaitEvent): void {
    if (this.over || this.stream.destroyed) return;
    try {
      this.stream.write(envelope(toBinary(WaitResponseSchema, waitEventToProto(event))));
    } catch (error) {
      // Called from the store's event fan-out: a failure here must end this stream only.
      return this.stopCall(error);
    }
    // Written to the stream: the grant is the client's now (at most once, as with any stream).
    if (event.type === "granted") this.call?.delivered();
  }

  end(error?: unknown): void {
    if (this.over) return;
    this.over = true;
    clearTimeout(this.timer);
    this.stream.off("close", this.onClose);
    finish(this.stream, error, this.log);
    void this.call?.close();
  }

  /** The client went away or the deadline passed: the call ends (and cleans up) with `error`. */
  private stopCall(error: unknown): void {
    if (this.over) return;
    if (this.call === undefined) return this.end(error);
    this.call.fail(error);
  }
}
