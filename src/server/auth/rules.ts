import type { Action, Space } from "./scopes.js";

/** A request message, read by field name (the rules below name each method's fields). */
export type Fields = Record<string, unknown>;

/** What a method needs: an action scope, and (when it names one) the lock or key it touches. */
export interface Rule {
  action: Action;
  /** Where the name lives; the Overview covers locks and rendezvous keys alike. */
  spaces?: readonly Space[];
  /** The name, or the prefix a listing or watch covers ("" = every name). */
  name?: (message: Fields) => string;
  /** Fields that default to the caller's name when left empty. */
  owner?: "owner";
}

const field = (key: string) => (m: Fields) => String(m[key] ?? "");
const nameOrPrefix = (m: Fields) => (m["name"] !== undefined && m["name"] !== "" ? String(m["name"]) : String(m["prefix"] ?? ""));
const keyOrPrefix = (m: Fields) => (m["key"] !== undefined && m["key"] !== "" ? String(m["key"]) : String(m["prefix"] ?? ""));

const lock = (action: Action, name: (m: Fields) => string, owner?: "owner"): Rule => ({ action, spaces: ["locks"], name, ...(owner ? { owner } : {}) });
const key = (action: Action, name: (m: Fields) => string, owner?: "owner"): Rule => ({ action, spaces: ["rendezvous"], name, ...(owner ? { owner } : {}) });

/**
 * Every RPC by its path and what it needs. A method missing here (a new one) is refused to
 * every key until it is added: forgetting to scope it must not open it. Reflection only tells
 * what the API looks like, so any valid key may use it.
 */
export const RULES: ReadonlyMap<string, Rule | "any-key"> = new Map<string, Rule | "any-key">([
  ["baton.lock.v1.LockService/Acquire", lock("acquire", field("name"), "owner")],
  ["baton.lock.v1.LockService/Wait", lock("acquire", field("name"), "owner")],
  ["baton.lock.v1.LockService/Release", lock("acquire", field("name"))],
  ["baton.lock.v1.LockService/Refresh", lock("acquire", field("name"))],
  ["baton.lock.v1.LockService/Reserve", lock("acquire", field("prefix"))],
  ["baton.lock.v1.LockService/Describe", lock("read", field("name"))],
  ["baton.lock.v1.LockService/List", lock("read", field("prefix"))],
  ["baton.lock.v1.LockService/Watch", lock("read", nameOrPrefix)],
  // Each operation on the stream is checked as it arrives (see interceptors/auth.ts).
  ["baton.lock.v1.LockService/Session", { action: "acquire" }],
  ["baton.lock.v1.LockService/ForceRelease", lock("admin", field("name"))],
  // Elections are locks: campaigning holds the election's lock.
  ["baton.lock.v1.ElectionService/Campaign", lock("acquire", field("name"), "owner")],
  ["baton.lock.v1.ElectionService/Proclaim", lock("acquire", field("name"))],
  ["baton.lock.v1.ElectionService/Resign", lock("acquire", field("name"))],
  ["baton.lock.v1.ElectionService/Leader", lock("read", field("name"))],
  ["baton.lock.v1.ElectionService/Observe", lock("read", field("name"))],
  ["baton.rendezvous.v1.RendezvousService/Signal", key("signal", field("key"), "owner")],
  ["baton.rendezvous.v1.RendezvousService/Reset", key("signal", field("key"))],
  ["baton.rendezvous.v1.RendezvousService/Wait", key("read", field("key"), "owner")],
  ["baton.rendezvous.v1.RendezvousService/Subscribe", key("read", keyOrPrefix)],
  ["baton.rendezvous.v1.RendezvousService/Arrive", key("arrive", field("key"), "owner")],
  ["baton.rendezvous.v1.RendezvousService/List", key("read", field("prefix"))],
  ["baton.rendezvous.v1.RendezvousService/WaitReady", { action: "probe" }],
  // The overview shows the locks and the rendezvous keys under its prefix.
  ["baton.admin.v1.AdminService/Overview", { action: "read", spaces: ["locks", "rendezvous"], name: field("prefix") }],
  ["baton.admin.v1.AdminService/LockHistory", lock("read", field("name"))],
  ["grpc.reflection.v1.ServerReflection/ServerReflectionInfo", "any-key"],
  ["grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", "any-key"],
]);
