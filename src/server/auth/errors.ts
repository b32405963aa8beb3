import { BatonError } from "../../engine/errors.js";

/** No key at all, when keys are configured. */
export function noCredentials(): BatonError {
  return new BatonError("unauthenticated", "this server requires an API key: send `Authorization: Bearer KEY` (or HTTP Basic with the key as the password), or a client certificate", {
    reason: "UNAUTHENTICATED",
    metadata: { problem: "missing" },
  });
}

/** A key (or certificate) that matches no configured caller. Never quotes what was presented. */
export function badCredentials(what: string): BatonError {
  return new BatonError("unauthenticated", `the ${what} is not valid here (unknown, revoked or mistyped)`, {
    reason: "UNAUTHENTICATED",
    metadata: { problem: "invalid" },
  });
}

/** A known caller asking for something outside its scopes; `message` names the scope missing. */
export function outOfScope(message: string, scope: string): BatonError {
  return new BatonError("permission_denied", message, { reason: "PERMISSION_DENIED", metadata: { scope } });
}
