import { readFileSync } from "node:fs";
import type { Cluster, Redis } from "ioredis";

/** The per-lock scripts; each takes the seven keys of keys.ts `lockKeys`. */
export const LOCK_SCRIPTS = [
  "acquire",
  "release",
  "release-by-owner",
  "refresh",
  "proclaim",
  "cancel-waiter",
  "reserve",
  "expire",
  "probe",
  "heartbeat",
  "evict",
  "describe",
] as const;

/** Name of a per-lock script. */
export type LockScript = (typeof LOCK_SCRIPTS)[number];

const LUA_DIR = new URL("./lua/", import.meta.url);
const INCLUDE = /^--!include ([a-z-]+)\s*$/gm;

/**
 * A script's source with its `--!include NAME` lines replaced by lua/includes/NAME.lua, so
 * shared steps are written once yet each script stays one atomic unit.
 */
export function scriptSource(name: string): string {
  const text = readFileSync(new URL(`${name}.lua`, LUA_DIR), "utf8");
  return text.replace(INCLUDE, (_line, include: string) => readFileSync(new URL(`includes/${include}.lua`, LUA_DIR), "utf8"));
}

/** Command name under which a script is defined on a client: `baton-acquire` and so on. */
function commandName(script: string): string {
  return "baton_" + script.replace(/-/g, "_");
}

/**
 * Defines every script on a client. ioredis then calls them by EVALSHA and falls back to EVAL
 * (which caches the script) when the server answers NOSCRIPT, e.g. after a restart or failover.
 */
export function defineScripts(client: Redis | Cluster): void {
  for (const script of LOCK_SCRIPTS) {
    client.defineCommand(commandName(script), { numberOfKeys: 7, lua: scriptSource(script) });
  }
  client.defineCommand(commandName("due-now"), { numberOfKeys: 1, lua: scriptSource("due-now") });
  for (const script of PRESENCE_SCRIPTS) client.defineCommand(commandName(script), { numberOfKeys: 3, lua: scriptSource(script) });
}

/** The instance-presence scripts; each takes the three keys of keys.ts `PRESENCE_KEYS`. */
export const PRESENCE_SCRIPTS = ["presence-renew", "presence-due"] as const;

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

/** Calls a script defined by `defineScripts`. */
export function callScript(client: Redis | Cluster, script: LockScript | "due-now" | (typeof PRESENCE_SCRIPTS)[number], keys: string[], args: (string | number)[]): Promise<unknown> {
  const fn = (client as unknown as Record<string, ScriptFn>)[commandName(script)];
  if (fn === undefined) throw new Error(`script ${script} is not defined on this client`);
  return fn.call(client, ...keys, ...args);
}
