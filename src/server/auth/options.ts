import { z } from "zod";
import { count, kind, list, Problem, quote, text, type Kind } from "../../config/kinds.js";
import { describeSchema, field, optionalField, section } from "../../config/meta.js";
import { ACTIONS, type Action } from "./scopes.js";

/** Per-key limits; undefined is no limit. */
export interface KeyLimits {
  /** Sustained calls per second (a token bucket refilled at this rate). */
  requestsPerSecond?: number;
  /** Calls the bucket holds when full (default: one second's worth). */
  burst?: number;
  /** Leases the key's callers may hold at once (granted through this server). */
  leases?: number;
  /** Acquires of the key that may wait in queues at once. */
  waiters?: number;
  /** Streaming calls (Wait, Watch, Session, Subscribe, ...) the key may have open at once. */
  streams?: number;
}

/** One API key as the config file describes it: never the key itself, only its SHA-256. */
export interface KeySpec {
  /** Who the caller is: logs and audit lines name it, `owner` defaults to it, an mTLS client certificate's CN matches it. */
  name: string;
  /** Hex SHA-256 of the key (`baton key new` prints it); undefined: only an mTLS certificate names this caller. */
  sha256: string | undefined;
  actions: Action[];
  /** Lock-name prefixes; undefined: every name. */
  locks: string[] | undefined;
  /** Rendezvous-key prefixes; undefined: every key. */
  rendezvous: string[] | undefined;
  limits: KeyLimits;
}

const HEX64 = /^[0-9a-f]{64}$/;
const NAME = /^[A-Za-z0-9._@-]{1,128}$/;

function actionList(): Kind<Action[]> {
  const items = list("ACTIONS");
  return kind({
    accepts: `a list of ${ACTIONS.join(", ")}`,
    placeholder: "ACTIONS",
    show: (value) => value.join(","),
    read(value) {
      const read = items.read!(value);
      if (read instanceof Problem) return read;
      const bad = read.find((a) => !(ACTIONS as readonly string[]).includes(a));
      if (bad !== undefined) return new Problem(`unknown action ${quote(bad)} (actions: ${ACTIONS.join(", ")})`);
      return read as Action[];
    },
  });
}

const limitFields = {
  requestsPerSecond: optionalField(count({ min: 1 }), { doc: "calls per second (token bucket); unset: no limit" }),
  burst: optionalField(count({ min: 1 }), { doc: "calls the bucket holds when full; default one second's worth" }),
  leases: optionalField(count({ min: 1 }), { doc: "leases held at once through this server" }),
  waiters: optionalField(count({ min: 1 }), { doc: "acquires waiting in queues at once" }),
  streams: optionalField(count({ min: 1 }), { doc: "streaming calls open at once" }),
};

/** The fields of one entry of `keys:`, as the config file spells them; the docs list them. */
export const keyFields = {
  name: field(text({ nonEmpty: true }), { doc: "who the caller is (letters, digits, . _ @ -); the default owner, and an mTLS certificate's CN" }),
  sha256: optionalField(text(), { doc: "hex SHA-256 of the key, from `baton key new`; unset: only an mTLS certificate names this caller" }),
  actions: field(actionList(), { doc: `what the key may do: ${ACTIONS.join(", ")}` }),
  locks: optionalField(list("PREFIXES"), { doc: "lock-name prefixes it may use; unset: every name" }),
  rendezvous: optionalField(list("PREFIXES"), { doc: "rendezvous-key prefixes it may use; unset: every key" }),
  limits: section(limitFields, { doc: "per-key limits; each unset is no limit" }),
};

type KeyInput = z.output<z.ZodObject<typeof keyFields>>;

function checkKey(k: KeyInput, ctx: z.core.$RefinementCtx<KeyInput>): void {
  if (!NAME.test(k.name)) ctx.addIssue({ code: "custom", path: ["name"], message: `"${k.name}" must be 1-128 letters, digits, '.', '_', '@' or '-'` });
  if (k.sha256 !== undefined && !HEX64.test(k.sha256)) {
    // Never echo the value: someone may have pasted the key itself here.
    ctx.addIssue({ code: "custom", path: ["sha256"], message: "must be 64 lower-case hex digits (the SHA-256 `baton key new` prints), not the key itself" });
  }
}

function toKeySpec(k: KeyInput): KeySpec {
  const limits: KeyLimits = {};
  for (const [name, value] of Object.entries(k.limits)) if (value !== undefined) limits[name as keyof KeyLimits] = value;
  return { name: k.name, sha256: k.sha256, actions: k.actions, locks: k.locks, rendezvous: k.rendezvous, limits };
}

const keySchema = z.strictObject(keyFields).superRefine(checkKey).transform(toKeySpec);

/** The `keys:` list of the config file; absent or empty, Baton is open to anyone who reaches it. */
export const keysSchema = describeSchema(
  z.preprocess((value) => value ?? [], z.array(keySchema)).superRefine((keys, ctx) => {
    const seen = new Set<string>();
    keys.forEach((k, i) => {
      if (seen.has(k.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `two keys are named "${k.name}"` });
      seen.add(k.name);
    });
  }),
  { doc: "API keys, their scopes and limits (docs/security.md)", fields: keyFields },
);
