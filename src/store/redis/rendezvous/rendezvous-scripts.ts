import { readFileSync } from "node:fs";
import type { Cluster, Redis } from "ioredis";
import { scriptSource } from "../scripts.js";

/** The per-key scripts; each takes the nine keys of `rendezvousKeys`. */
export const RENDEZVOUS_SCRIPTS = [
  "signal",
  "reset",
  "get",
  "join-wait",
  "leave-wait",
  "arrive",
  "leave-barrier",
  "touch",
  "evict",
  "expire",
  "probe",
  "describe",
] as const;

/** Name of a per-key script. */
export type RendezvousScript = (typeof RENDEZVOUS_SCRIPTS)[number];

/** Scripts on one global index key: the sweep's claim (shared with the lock store) and the timeouts index. */
export type IndexScript = "due-now" | "timeouts-note" | "timeouts-recent";

/** The instance-presence scripts, shared with the lock store; they take RV_PRESENCE_KEYS. */
export type PresenceScript = "presence-renew" | "presence-due";

const LUA_DIR = new URL("./lua/", import.meta.url);
/** Includes of the lock store's scripts (the Redis clock) are shared rather than copied. */
const LOCK_INCLUDES = new URL("../lua/includes/", import.meta.url);
const INCLUDE = /^--!include ([a-z-]+)\s*$/gm;

/** A script's source with `--!include NAME` spliced from ./lua/includes, else the lock store's includes. */
export function rendezvousScriptSource(name: string): string {
  const text = readFileSync(new URL(`${name}.lua`, LUA_DIR), "utf8");
  return text.replace(INCLUDE, (_line, include: string) => {
    for (const dir of [new URL("includes/", LUA_DIR), LOCK_INCLUDES]) {
      try {
        return readFileSync(new URL(`${include}.lua`, dir), "utf8");
      } catch {
        // try the next folder
      }
    }
    throw new Error(`script ${name}: no include named ${include}`);
  });
}

function commandName(script: string): string {
  return "baton_rv_" + script.replace(/-/g, "_");
}

/**
 * Defines every rendezvous script on a client; ioredis calls them by EVALSHA and falls back to
 * EVAL on NOSCRIPT (after a Redis restart or failover).
 */
export function defineRendezvousScripts(client: Redis | Cluster): void {
  for (const script of RENDEZVOUS_SCRIPTS) {
    client.defineCommand(commandName(script), { numberOfKeys: 9, lua: rendezvousScriptSource(script) });
  }
  client.defineCommand(commandName("due-now"), { numberOfKeys: 1, lua: scriptSource("due-now") });
  for (const script of ["presence-renew", "presence-due"]) client.defineCommand(commandName(script), { numberOfKeys: 3, lua: scriptSource(script) });
  for (const script of ["timeouts-note", "timeouts-recent"]) {
    client.defineCommand(commandName(script), { numberOfKeys: 1, lua: rendezvousScriptSource(script) });
  }
}

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

/** Calls a script defined by `defineRendezvousScripts`. */
export function callRendezvousScript(
  client: Redis | Cluster,
  script: RendezvousScript | IndexScript | PresenceScript,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  const fn = (client as unknown as Record<string, ScriptFn>)[commandName(script)];
  if (fn === undefined) throw new Error(`script ${script} is not defined on this client`);
  return fn.call(client, ...keys, ...args);
}
