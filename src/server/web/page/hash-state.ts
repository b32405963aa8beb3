/** What the address remembers: the prefix filter and the lock whose panel is open. */
export interface PageState {
  prefix: string;
  lock: string;
}

/** The state in the address's hash, e.g. `#prefix=deploy/&lock=deploy/prod`. */
export function readHash(): PageState {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  return { prefix: params.get("prefix") ?? "", lock: params.get("lock") ?? "" };
}

/**
 * Writes the state into the hash. Opening or closing a lock adds a history entry (Back closes
 * the panel); typing in the filter replaces the current one, so Back does not replay keystrokes.
 */
export function writeHash(state: PageState, mode: "push" | "replace"): void {
  const params = new URLSearchParams();
  if (state.prefix !== "") params.set("prefix", state.prefix);
  if (state.lock !== "") params.set("lock", state.lock);
  const hash = params.size === 0 ? "" : `#${params.toString()}`;
  if (hash === location.hash || (hash === "" && location.hash === "")) return;
  const url = `${location.pathname}${location.search}${hash}`;
  if (mode === "push") history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}
