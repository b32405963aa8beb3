import { z } from "zod";
import { formatDuration, parseDuration } from "../duration.js";
import { didYouMean } from "./suggest.js";

/**
 * What a setting's value is: a zod schema that reads it as YAML gives it (a number, a list) or as
 * text from an env variable or a flag, and the words that `--help`, the docs and errors use for it.
 * Every setting, top-level or nested, is built from one of these, so one kind reads and explains
 * its values the same way everywhere.
 */
export interface Kind<T> {
  readonly schema: z.ZodType<T, unknown>;
  /** What it accepts, in words that follow "expected": "a whole number ≥ 1". */
  readonly accepts: string;
  /** The value's placeholder in `--help`: DUR, N, TEXT, LIST… */
  readonly placeholder: string;
  /** A value as a user would write it: 30000 → "30s". */
  show(value: T): string;
  /** False for mappings and lists of mappings, which only the config file can hold. */
  readonly fromText: boolean;
  /** Reads one value without zod: the value, or a Problem (absent on structured kinds). */
  readonly read?: (value: unknown) => T | Problem;
}

/** A value that does not fit, in words: `"soon" is not a duration`. */
export class Problem {
  constructor(readonly message: string) {}
}

/** A value as an error message quotes it (text in quotes, at most 60 characters; YAML's `key:` alone is empty). */
export function quote(value: unknown): string {
  if (value === null || value === undefined) return "an empty value";
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? text.slice(0, 57) + "…" : text;
}

interface KindSpec<T> {
  accepts: string;
  placeholder: string;
  show?: (value: T) => string;
  fromText?: boolean;
  /** Returns the value, or a Problem; the error then reads "PROBLEM; expected ACCEPTS". */
  read(value: unknown): T | Problem;
}

/** A kind from a reader; the one place where a reader's Problem becomes a zod issue. */
export function kind<T>(spec: KindSpec<T>): Kind<T> {
  const schema = z.unknown().transform((value, ctx): T => {
    const result = value === undefined ? new Problem("it is missing") : spec.read(value);
    if (!(result instanceof Problem)) return result;
    ctx.issues.push({ code: "custom", message: `${result.message}; expected ${spec.accepts}`, input: value });
    return z.NEVER;
  });
  return {
    schema,
    accepts: spec.accepts,
    placeholder: spec.placeholder,
    show: spec.show ?? ((value) => String(value)),
    fromText: spec.fromText ?? true,
    read: spec.read,
  };
}

/**
 * A kind whose values must also pass `check`, which throws an Error saying what is wrong (its
 * `prefix`, e.g. "store: ", is dropped: the error names the setting already).
 */
export function checked<T>(base: Kind<T>, check: (value: T) => void, options: { prefix?: string; accepts?: string } = {}): Kind<T> {
  const prefix = options.prefix ?? "";
  const schema = base.schema.superRefine((value, ctx) => {
    try {
      check(value);
    } catch (error) {
      // A ConfigError (from a nested parser) carries its problems one by one.
      const problems = (error as { problems?: unknown }).problems;
      const messages = Array.isArray(problems) ? problems.map(String) : [error instanceof Error ? error.message : String(error)];
      for (const message of messages) ctx.addIssue({ code: "custom", message: message.startsWith(prefix) ? message.slice(prefix.length) : message });
    }
  });
  return { ...base, schema, accepts: options.accepts ?? base.accepts };
}

const DURATION_FORMS = "such as 500ms, 20s, 5m or 1h";

/**
 * A duration, read as milliseconds: "500ms", "20s", "5m", "1h", or a bare number of ms (as YAML
 * numbers always were). `min` is the shortest allowed; `offAtZero` also allows 0 for "off".
 */
export function duration(options: { min?: number; offAtZero?: boolean; note?: string } = {}): Kind<number> {
  const min = options.min ?? 0;
  const range = min > 0 ? ` ≥ ${formatDuration(min)}` : "";
  const accepts = `${options.offAtZero ? "0 (off) or " : ""}a duration${range}${range ? "," : ""} ${DURATION_FORMS}${options.note ? `; ${options.note}` : ""}`;
  return kind({
    accepts,
    placeholder: "DUR",
    show: (ms) => (ms === 0 ? "0" : formatDuration(ms)),
    read(value) {
      if (typeof value !== "string" && typeof value !== "number") return new Problem(`${quote(value)} is not a duration`);
      // Digits without a unit in a flag or env value are refused (except 0): "--session-ttl 30"
      // meant as seconds would be 30 ms, a session that lapses before anyone notices; the client
      // CLI refuses them the same way. A YAML number stays milliseconds, as files always had it.
      if (typeof value === "string" && /^\s*\d+(\.\d+)?\s*$/.test(value) && Number(value) !== 0) {
        const n = value.trim();
        return new Problem(`${n} has no unit (write ${n}ms, or ${n}s if you meant seconds)`);
      }
      let ms: number;
      try {
        ms = parseDuration(value, "");
      } catch {
        return new Problem(`${quote(value)} is not a duration`);
      }
      if (ms === 0 && options.offAtZero) return 0;
      if (ms < min) return new Problem(`${formatDuration(ms)} is too short`);
      return ms;
    },
  });
}

/** A whole number from `min` (to `max`), as a YAML number or as digits. */
export function count(options: { min: number; max?: number; accepts?: string }): Kind<number> {
  const { min, max } = options;
  const accepts = options.accepts ?? (max === undefined ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`);
  return kind({
    accepts,
    placeholder: "N",
    read(value) {
      const n = typeof value === "number" ? value : typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n)) return new Problem(`${quote(value)} is not a whole number`);
      if (n < min) return new Problem(`${n} is too small`);
      if (max !== undefined && n > max) return new Problem(`${n} is too large`);
      return n;
    },
  });
}

/**
 * Text. `scalars` also takes what YAML reads as a number or a boolean (`dataDir: 2024`), as the
 * top-level settings always did; nested settings want a string.
 */
export function text(options: { nonEmpty?: boolean; scalars?: boolean; placeholder?: string } = {}): Kind<string> {
  return kind({
    accepts: options.nonEmpty ? "non-empty text" : "text",
    placeholder: options.placeholder ?? "TEXT",
    show: (value) => (value === "" ? '""' : value),
    read(value) {
      const ok = typeof value === "string" || (options.scalars === true && (typeof value === "number" || typeof value === "boolean"));
      if (!ok) return new Problem(`${quote(value)} is not text`);
      const s = String(value);
      if (options.nonEmpty && s.trim() === "") return new Problem("it is empty");
      return s;
    },
  });
}

/** A file path that may be left out: "none" (or empty) reads as "", the value of "no file". */
export function optionalFile(): Kind<string> {
  return kind({
    accepts: "a file path, or none",
    placeholder: "FILE",
    show: (value) => (value === "" ? "none" : value),
    read(value) {
      if (typeof value !== "string") return new Problem(`${quote(value)} is not a file path`);
      return value.trim() === "none" ? "" : value;
    },
  });
}

/** One of a few words, e.g. full or relaxed. */
export function oneOf<const V extends string>(values: readonly V[], placeholder = "MODE"): Kind<V> {
  const accepts = values.length === 2 ? `${values[0]} or ${values[1]}` : `one of ${values.join(", ")}`;
  return kind({
    accepts,
    placeholder,
    read(value) {
      if ((values as readonly unknown[]).includes(value)) return value as V;
      return new Problem(`unknown value ${quote(value)}${typeof value === "string" ? didYouMean(value, values) : ""}`);
    },
  });
}

/** A kind that also takes null, which means `none` (e.g. "off"): `root: null`. */
export function orNull<T>(base: Kind<T>, none: string): Kind<T | null> {
  const read = base.read!;
  return kind<T | null>({
    accepts: `${base.accepts}, or null (${none})`,
    placeholder: base.placeholder,
    show: (value) => (value === null ? none : base.show(value)),
    read: (value) => (value === null ? null : read(value)),
  });
}

/** A list of text items: a YAML list, or comma-separated text (env, flags, or the file). */
export function list(placeholder = "LIST"): Kind<string[]> {
  return kind({
    accepts: "a list (a YAML list, or comma-separated text)",
    placeholder,
    show: (items) => items.join(","),
    read(value) {
      const items = typeof value === "string" ? value.split(",") : value;
      if (!Array.isArray(items)) return new Problem(`${quote(value)} is not a list`);
      const bad = items.findIndex((item) => typeof item !== "string" && typeof item !== "number");
      if (bad !== -1) return new Problem(`item ${bad + 1} (${quote(items[bad])}) is not text`);
      return items.map((item) => String(item).trim()).filter((item) => item !== "");
    },
  });
}

/** true or false; as text, also 1 / 0, yes / no, on / off. */
export function bool(): Kind<boolean> {
  return kind({
    accepts: "true or false",
    placeholder: "BOOL",
    read(value) {
      if (typeof value === "boolean") return value;
      const word = typeof value === "string" ? value.trim().toLowerCase() : String(value);
      if (["true", "1", "yes", "on"].includes(word)) return true;
      if (["false", "0", "no", "off"].includes(word)) return false;
      return new Problem(`${quote(value)} is not true or false`);
    },
  });
}

/** A mapping or a list of mappings with its own schema: the config file only. */
export function structured<T>(schema: z.ZodType<T, unknown>, accepts: string, show: (value: T) => string): Kind<T> {
  return { schema, accepts, placeholder: "", show, fromText: false };
}
