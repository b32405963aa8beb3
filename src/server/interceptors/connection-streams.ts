import type { Interceptor } from "@connectrpc/connect";
import type * as net from "node:net";
import { BatonError } from "../../engine/errors.js";
import { socketKey } from "../pipeline/context.js";
import { Tracked } from "./tracked.js";

/**
 * The per-connection limit on streaming calls (Wait, Watch, Session, Subscribe, ...): one
 * connection may have `max` open; one more is refused with `resource_exhausted` naming the
 * setting, and the streams already open go on. Unlike HTTP/2's SETTINGS_MAX_CONCURRENT_STREAMS
 * (maxStreamsPerConnection), which makes a client queue silently, this answers with an error.
 */
export function connectionStreamsInterceptor(max: number): Interceptor {
  const open = new WeakMap<net.Socket, number>();
  return (next) => async (req) => {
    if (!req.stream) return next(req);
    const socket = req.contextValues.get(socketKey);
    if (socket === undefined) return next(req);
    const count = open.get(socket) ?? 0;
    if (count >= max) {
      throw new BatonError("resource_exhausted", `this connection already has ${max} streaming calls open, the server's maxOpenStreamsPerConnection; open more connections, or end a stream first`, {
        reason: "QUOTA_EXCEEDED",
        metadata: { limit: "maxOpenStreamsPerConnection", value: String(max) },
      });
    }
    open.set(socket, count + 1);
    const leave = (): void => void open.set(socket, Math.max(0, (open.get(socket) ?? 1) - 1));
    let res;
    try {
      res = await next(req);
    } catch (error) {
      leave();
      throw error;
    }
    if (!res.stream) {
      leave();
      return res;
    }
    (res as { message: AsyncIterable<unknown> }).message = new Tracked(res.message[Symbol.asyncIterator](), leave);
    return res;
  };
}
