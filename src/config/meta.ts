import { z } from "zod";
import type { Kind } from "./kinds.js";

/** What `--help` and docs/configuration.md say about a setting, or a field of a structured one. */
export interface SettingMeta {
  /** How its values read and are described; absent on a section (a mapping of fields). */
  kind?: Kind<any>;
  /** One line: what it is for. `--help` shows it as written. */
  doc: string;
  /** More words, for docs/configuration.md only. */
  more?: string;
  /** The default as a user writes it ("30s"); absent when there is none. */
  defaultText?: string;
  /** Older spellings still read, by source; the docs list them, help shows the canonical one. */
  aliases?: { yaml?: string[]; flag?: string[]; env?: string[] };
  /** The docs' heading for a top-level setting. */
  group?: string;
  /** A section's or a list's fields, for the docs. */
  fields?: Record<string, z.ZodType>;
}

/**
 * What the docs say about each setting's and field's schema. A WeakMap rather than a zod registry:
 * zod rewrites a registry's metadata type, and ours holds schemas (a kind's, a section's fields).
 */
const metas = new WeakMap<z.ZodType, SettingMeta>();

/** Attaches what the docs say to a schema; returns the schema. */
export function describeSchema<S extends z.ZodType>(schema: S, meta: SettingMeta): S {
  metas.set(schema, meta);
  return schema;
}

/** What the docs say about a schema, if anything. */
export function metaOf(schema: z.ZodType): SettingMeta | undefined {
  return metas.get(schema);
}

type MetaInput = Omit<SettingMeta, "kind" | "defaultText"> & { defaultText?: string };

/** A top-level setting: a kind with its default (in the Config's own units: ms for durations). */
export function setting<T>(kind: Kind<T>, defaultValue: NoInfer<T>, meta: MetaInput & { group: string }): z.ZodDefault<z.ZodType<T, unknown>> {
  const schema = kind.schema.default(defaultValue as z.util.NoUndefined<T>);
  return describeSchema(schema, { kind, defaultText: kind.show(defaultValue), ...meta });
}

/** A field of a structured setting; with a default, or required (`.optional()` makes it optional). */
export function field<T>(kind: Kind<T>, meta: MetaInput, ...defaultValue: [] | [NoInfer<T>]): z.ZodType<T, unknown> {
  if (defaultValue.length === 0) return describeSchema(kind.schema, { kind, ...meta });
  const value = defaultValue[0] as T;
  return describeSchema(kind.schema.default(value as z.util.NoUndefined<T>), { kind, defaultText: kind.show(value), ...meta });
}

/** An optional field: absent (or null) reads as undefined. */
export function optionalField<T>(kind: Kind<T>, meta: MetaInput): z.ZodType<T | undefined, unknown> {
  const schema = z.preprocess((value) => (value === null ? undefined : value), kind.schema.optional());
  return describeSchema(schema, { kind, ...meta });
}

/** A mapping of fields: unknown keys are refused, an absent or empty (null) mapping reads as {}. */
export function section<S extends z.core.$ZodLooseShape>(fields: S, meta: MetaInput): z.ZodType<z.output<z.ZodObject<S, z.core.$strict>>, unknown> {
  const schema = z.preprocess((value) => value ?? {}, z.strictObject(fields));
  return describeSchema(schema, { ...meta, fields: fields as Record<string, z.ZodType> });
}
