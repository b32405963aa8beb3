import { checkOwner } from "../../engine/validate.js";
import { BadBody, parseJsonObject } from "./http.js";

/** A Locker request body: the seed's `{"lock": owner}`, or the later `{"key", "requestor"}`. */
export type LockerBody = { mode: "owner"; owner: string } | { mode: "key"; key: string; requestor: string };

/** The original's answer to a body without a usable `lock` (its code said exactly this). */
export const NO_LOCK = "No lock specified in request body";

/**
 * Reads either body shape. Field names match case-insensitively, as Go's JSON decoder did for the
 * original; `lock_by` and `locked_by` are the later Locker's names for the requestor. A body that
 * is not a JSON object, or names no lock, gets the original's message.
 */
export function parseLockerBody(text: string): LockerBody {
  let json: Record<string, unknown>;
  try {
    json = parseJsonObject(text);
  } catch {
    throw new BadBody(NO_LOCK);
  }
  const field = (name: string): string | undefined => {
    const key = name in json ? name : Object.keys(json).find((k) => k.toLowerCase() === name);
    const value = key === undefined ? undefined : json[key];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value !== "string") throw new BadBody(NO_LOCK);
    try {
      return checkOwner(value);
    } catch {
      throw new BadBody(`"${name}" must be printable text of at most 256 bytes`);
    }
  };
  const key = field("key");
  if (key !== undefined) return { mode: "key", key, requestor: field("requestor") ?? field("lock_by") ?? field("locked_by") ?? key };
  const owner = field("lock");
  if (owner !== undefined) return { mode: "owner", owner };
  throw new BadBody(NO_LOCK);
}
