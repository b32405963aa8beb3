/** A permit as the chaos workers need it: its fencing token, secret token and server-side expiry. */
export interface Grant {
  fencing: bigint;
  token: string;
  /** Epoch ms on the server's clock (this machine's). */
  expiresAt: number;
}

/** What an acquire asks for. */
export interface AcquireArgs {
  owner: string;
  ttlMs: number;
  /** > 0: queue and wait this long. */
  waitMs: number;
}

/**
 * One way of speaking to Baton (the TypeScript client, raw Connect JSON, grpc-js), reduced to
 * what a chaos worker does: acquire with a wait, release, close.
 */
export interface LockClient {
  readonly kind: string;
  acquire(lock: string, args: AcquireArgs, signal?: AbortSignal): Promise<Grant>;
  release(lock: string, token: string): Promise<void>;
  close(): void;
}

/**
 * A failed call, with its code as a Connect code name ("unavailable", "deadline_exceeded", …)
 * or "net:ECONNREFUSED"-style for failures below the protocol.
 */
export class CallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Whether an error says the server could not be reached or went away (time to try another instance). */
export function isConnectionFailure(error: unknown): boolean {
  const code = error instanceof CallError ? error.code : "";
  return code === "unavailable" || code.startsWith("net:") || code === "unknown";
}
