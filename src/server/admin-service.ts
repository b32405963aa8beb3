import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AdminService,
  HoldEnd,
  LockHistoryResponseSchema,
  OverviewResponseSchema,
  type Durations,
  type Hold,
  type OverviewResponse,
  type TrafficSecond,
} from "../gen/baton/admin/v1/admin_pb.js";
import type { LockEngine } from "../engine/lock-engine.js";
import type { RendezvousEngine } from "../engine/rendezvous/rendezvous-engine.js";
import { HOLDS_PER_LOCK, type HoldRecord } from "../engine/admin/lock-history.js";
import { OverviewHub, type OverviewFrame } from "../engine/admin/overview.js";
import { recentHolds } from "../engine/admin/recent-holds.js";
import type { DurationSummary, TrafficSecondRecord } from "../engine/admin/traffic.js";
import { checkName } from "../engine/validate.js";
import { optionalMs } from "./convert.js";
import { listingToProto } from "./rendezvous-service.js";

const ENDS = { held: HoldEnd.HELD, released: HoldEnd.RELEASED, expired: HoldEnd.EXPIRED } as const;

/** AdminService (read-only figures for the live page and dashboards) over the two engines. */
export function adminService(locks: LockEngine, rendezvous: RendezvousEngine): ServiceImpl<typeof AdminService> {
  const hub = new OverviewHub(locks, rendezvous);
  return {
    async *overview(req, ctx) {
      const request = { intervalMs: optionalMs(req.intervalMs), prefix: req.prefix, pageSize: req.pageSize };
      for await (const frame of hub.stream(request, ctx.signal)) yield frameToProto(frame);
    },

    async lockHistory(req) {
      const holds = await recentHolds(locks, checkName(req.name));
      return create(LockHistoryResponseSchema, { holds: holds.map((h) => holdToProto(h, Date.now())), keptPerLock: HOLDS_PER_LOCK });
    },
  };
}

function frameToProto(frame: OverviewFrame): OverviewResponse {
  return create(OverviewResponseSchema, {
    at: timestampFromMs(frame.atMs),
    seconds: frame.seconds.map(secondToProto),
    load: frame.load,
    activity:
      frame.activity === undefined
        ? undefined
        : {
            rendezvous: listingToProto(frame.activity.rendezvous),
            readiness: frame.activity.readiness.map((r) => ({ target: r.target, since: timestampFromMs(r.sinceMs), attempts: r.attempts, lastError: r.lastError })),
          },
  });
}

function secondToProto(s: TrafficSecondRecord): TrafficSecond {
  return {
    $typeName: "baton.admin.v1.TrafficSecond",
    start: timestampFromMs(s.startMs),
    grants: s.grants,
    releases: s.releases,
    expiries: s.expiries,
    abandoned: s.abandoned,
    wait: durations(s.wait),
    hold: durations(s.hold),
  };
}

function durations(d: DurationSummary): Durations {
  return { $typeName: "baton.admin.v1.Durations", count: d.count, p50Ms: d.p50Ms, p99Ms: d.p99Ms, maxMs: d.maxMs };
}

function holdToProto(h: HoldRecord, nowMs: number): Hold {
  return {
    $typeName: "baton.admin.v1.Hold",
    owner: h.owner,
    fencing: h.fencing,
    acquiredAt: timestampFromMs(h.acquiredAtMs),
    endedAt: h.endedAtMs === undefined ? undefined : timestampFromMs(h.endedAtMs),
    end: ENDS[h.end],
    heldMs: BigInt(Math.max(0, Math.round((h.endedAtMs ?? nowMs) - h.acquiredAtMs))),
    waitedMs: h.waitedMs === undefined ? undefined : BigInt(Math.round(h.waitedMs)),
  };
}
