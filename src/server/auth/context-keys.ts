import { createContextKey } from "@connectrpc/connect";
import type { SessionRequest } from "../../gen/baton/lock/v1/session_pb.js";
import type { Principal } from "./key-ring.js";

/**
 * Checks one operation of a Session stream before it runs: returns the error that answers it
 * (the stream stays up, as for any failed operation), or undefined. It may fill in the owner.
 */
export type SessionGuard = (request: SessionRequest) => unknown;

/** Where the auth interceptor leaves the guard of a Session call; unset when Baton is open. */
export const sessionGuardKey = createContextKey<SessionGuard | undefined>(undefined, { description: "session guard" });

/** Who is calling, as the auth interceptor identified it; unset when Baton is open. */
export const principalKey = createContextKey<Principal | undefined>(undefined, { description: "caller" });
