import type * as net from "node:net";
import { badCredentials, noCredentials, outOfScope } from "./errors.js";
import { presentedKey } from "./credentials.js";
import type { KeyRing, Principal } from "./key-ring.js";
import { peerName } from "./peer.js";
import type { Fields, Rule } from "./rules.js";
import { missingScope, type Action, type Space } from "./scopes.js";

/**
 * Who is calling: the key in the Authorization header, else the CN of the connection's client
 * certificate. Throws `unauthenticated` when neither names a configured caller.
 */
export function identify(ring: KeyRing, authorization: string | null | undefined, socket: net.Socket | undefined): Principal {
  const key = presentedKey(authorization);
  if (key !== undefined) {
    const principal = key === "" ? undefined : ring.byKey(key);
    if (principal === undefined) throw badCredentials("API key");
    return principal;
  }
  const cn = peerName(socket);
  if (cn !== undefined) {
    const principal = ring.byCertificateName(cn);
    if (principal === undefined) throw badCredentials(`client certificate (CN "${cn}" names no configured key)`);
    return principal;
  }
  throw noCredentials();
}

/** Throws `permission_denied`, naming the missing scope, unless `principal` may do `action` on `name`. */
export function requireScope(principal: Principal, action: Action, space?: Space, name?: string): void {
  const missing = missingScope(principal.name, principal.scopes, action, space, name);
  if (missing === undefined) return;
  const scope = principal.scopes.actions.has(action) ? `${space}:${name}` : `action:${action}`;
  throw outOfScope(missing, scope);
}

/** Checks a call's request against its rule, and fills in an empty owner with the caller's name. */
export function authorize(principal: Principal, rule: Rule, message: Fields): void {
  const name = rule.name?.(message);
  if (rule.spaces === undefined) requireScope(principal, rule.action);
  else for (const space of rule.spaces) requireScope(principal, rule.action, space, name);
  if (rule.owner !== undefined && message[rule.owner] === "") message[rule.owner] = principal.name;
}
