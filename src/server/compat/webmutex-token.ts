import type { LeaseRecord } from "../../store/types.js";

/**
 * WebMutex's token: the lease's 32 hex digits followed by its fencing token in hex. The original
 * kept the last grab's token on the mutex, so releasing a free mutex again with that same token
 * answered ok; Baton forgets a lease once released, and the fencing suffix is how the layer tells
 * "the last grab's token" (free mutex, same fencing as its last grant) from a wrong one without
 * keeping state of its own. Clients treat tokens as opaque text; it is still lowercase hex.
 */
export function tokenOf(lease: LeaseRecord): string {
  return lease.token + lease.fencing.toString(16);
}

/** A token as the client sent it: the lease token, and the fencing when the layer issued it. */
export interface ParsedToken {
  lease: string;
  fencing: bigint | undefined;
}

/** Reads a WebMutex token; a bare lease token (from another API) has no fencing. Undefined: not a token at all. */
export function parseToken(text: string): ParsedToken | undefined {
  const match = /^([0-9a-f]{32})([0-9a-f]{1,16})?$/.exec(text);
  if (match === null) return undefined;
  return { lease: match[1]!, fencing: match[2] === undefined ? undefined : BigInt(`0x${match[2]}`) };
}
