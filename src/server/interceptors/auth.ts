import type { Interceptor, StreamRequest, StreamResponse, UnaryRequest, UnaryResponse } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { SessionRequest } from "../../gen/baton/lock/v1/session_pb.js";
import { socketKey } from "../pipeline/context.js";
import { authorize, identify, requireScope } from "../auth/authorize.js";
import { outOfScope } from "../auth/errors.js";
import type { AuthState } from "../auth/state.js";
import type { Principal } from "../auth/key-ring.js";
import { RULES, type Fields } from "../auth/rules.js";
import { principalKey, sessionGuardKey } from "../auth/context-keys.js";
import { overLimit, type KeyUsage } from "../auth/usage.js";
import { Tracked } from "./tracked.js";

type Req = UnaryRequest | StreamRequest;
type Res = UnaryResponse | StreamResponse;

const ACQUIRE = "baton.lock.v1.LockService/Acquire";
const WAIT = "baton.lock.v1.LockService/Wait";
const RELEASE = "baton.lock.v1.LockService/Release";
const REFRESH = "baton.lock.v1.LockService/Refresh";

/**
 * Authentication, authorization and per-key limits, once for every protocol: who calls (an API
 * key or an mTLS certificate), whether its scopes cover the action and the name, and whether its
 * limits allow one more call, stream, waiter or lease. Open (no keys configured) it does nothing.
 * It reads the keys from `auth` at each call, so a config reload takes effect at once.
 */
export function authInterceptor(auth: AuthState): Interceptor {
  return (next) => (req) => {
    if (auth.ring.open) return next(req);
    return checked(auth, req, next).catch((error: unknown) => {
      auth.noteFailure(error);
      throw error;
    });
  };
}

/** Identifies the caller, checks its scopes and limits, then runs the call, counting what it opens. */
async function checked(auth: AuthState, req: Req, next: (r: Req) => Promise<Res>): Promise<Res> {
  const ring = auth.ring;
  const path = `${req.service.typeName}/${req.method.name}`;
  const principal = identify(ring, req.header.get("authorization"), req.contextValues.get(socketKey));
  const rule = RULES.get(path);
  if (rule === undefined) throw outOfScope(`${path} is not open to API keys`, `method:${path}`);
  req.contextValues.set(principalKey, principal);
  const usage = auth.usage.of(principal);
  usage.takeCall(principal.limits, Date.now());
  if (rule === "any-key") return next(req);
  if (!req.stream) {
    const message = req.message as unknown as Fields;
    authorize(principal, rule, message);
    return unary(auth, principal, usage, path, withMessage(req, message), next);
  }
  if (req.method.methodKind === "server_streaming") {
    const message = (await firstOf(req.message)) as Fields;
    authorize(principal, rule, message);
    return stream(principal, usage, path, withMessage(req, once(message)), next);
  }
  // The Session: each operation is checked as it arrives, and answered on its own if refused.
  requireScope(principal, rule.action);
  req.contextValues.set(sessionGuardKey, sessionGuard(principal, usage));
  return stream(principal, usage, path, req, next);
}

async function unary(auth: AuthState, principal: Principal, usage: KeyUsage, path: string, req: UnaryRequest, next: (r: Req) => Promise<Res>): Promise<Res> {
  const message = req.message as unknown as Fields;
  const { limits } = principal;
  if (path === ACQUIRE) {
    const counted = limits.leases !== undefined;
    // Acquires in flight count as leases until they settle, so that concurrent ones cannot overshoot.
    if (counted && auth.leases.count(usage, Date.now()) + usage.acquiring >= limits.leases!) throw overLimit(principal.name, "leases", limits.leases!);
    const waits = message["waitMs"] !== 0n;
    if (waits) usage.enter("waiters", limits);
    if (counted) usage.acquiring++;
    let res: Res;
    try {
      res = await next(req);
      if (counted) noteGrant(auth, usage, (res.message as Fields)["lease"]);
    } finally {
      if (waits) usage.leave("waiters");
      if (counted) usage.acquiring--;
    }
    return res;
  }
  const res = await next(req);
  if (path === RELEASE) auth.leases.released(String(message["token"]));
  else if (path === REFRESH) noteRefresh(auth, (res.message as Fields)["lease"]);
  return res;
}

async function stream(principal: Principal, usage: KeyUsage, path: string, req: StreamRequest, next: (r: Req) => Promise<Res>): Promise<Res> {
  const { limits } = principal;
  usage.enter("streams", limits);
  const waits = path === WAIT;
  if (waits) {
    try {
      usage.enter("waiters", limits);
    } catch (error) {
      usage.leave("streams");
      throw error;
    }
  }
  let waiting = waits;
  const leave = (): void => {
    usage.leave("streams");
    if (waiting) usage.leave("waiters");
    waiting = false;
  };
  let res: Res;
  try {
    res = await next(req);
  } catch (error) {
    leave();
    throw error;
  }
  if (!res.stream) return res;
  const onMessage = waits
    ? (m: unknown): void => {
        // Granted: no longer a waiter.
        if (waiting && (m as { event?: { case?: string } }).event?.case === "granted") {
          waiting = false;
          usage.leave("waiters");
        }
      }
    : undefined;
  (res as { message: AsyncIterable<unknown> }).message = new Tracked(res.message[Symbol.asyncIterator](), leave, onMessage);
  return res;
}

function sessionGuard(principal: Principal, usage: KeyUsage): (request: SessionRequest) => unknown {
  let sessionOwner: string | undefined;
  return (request) => {
    const op = request.op;
    try {
      if (op.case === "open") {
        if (op.value.owner === "") op.value.owner = principal.name;
        sessionOwner = op.value.owner;
        return undefined;
      }
      if (op.case !== "acquire" && op.case !== "release" && op.case !== "refresh") return undefined;
      usage.takeCall(principal.limits, Date.now());
      requireScope(principal, "acquire", "locks", op.value.name);
      if (op.case === "acquire" && op.value.owner === "") op.value.owner = sessionOwner ?? principal.name;
      return undefined;
    } catch (error) {
      return error;
    }
  };
}

function noteGrant(auth: AuthState, usage: KeyUsage, lease: unknown): void {
  const l = lease as { token?: string; expiresAt?: Parameters<typeof timestampMs>[0] } | undefined;
  if (l?.token === undefined) return;
  auth.leases.granted(usage, l.token, l.expiresAt === undefined ? Infinity : timestampMs(l.expiresAt));
}

function noteRefresh(auth: AuthState, lease: unknown): void {
  const l = lease as { token?: string; expiresAt?: Parameters<typeof timestampMs>[0] } | undefined;
  if (l?.token !== undefined) auth.leases.refreshed(l.token, l.expiresAt === undefined ? Infinity : timestampMs(l.expiresAt));
}

/** The request with its message already read (and checked, and its owner filled in). */
function withMessage<R extends Req>(req: R, message: unknown): R {
  return Object.create(req, { message: { value: message, enumerable: true } }) as R;
}

async function firstOf(messages: AsyncIterable<unknown>): Promise<unknown> {
  for await (const message of messages) return message;
  throw new Error("the request stream had no message");
}

async function* once(message: unknown): AsyncGenerator<unknown> {
  yield message;
}
