/** The Baton TypeScript client: `createBatonClient(url)` and the types it speaks. */
export { BatonClient, createBatonClient, defaultOwner, type BatonClientOptions, type LeaseRef } from "./baton-client.js";
export { LeaseLostError, hasCode, heldBy, reasonOf } from "./errors.js";
export { keepLeaseAlive, type KeepAliveOptions, type LeaseKeeper, type RefreshFn } from "./keep-alive.js";
export { createTransports, type BatonTransports, type HttpVersion, type TransportKind, type TransportOptions } from "./transport.js";
export { withLock, type WithLockOptions } from "./with-lock.js";
export type * from "./types.js";
export { RendezvousClient, type KeyChange, type Probe, type Signal } from "./rendezvous.js";
