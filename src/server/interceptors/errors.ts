import type { Interceptor } from "@connectrpc/connect";
import { toConnectError } from "../errors.js";

/**
 * The first interceptor of the chain: whatever a call throws (a BatonError of the engine, a store
 * outage, a parse error, a bug) reaches the client as a ConnectError with its typed details, and
 * the interceptors outside it (auth, metrics, logs) see that same error. For a stream, the errors
 * of its messages are mapped as they are read.
 */
export function errorInterceptor(log: (message: string) => void): Interceptor {
  // One function for every stream, not a closure per pending read.
  const rethrow = (error: unknown): never => {
    throw toConnectError(error, log);
  };
  return (next) => async (req) => {
    let res;
    try {
      res = await next(req);
    } catch (error) {
      throw toConnectError(error, log);
    }
    if (!res.stream) return res;
    // In place, not a copy: a copy would read (and build) the lazily made response headers,
    // and hold one more object per stream.
    (res as { message: AsyncIterable<unknown> }).message = new ErrorMapped(res.message[Symbol.asyncIterator](), rethrow);
    return res;
  };
}

/** A stream whose failures come out as ConnectErrors: one small object, no generator per stream. */
class ErrorMapped<T> implements AsyncIterableIterator<T> {
  constructor(
    private readonly source: AsyncIterator<T>,
    private readonly rethrow: (error: unknown) => never,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  // A plain promise chain, not an async method: a suspended async method is a generator object
  // and a context that an idle waiter would keep for hours.
  next(): Promise<IteratorResult<T>> {
    return this.source.next().catch(this.rethrow);
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    try {
      return (await this.source.return?.(value as T)) ?? { done: true, value: value as T };
    } catch (error) {
      return this.rethrow(error);
    }
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    if (this.source.throw === undefined) return this.rethrow(error);
    try {
      return await this.source.throw(error);
    } catch (thrown) {
      return this.rethrow(thrown);
    }
  }
}
