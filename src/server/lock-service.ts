import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AcquireResponseSchema,
  DescribeResponseSchema,
  ForceReleaseResponseSchema,
  ListResponseSchema,
  RefreshResponseSchema,
  ReleaseResponseSchema,
  ReserveResponseSchema,
  WatchResponseSchema,
} from "../gen/baton/lock/v1/lock_pb.js";
import type { LockService } from "../gen/baton/lock/v1/lock_service_pb.js";
import type { LockEngine } from "../engine/lock-engine.js";
import { auditReason, forceRelease } from "../engine/admin/force-release.js";
import { principalKey } from "./auth/context-keys.js";
import { acquireParams, eventKindToProto, holderToProto, leaseToProto, lockToProto, optionalMs, waitEventToProto, waitParams } from "./convert.js";
import { onUndelivered } from "./pipeline/context.js";
import { sessionHandler, type SessionOptions } from "./session-service.js";

/**
 * LockService over the engine: parse, call, map the result; no coordination logic here, and no
 * error handling either (the pipeline's error interceptor maps every error once).
 */
export function lockService(engine: LockEngine, log: (message: string) => void, session: SessionOptions = {}): ServiceImpl<typeof LockService> {
  return {
    async acquire(req, ctx) {
      const params = acquireParams(req);
      // A try-acquire has nothing to give up while waiting: not reading ctx.signal spares the
      // call its AbortController (made on first read; see pipeline/context.ts).
      const lease = params.waitUpToMs === 0 ? await engine.tryAcquire(params) : await engine.acquire(params, ctx.signal);
      // Granted as the client gave up: the answer never reaches it, so the grant must not stay.
      onUndelivered(ctx, () => void engine.release(lease.name, lease.token).catch(() => undefined));
      return create(AcquireResponseSchema, { lease: leaseToProto(lease) });
    },

    // No signal: the pipeline stops the stream's iterator when the client goes or the deadline
    // passes, and an idle waiter then costs no abort controller (100,000 waiters add up).
    // Without hold the grant is the client's once the stream has ended; if that end never
    // reaches it, the grant is released as for a unary Acquire.
    wait: (req, ctx) =>
      engine.waitAs(waitParams(req), req.hold, undefined, (event) => {
        if (event.type === "granted" && !req.hold) {
          const { name, token } = event.lease;
          onUndelivered(ctx, () => void engine.release(name, token).catch(() => undefined));
        }
        return waitEventToProto(event);
      }),

    async release(req) {
      const lease = await engine.release(req.name, req.token);
      return create(ReleaseResponseSchema, { fencing: lease.fencing });
    },

    async refresh(req) {
      const lease = await engine.refresh(req.name, req.token, optionalMs(req.ttlMs));
      return create(RefreshResponseSchema, { lease: leaseToProto(lease) });
    },

    async describe(req) {
      return create(DescribeResponseSchema, { lock: lockToProto(await engine.describe(req.name)) });
    },

    async list(req) {
      const page = await engine.list(req.prefix, req.pageSize, req.pageToken);
      return create(ListResponseSchema, { locks: page.locks.map(lockToProto), nextPageToken: page.next });
    },

    async reserve(req) {
      return create(ReserveResponseSchema, await engine.reserve(req.prefix, req.limit));
    },

    async *watch(req, ctx) {
      const filter = { name: req.name, prefix: req.prefix, initial: req.initial };
      for await (const event of engine.watch(filter, ctx.signal)) {
        yield create(WatchResponseSchema, { kind: eventKindToProto(event.kind), lock: lockToProto(event.lock) });
      }
    },

    session: sessionHandler(engine, log, session),

    async forceRelease(req, ctx) {
      const reason = auditReason(req.reason);
      const released = await forceRelease(engine, req.name, req.fencing);
      // The audit line: who, what, why. Holders are named by owner and fencing, never by token.
      const by = ctx.values.get(principalKey)?.name ?? "anyone (no keys configured)";
      const ended = released.map((l) => `${JSON.stringify(l.owner)} fencing ${l.fencing}`).join(", ") || "nothing (the lock was free)";
      log(`baton: audit: force-release of lock ${JSON.stringify(req.name)} by ${by}: ended ${ended}; reason ${JSON.stringify(reason)}`);
      return create(ForceReleaseResponseSchema, { released: released.map(holderToProto) });
    },
  };
}
