import type { Interceptor } from "@connectrpc/connect";
import { toConnectError } from "../errors.js";

/**
 * The first interceptor of the chain: whatever a call throws (a BatonError of the engine, a store
 * outage, a parse error, a bug) reaches the client as a ConnectError with its typed details, and
 * the interceptors outside it (auth, metrics, logs) see that same error. For a stream, the errors
 * of its messages are mapped as they are read.
 */
export function errorInterceptor(log: (message: string) => void): Interceptor {
  return (next) => async (req) => {
    let res;
    try {
      res = await next(req);
    } catch (error) {
      throw toConnectError(error, log);
    }
    if (!res.stream) return res;
    const stream = res;
    // No spread: it would build the lazily made response headers of every stream.
    return {
      stream: true,
      service: stream.service,
      method: stream.method,
      message: mapErrors(stream.message, log),
      get header() {
        return stream.header;
      },
      get trailer() {
        return stream.trailer;
      },
    };
  };
}

/** An async iterable whose failures come out as ConnectErrors; no generator per stream. */
function mapErrors<T>(source: AsyncIterable<T>, log: (message: string) => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const it = source[Symbol.asyncIterator]();
      const fail = (error: unknown): never => {
        throw toConnectError(error, log);
      };
      return {
        next: () => it.next().catch(fail),
        return: (value?: unknown) => (it.return === undefined ? Promise.resolve({ done: true as const, value: value as T }) : it.return(value as T).catch(fail)),
        throw: (error?: unknown) => (it.throw === undefined ? Promise.reject(error) : it.throw(error).catch(fail)),
      };
    },
  };
}
