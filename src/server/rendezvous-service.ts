import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  ArriveResponseSchema,
  KeyChangeKind,
  ListResponseSchema,
  RendezvousService,
  ResetResponseSchema,
  SignalResponseSchema,
  SignalSchema,
  SubscribeResponseSchema,
  WaitReadyResponseSchema,
  WaitResponseSchema,
  type ListResponse,
  type Signal,
  type WaitReadyRequest,
} from "../gen/baton/rendezvous/v1/rendezvous_pb.js";
import type { RendezvousEngine } from "../engine/rendezvous/rendezvous-engine.js";
import type { ProbeSpec } from "../engine/probes/probe.js";
import type { RendezvousListing, SignalRecord } from "../store/rendezvous.js";
import { optionalMs } from "./convert.js";

const CHANGE_KINDS = {
  current: KeyChangeKind.CURRENT,
  signaled: KeyChangeKind.SIGNALED,
  reset: KeyChangeKind.RESET,
  expired: KeyChangeKind.EXPIRED,
} as const;

/** RendezvousService over the rendezvous engine; errors are mapped once, by the pipeline's interceptor. */
export function rendezvousService(engine: RendezvousEngine): ServiceImpl<typeof RendezvousService> {
  return {
    async signal(req) {
      const result = await engine.signal({ key: req.key, payload: req.payload, ttlMs: optionalMs(req.ttlMs), owner: req.owner });
      return create(SignalResponseSchema, { signal: signalToProto(result.signal), woken: result.woken });
    },

    async reset(req) {
      return create(ResetResponseSchema, { wasSet: await engine.reset(req.key) });
    },

    async *wait(req, ctx) {
      const params = { key: req.key, waitUpToMs: optionalMs(req.waitMs), owner: req.owner };
      for await (const event of engine.wait(params, ctx.signal)) {
        yield create(WaitResponseSchema, {
          event:
            event.type === "waiting"
              ? { case: "waiting", value: { elapsedMs: BigInt(event.elapsedMs) } }
              : { case: "signaled", value: signalToProto(event.signal) },
        });
      }
    },

    async *subscribe(req, ctx) {
      const filter = { key: req.key, prefix: req.prefix, initial: req.initial };
      for await (const event of engine.subscribe(filter, ctx.signal)) {
        if (event.type === "heartbeat") {
          yield create(SubscribeResponseSchema, { event: { case: "heartbeat", value: { elapsedMs: BigInt(event.elapsedMs) } } });
          continue;
        }
        const { kind, key, signal, woken } = event.change;
        yield create(SubscribeResponseSchema, {
          event: { case: "change", value: { kind: CHANGE_KINDS[kind], key, signal: signalToProto(signal), woken } },
        });
      }
    },

    async *arrive(req, ctx) {
      const params = { key: req.key, parties: req.parties, waitUpToMs: optionalMs(req.waitMs), owner: req.owner };
      for await (const event of engine.arrive(params, ctx.signal)) {
        switch (event.type) {
          case "progress":
            yield create(ArriveResponseSchema, {
              event: {
                case: "progress",
                value: { generation: BigInt(event.generation), arrived: event.arrived, parties: event.parties },
              },
            });
            break;
          case "heartbeat":
            yield create(ArriveResponseSchema, { event: { case: "heartbeat", value: { elapsedMs: BigInt(event.elapsedMs) } } });
            break;
          case "tripped":
            yield create(ArriveResponseSchema, {
              event: { case: "tripped", value: { generation: BigInt(event.generation), index: event.index, parties: event.parties } },
            });
            break;
        }
      }
    },

    async list(req) {
      return listingToProto(await engine.list(req.prefix, req.pageSize));
    },

    async *waitReady(req, ctx) {
      const timing = { intervalMs: optionalMs(req.intervalMs), waitUpToMs: optionalMs(req.waitMs), attemptTimeoutMs: optionalMs(req.attemptTimeoutMs) };
      for await (const event of engine.waitReady(probeSpec(req), timing, ctx.signal)) {
        yield create(WaitReadyResponseSchema, {
          event:
            event.type === "failed"
              ? { case: "failed", value: { attempt: event.attempt, error: event.error, elapsedMs: BigInt(event.elapsedMs) } }
              : { case: "ready", value: { attempts: event.attempts, elapsedMs: BigInt(event.elapsedMs), detail: event.detail } },
        });
      }
    },
  };
}

/** The rendezvous listing as the API shows it (List, and the admin Overview). */
export function listingToProto(listing: RendezvousListing): ListResponse {
  return create(ListResponseSchema, {
    waiting: listing.waiting.map((w) => ({ key: w.key, waiters: w.waiters, since: timestampFromMs(w.sinceMs), owners: w.owners })),
    set: listing.set.map(signalToProto),
    timedOut: listing.timedOut.map((t) => ({ key: t.key, at: timestampFromMs(t.atMs), waitedMs: BigInt(t.waitedMs), owner: t.owner, count: t.count })),
    barriers: listing.barriers.map((b) => ({ ...b, generation: BigInt(b.generation) })),
  });
}

/** A key's value as the API shows it. */
function signalToProto(signal: SignalRecord): Signal {
  return create(SignalSchema, {
    key: signal.key,
    payload: signal.payload,
    owner: signal.owner,
    signaledAt: timestampFromMs(signal.signaledAtMs),
    expiresAt: signal.expiresAtMs === undefined ? undefined : timestampFromMs(signal.expiresAtMs),
  });
}

/** The probe oneof as the engine's spec; undefined when the client named none. */
function probeSpec(req: WaitReadyRequest): ProbeSpec | undefined {
  switch (req.probe.case) {
    case "tcp":
      return { kind: "tcp", host: req.probe.value.host, port: req.probe.value.port };
    case "postgres":
      return { kind: "postgres", database: req.probe.value.database };
    case "http":
      return { kind: "http", url: req.probe.value.url, expectStatus: req.probe.value.expectStatus };
    default:
      return undefined;
  }
}
