import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { KeyChangeKind, RendezvousService, type Signal as SignalMessage } from "../gen/baton/rendezvous/v1/rendezvous_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";
import { int64 } from "./errors.js";

/** A key that is set: its payload, who set it, when, and until when. */
export interface Signal {
  readonly key: string;
  /** UTF-8 text, at most 64 KiB; "" when none was given. */
  readonly payload: string;
  readonly owner: string;
  readonly signaledAt: Date;
  /** When the key clears itself; undefined when it stays set until reset. */
  readonly expiresAt: Date | undefined;
}

/** One change of a subscribed key: "current" is its value when the subscription began. */
export interface KeyChange {
  readonly kind: "current" | "signaled" | "reset" | "expired";
  readonly key: string;
  readonly signal: Signal | undefined;
}

/** What a readiness probe waits for: a TCP port, a Postgres database (on the server's DSN), or an HTTP URL. */
export type Probe = { tcp: { host: string; port: number } } | { postgres: { database: string } } | { http: { url: string; expectStatus?: number } };

/**
 * The rendezvous half of the client (`client.rendezvous`): signals, waits, subscriptions,
 * barriers and readiness probes. Waits follow the API's one rule: `waitMs` unset waits as long as
 * the call lives, 0 looks once, N waits up to N ms (then `deadline_exceeded`).
 */
export class RendezvousClient {
  private readonly unary: Client<typeof RendezvousService>;
  private readonly streams: Client<typeof RendezvousService>;

  constructor(
    unary: Transport,
    streams: Transport,
    private readonly owner: string,
  ) {
    this.unary = createClient(RendezvousService, unary);
    this.streams = createClient(RendezvousService, streams);
  }

  /** Sets `key` (replacing its payload and TTL if set) and wakes every waiter; resolves with how many it woke. */
  async signal(key: string, options: { payload?: string; ttlMs?: number; owner?: string; signal?: AbortSignal } = {}): Promise<{ signal: Signal; woken: number }> {
    const reply = await this.unary.signal(
      { key, payload: options.payload ?? "", ttlMs: options.ttlMs === undefined ? undefined : int64(options.ttlMs, "ttlMs"), owner: options.owner ?? this.owner },
      { signal: options.signal },
    );
    return { signal: signalFromProto(reply.signal), woken: reply.woken };
  }

  /** Clears `key`; resolves with whether it was set. */
  async reset(key: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return (await this.unary.reset({ key }, options)).wasSet;
  }

  /** Waits until `key` is set (at once if it already is) and resolves with its value. */
  async wait(key: string, options: { waitMs?: number; owner?: string; signal?: AbortSignal } = {}): Promise<Signal> {
    const request = { key, waitMs: options.waitMs === undefined ? undefined : int64(options.waitMs, "waitMs"), owner: options.owner ?? this.owner };
    for await (const message of this.streams.wait(request, { signal: options.signal })) {
      if (message.event.case === "signaled") return signalFromProto(message.event.value);
    }
    throw new ConnectError(`the wait for "${key}" ended without a signal`, Code.Unavailable);
  }

  /** Every change of `key`, or of every key under `prefix`, from now on (with `initial`, current values first). */
  async *subscribe(filter: { key?: string; prefix?: string; initial?: boolean; signal?: AbortSignal }): AsyncGenerator<KeyChange> {
    const own = new AbortController();
    const signal = filter.signal === undefined ? own.signal : AbortSignal.any([filter.signal, own.signal]);
    try {
      const request = { key: filter.key ?? "", prefix: filter.prefix ?? "", initial: filter.initial ?? false };
      for await (const message of this.streams.subscribe(request, { signal })) {
        if (message.event.case !== "change") continue;
        const { kind, key, signal: value } = message.event.value;
        const name = CHANGE_KINDS.get(kind);
        if (name !== undefined) yield { kind: name, key, signal: value === undefined ? undefined : signalFromProto(value) };
      }
    } finally {
      own.abort();
    }
  }

  /** Joins a barrier of `parties`; resolves once all have arrived, with the generation and this one's arrival index. */
  async arrive(key: string, parties: number, options: { waitMs?: number; owner?: string; signal?: AbortSignal } = {}): Promise<{ generation: bigint; index: number; parties: number }> {
    const request = { key, parties, waitMs: options.waitMs === undefined ? undefined : int64(options.waitMs, "waitMs"), owner: options.owner ?? this.owner };
    for await (const message of this.streams.arrive(request, { signal: options.signal })) {
      if (message.event.case === "tripped") return message.event.value;
    }
    throw new ConnectError(`the barrier "${key}" ended without tripping`, Code.Unavailable);
  }

  /** Waits until the probe succeeds (the server polls it); resolves with what answered. */
  async waitReady(probe: Probe, options: { waitMs?: number; intervalMs?: number; signal?: AbortSignal; onAttempt?: (error: string) => void } = {}): Promise<{ attempts: number; detail: string }> {
    const which =
      "tcp" in probe
        ? ({ case: "tcp", value: probe.tcp } as const)
        : "postgres" in probe
          ? ({ case: "postgres", value: probe.postgres } as const)
          : ({ case: "http", value: { url: probe.http.url, expectStatus: probe.http.expectStatus ?? 0 } } as const);
    const request = {
      probe: which,
      waitMs: options.waitMs === undefined ? undefined : int64(options.waitMs, "waitMs"),
      intervalMs: options.intervalMs === undefined ? undefined : int64(options.intervalMs, "intervalMs"),
    };
    for await (const message of this.streams.waitReady(request, { signal: options.signal })) {
      if (message.event.case === "failed") options.onAttempt?.(message.event.value.error);
      if (message.event.case === "ready") return { attempts: message.event.value.attempts, detail: message.event.value.detail };
    }
    throw new ConnectError("the readiness wait ended without an answer", Code.Unavailable);
  }
}

const CHANGE_KINDS = new Map<KeyChangeKind, KeyChange["kind"]>([
  [KeyChangeKind.CURRENT, "current"],
  [KeyChangeKind.SIGNALED, "signaled"],
  [KeyChangeKind.RESET, "reset"],
  [KeyChangeKind.EXPIRED, "expired"],
]);

function signalFromProto(signal: SignalMessage | undefined): Signal {
  if (signal === undefined) throw new ConnectError("the server answered without the signal", Code.Internal);
  return {
    key: signal.key,
    payload: signal.payload,
    owner: signal.owner,
    signaledAt: date(signal.signaledAt),
    expiresAt: signal.expiresAt === undefined ? undefined : timestampDate(signal.expiresAt),
  };
}

function date(ts: Timestamp | undefined): Date {
  return ts === undefined ? new Date(0) : timestampDate(ts);
}
