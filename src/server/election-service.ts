import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  CampaignResponseSchema,
  LeaderResponseSchema,
  LeaderSchema,
  ObserveResponseSchema,
  ProclaimResponseSchema,
  ResignResponseSchema,
  type ElectionService,
  type Leader,
} from "../gen/baton/lock/v1/election_pb.js";
import type { Elections, LeaderView } from "../engine/election.js";
import type { LockEngine } from "../engine/lock-engine.js";
import { onUndelivered } from "./pipeline/context.js";
import { leaseToProto, optionalMs } from "./convert.js";

/** A leader as the API shows it. */
export function leaderToProto(leader: LeaderView): Leader {
  return create(LeaderSchema, {
    name: leader.name,
    owner: leader.owner,
    value: leader.value,
    term: leader.term,
    electedAt: timestampFromMs(leader.electedAtMs),
    expiresAt: leader.expiresAtMs === 0 ? undefined : timestampFromMs(leader.expiresAtMs),
  });
}

/**
 * ElectionService over the engine's elections: parse, call, map. Errors are mapped once by the
 * pipeline's interceptor, as for every service.
 */
export function electionService(elections: Elections, engine: LockEngine): ServiceImpl<typeof ElectionService> {
  return {
    async campaign(req, ctx) {
      const params = { name: req.name, owner: req.owner, value: req.value, ttlMs: optionalMs(req.ttlMs), waitUpToMs: optionalMs(req.waitMs) };
      const lease = await elections.campaign(params, ctx.signal);
      // Elected as the client gave up: nobody would know it leads, so it must not stay leader.
      onUndelivered(ctx, () => void engine.release(lease.name, lease.token).catch(() => undefined));
      return create(CampaignResponseSchema, { lease: leaseToProto(lease) });
    },

    async proclaim(req) {
      return create(ProclaimResponseSchema, { leader: leaderToProto(await elections.proclaim(req.name, req.token, req.value)) });
    },

    async leader(req) {
      const leader = await elections.leader(req.name);
      return create(LeaderResponseSchema, { leader: leader === undefined ? undefined : leaderToProto(leader) });
    },

    async *observe(req, ctx) {
      for await (const leader of elections.observe(req.name, ctx.signal)) {
        yield create(ObserveResponseSchema, { leader: leader === undefined ? undefined : leaderToProto(leader) });
      }
    },

    async resign(req) {
      return create(ResignResponseSchema, { term: await elections.resign(req.name, req.token) });
    },
  };
}
