/**
 * Thrown by a store that cannot reach its backend. The engine never guesses past it: no grant
 * is made when the store's answer is unknown, and the RPC edge answers `unavailable`.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}
