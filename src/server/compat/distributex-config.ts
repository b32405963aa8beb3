/** Top-level settings of Distributex's own config file that choose its lock backend (memcached or in-memory). */
export const DISTRIBUTEX_BACKEND_SETTINGS = ["backend", "memcachehost", "memcacheport"] as const;

/**
 * A config file's settings without Distributex's backend settings, warning once when there were
 * any: Distributex's own `distributex.yaml` is accepted as it is (its `pools:` are Baton's pools),
 * and Baton keeps its locks in its own store (`store:` memory or redis://), never in memcached.
 */
export function dropDistributexBackend(settings: Record<string, unknown>, file: string, warn: (message: string) => void): Record<string, unknown> {
  const found = DISTRIBUTEX_BACKEND_SETTINGS.filter((key) => key in settings);
  if (found.length === 0) return settings;
  const kept = { ...settings };
  for (const key of found) delete kept[key];
  warn(
    `baton: config file ${file}: ignoring Distributex's backend settings (${found.join(", ")}); ` +
      `Baton keeps locks in its own store (the "store" setting: memory, or redis:// to share them between instances)`,
  );
  return kept;
}
