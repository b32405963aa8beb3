import type { JsonValue } from "@bufbuild/protobuf";
import type { Rng } from "./rng.js";

/** Values that break parsers and validators: wrong types, limits, odd strings. */
const NASTY: JsonValue[] = [
  null, true, false, 0, -1, 1.5, 2 ** 31, 2 ** 32, 2 ** 53 + 1, -(2 ** 63), 1e308, "", " ", "-1", "1e400", "NaN",
  "18446744073709551616", "9223372036854775808", "-9223372036854775809", "0x10", "１２", "\u0000", "\ud800", "a".repeat(300),
  "a".repeat(70_000), "../../etc/passwd", "%00", "fuzz/a\nb", [], [1, 2], {}, { "@type": "x" }, "2006-01-02T15:04:05Z",
];

function mutateValue(rng: Rng, value: JsonValue, depth: number): JsonValue {
  if (depth > 3 || rng.chance(0.3)) return rng.chance(0.7) ? rng.pick(NASTY) : value;
  if (Array.isArray(value)) return value.map((v) => mutateValue(rng, v, depth + 1));
  if (value !== null && typeof value === "object") {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) {
      if (rng.chance(0.1)) continue; // drop a field
      out[rng.chance(0.05) ? `${k}X` : k] = rng.chance(0.4) ? mutateValue(rng, v, depth + 1) : v;
    }
    if (rng.chance(0.1)) out[rng.pick(["unknownField", "ttl", "name ", "__proto__", "id"])] = rng.pick(NASTY);
    return out;
  }
  return rng.pick(NASTY);
}

/** A mutated JSON request: structure changed, values swapped for nasty ones, or raw text broken. */
export function mutateJson(rng: Rng, seed: JsonValue): Buffer {
  const roll = rng.int(10);
  if (roll === 0) return Buffer.from(JSON.stringify(seed).slice(0, rng.int(JSON.stringify(seed).length)));
  if (roll === 1) return Buffer.from(rng.pick(["", "null", "[]", "{", "}", '"x"', "{}".repeat(1000), "[".repeat(5000), "{\"a\":" .repeat(2000)]));
  if (roll === 2) return mutateBytes(rng, Buffer.from(JSON.stringify(seed)));
  return Buffer.from(JSON.stringify(mutateValue(rng, seed, 0)));
}

/** Byte-level damage: flips, truncation, insertion of random bytes, duplication. */
export function mutateBytes(rng: Rng, input: Uint8Array): Buffer {
  let b = Buffer.from(input);
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const op = rng.int(5);
    const at = b.length === 0 ? 0 : rng.int(b.length);
    if (op === 0 && b.length > 0) b[at] = b[at]! ^ (1 << rng.int(8));
    else if (op === 1) b = b.subarray(0, at);
    else if (op === 2) b = Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.int(16)), b.subarray(at)]);
    else if (op === 3) b = Buffer.concat([b, b]);
    else if (b.length > 0) b[at] = rng.pick([0x00, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x22]);
  }
  return b;
}
