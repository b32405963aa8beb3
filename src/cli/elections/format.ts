import type { Leader } from "../../client/index.js";
import { clockTime } from "../locks/format.js";

/** A leader as JSON (term as a string: it is a uint64), or null for none. */
export function leaderJson(leader: Leader | null): Record<string, unknown> | null {
  if (leader === null) return null;
  return {
    name: leader.name,
    owner: leader.owner,
    value: leader.value,
    term: leader.term.toString(),
    electedAt: leader.electedAt.toISOString(),
    expiresAt: leader.expiresAt.toISOString(),
  };
}

/** 'deploy: led by alice@host:42, value "10.0.0.1:80", term 17, since 14:40:02 (12s ago)'. */
export function leaderText(name: string, leader: Leader | null, nowMs: number): string {
  if (leader === null) return `${name}: no leader`;
  return `${name}: led by ${leader.owner}, value ${JSON.stringify(leader.value)}, term ${leader.term}, since ${clockTime(leader.electedAt, nowMs)}`;
}
