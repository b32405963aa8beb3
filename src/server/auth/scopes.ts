/** What a key may do: the actions of issue 13, each covering a group of RPCs. */
export const ACTIONS = ["acquire", "read", "signal", "arrive", "probe", "admin"] as const;
/** One of ACTIONS. */
export type Action = (typeof ACTIONS)[number];

/** Which kind of name a call touches: a lock name or a rendezvous key. */
export type Space = "locks" | "rendezvous";

/**
 * A caller's scopes. A prefix list of undefined covers every name; `""` in a list does too.
 * Limits of 0 are off.
 */
export interface Scopes {
  actions: ReadonlySet<Action>;
  locks: readonly string[] | undefined;
  rendezvous: readonly string[] | undefined;
}

/** Whether `scopes` cover `name` in `space`. */
export function coversName(scopes: Scopes, space: Space, name: string): boolean {
  const prefixes = scopes[space];
  if (prefixes === undefined) return true;
  for (const prefix of prefixes) if (name.startsWith(prefix)) return true;
  return false;
}

/**
 * Why `scopes` do not allow `action` on `name` in `space`, written for the person who owns the
 * key (it names the scope that is missing), or undefined when they do.
 */
export function missingScope(who: string, scopes: Scopes, action: Action, space?: Space, name?: string): string | undefined {
  if (!scopes.actions.has(action)) return `key "${who}" lacks the "${action}" action scope`;
  if (space === undefined || name === undefined || coversName(scopes, space, name)) return undefined;
  const what = space === "locks" ? "lock name" : "rendezvous key";
  const list = (scopes[space] ?? []).map((p) => JSON.stringify(p)).join(", ");
  const target = name === "" ? `every ${what}` : `${what} ${JSON.stringify(name)}`;
  return `key "${who}" has no ${space} prefix scope covering ${target} (its ${space} prefixes: ${list || "none"})`;
}
