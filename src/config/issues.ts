import type { z } from "zod";
import { quote } from "./kinds.js";
import { didYouMean } from "./suggest.js";

/** A configuration that cannot be used: every problem found, each naming its setting and source. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems in the configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

const EXPECTED: Record<string, string> = {
  object: "a mapping",
  array: "a list",
  string: "text",
  number: "a number",
  boolean: "true or false",
};

function what(value: unknown): string {
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return quote(value);
}

/**
 * Plain words for zod's own issues (the kinds word theirs): a value of the wrong shape, an unknown
 * key with the closest known one. `noun` names keys: "setting" in the config, "option" in a URL.
 */
export function issueWords(noun = "setting"): z.core.$ZodErrorMap {
  return (issue) => {
    switch (issue.code) {
      case "invalid_type": {
        const expected = EXPECTED[issue.expected] ?? issue.expected;
        return issue.input === undefined ? `it is missing; expected ${expected}` : `expected ${expected} (got ${what(issue.input)})`;
      }
      case "unrecognized_keys": {
        const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape ?? {};
        const known = Object.keys(shape);
        const keys = issue.keys.map((key) => `"${key}"${didYouMean(key, known)}`);
        return `unknown ${noun}${keys.length > 1 ? "s" : ""} ${keys.join(", ")}; known: ${known.join(", ")}`;
      }
      case "invalid_value":
        return `expected ${issue.values.map((v) => JSON.stringify(v)).join(" or ")} (got ${what(issue.input)})`;
      default:
        return undefined;
    }
  };
}

/**
 * A path as the config file spells it: `compat.webmutex.webhook.attempts`, `pools[2] (nightly).limit`;
 * an element of a list that has a `name` or `pattern` shows it, so the reader finds it in the file.
 */
export function formatPath(path: readonly PropertyKey[], input?: unknown): string {
  let out = "";
  let node = input;
  for (const key of path) {
    node = node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    if (typeof key === "number") {
      const named = node !== null && typeof node === "object" ? ((node as Record<string, unknown>).name ?? (node as Record<string, unknown>).pattern) : undefined;
      out += `[${key}]${typeof named === "string" ? ` (${named})` : ""}`;
    } else {
      out += (out === "" ? "" : ".") + String(key);
    }
  }
  return out;
}

/**
 * Runs a schema with the plain words; returns the value, or throws a ConfigError naming each
 * problem by its path under `root` (`pools[0] (nightly).limit: …`), after `prefix` if given.
 */
export function parseOrThrow<T>(schema: z.ZodType<T, unknown>, input: unknown, options: { root?: string; noun?: string; prefix?: string } = {}): T {
  const result = schema.safeParse(input, { error: issueWords(options.noun) });
  if (result.success) return result.data;
  const { root } = options;
  const at = (path: PropertyKey[]) => (root === undefined ? formatPath(path, input) : formatPath([root, ...path], { [root]: input }));
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const where = at(issue.path);
      return `${options.prefix ?? ""}${where === "" ? "" : where + ": "}${issue.message}`;
    }),
  );
}
