import { Code, ConnectError } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { LockHeldSchema, type Holder } from "../gen/baton/lock/v1/lock_pb.js";
import { formatDuration } from "../duration.js";
import { NOT_HTTP2 } from "../client/errors.js";
import { UsageError } from "./command.js";
import { clockTime } from "./locks/format.js";
import { invalidArgument } from "./invalid.js";

/** How the user wrote what the server refused: a flag or an argument, and its value as typed. */
export interface Subject {
  label: string;
  value?: string;
}

/** What a message needs besides the error: where the server is, which command asked, how. */
export interface ExplainContext {
  url: string;
  command: string;
  now: number;
  /** The flag or argument that filled an API field ("ttl_ms" → --ttl 30ms). */
  subject(field: string | undefined): Subject | undefined;
}

/** The `ErrorInfo` of a Baton error: its reason ("LOCK_HELD") and metadata; undefined for others. */
export function errorInfo(error: unknown): { reason: string; metadata: Record<string, string> } | undefined {
  if (!(error instanceof ConnectError)) return undefined;
  const info = error.findDetails(ErrorInfoSchema).find((i) => i.domain === "baton");
  return info === undefined ? undefined : { reason: info.reason, metadata: info.metadata };
}

/**
 * Turns a failed call into what the CLI prints, in the CLI's own terms (its flags, its
 * arguments, its durations), from the error's typed reason; the server's wording, written for
 * API users, is shown only for a reason this CLI does not know. An argument the server refused is
 * a UsageError (exit 2); everything else exits 1.
 */
export function explain(error: unknown, ctx: ExplainContext): Error {
  if (!(error instanceof ConnectError)) return error instanceof Error ? error : new Error(String(error));
  const info = errorInfo(error);
  if (info === undefined) return withoutReason(error, ctx);
  const m = info.metadata;
  const server = `the Baton server at ${ctx.url}`;
  switch (info.reason) {
    case "INVALID_ARGUMENT": {
      const field = m.field ?? fieldNamedIn(error.rawMessage);
      return new UsageError(invalidArgument(field, ctx.subject(field), m, error.rawMessage));
    }
    case "LOCK_HELD":
      return new Error(`${heldText(error, m.name ?? "the lock", ctx.now)}; wait for it with --wait DUR (or omit --wait)`);
    case "NOT_HELD": {
      const token = ctx.subject("token")?.value;
      const what = `${token === undefined ? "the lease" : `token ${token}`} holds no permit of ${m.name}: it expired, was released, or the token is wrong`;
      return new Error(ctx.command === "refresh" ? `${what}; stop the work it protected` : what);
    }
    case "LIMIT_MISMATCH":
      return new Error(`${m.name} is in use with --limit ${m.limit}; ask with --limit ${m.limit} or without --limit, or wait until it is idle`);
    case "QUEUE_FULL":
      return new Error(`the queue of ${m.name} is full (${m.queue_length} waiting); try again later, or try once with --wait 0`);
    case "WAIT_TIMEOUT": {
      const flag = ctx.subject("wait_ms");
      const within = m.wait_ms === undefined ? "in time" : `within ${formatDuration(Number(m.wait_ms))}`;
      const what = m.name === undefined ? `gave up ${within}` : `no permit of ${m.name} came free ${within}`;
      const hint =
        flag === undefined
          ? ""
          : flag.value === undefined
            ? " (the longest wait the server allows, its --max-wait)"
            : ` (${flag.label} ${flag.value}); wait longer with a larger ${flag.label}, or omit it to wait until granted`;
      return new Error(what + hint);
    }
    case "PARTIES_MISMATCH":
      return new Error(`the barrier ${m.key} is gathering ${m.parties} parties; arrive with --parties ${m.parties}`);
    case "PROBE_NOT_ALLOWED":
      return new Error(`${server} may not probe ${m.host}: add it to the server's --probe-allowlist (BATON_PROBE_ALLOWLIST)`);
    case "PERMISSION_DENIED":
      return new Error(`${server} does not allow this: ${error.rawMessage}`);
    case "UNAUTHENTICATED":
      return new Error(
        m.problem === "invalid"
          ? `${server} refused the API key: it is not valid there (unknown, revoked or mistyped); check BATON_KEY or --api-key`
          : `${server} wants an API key: set BATON_KEY (or pass --api-key); "baton key new NAME" makes one`,
      );
    case "STORE_UNAVAILABLE":
      return new Error(`${server} cannot reach its store right now, so it grants nothing; try again shortly`);
    case "SHUTTING_DOWN":
      return new Error(`${server} is shutting down; try again once it is back, or point --server at another`);
    case "MESSAGE_TOO_LARGE":
      return new Error(`the request is larger than ${server} accepts${m.max_bytes ? ` (${m.max_bytes} bytes)` : ""}`);
    case "RATE_LIMITED":
    case "QUOTA_EXCEEDED":
      return new Error(`${server} refused this: ${error.rawMessage}`);
    case "DEADLINE_EXCEEDED":
      return new Error(`${server} did not answer in time`);
    case "CANCELLED":
      return new Error(`${server} cancelled the call`);
    case "INTERNAL":
      return new Error(`${server} failed on this request; its log says why`);
    default:
      return new Error(`${server} refused this (${info.reason}): ${error.rawMessage}`);
  }
}

/**
 * The field an INVALID_ARGUMENT message starts with ("ttl_ms must be …"), for the server's
 * errors that do not yet name it in `metadata.field`. Only ever used to find the flag to name.
 */
function fieldNamedIn(message: string): string | undefined {
  return /^([a-z_]+(?:\.[a-z_]+)?) /.exec(message)?.[1];
}

/** "deploy/prod is held by ci-job-41 (fencing 17) until 14:40:02 (in 29s); 2 waiting". */
export function heldText(error: ConnectError, name: string, now: number): string {
  const held = error.findDetails(LockHeldSchema)[0];
  if (held === undefined) return `${name} is held`;
  const holders = held.holders.slice(0, 5).map((h) => holderWords(h, now));
  const more = held.holders.length > 5 ? ` and ${held.holders.length - 5} more` : "";
  const what = held.limit > 1 ? `all ${held.limit} permits of ${held.name} are held` : `${held.name} is held`;
  const queue = held.queueLength > 0 ? `; ${held.queueLength} waiting` : "";
  return `${what} by ${holders.join(", ")}${more}${queue}`;
}

function holderWords(h: Holder, now: number): string {
  const until = h.expiresAt === undefined ? "with no expiry" : `until ${clockTime(timestampDate(h.expiresAt), now)}`;
  const mode = h.shared ? ", shared" : h.permits > 1 ? `, ${h.permits} permits` : "";
  return `${h.owner} (fencing ${h.fencing}${mode}) ${until}`;
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "no such host",
  EAI_AGAIN: "the host name did not resolve",
  ECONNRESET: "the connection was reset",
  EHOSTUNREACH: "the host is unreachable",
  ENETUNREACH: "the network is unreachable",
  ETIMEDOUT: "the connection timed out",
};

/** Why the server could not be reached ("connection refused"), or undefined if it was. */
export function unreachable(error: unknown): string | undefined {
  if (!(error instanceof ConnectError) || errorInfo(error) !== undefined) return undefined;
  const network = Object.keys(NETWORK_ERRORS).find((code) => error.rawMessage.includes(code));
  return network === undefined ? undefined : NETWORK_ERRORS[network];
}

/** An error without Baton's ErrorInfo: the network, or something at the URL that is not Baton. */
function withoutReason(error: ConnectError, ctx: ExplainContext): Error {
  const network = unreachable(error);
  if (network !== undefined) {
    return new Error(`cannot reach a Baton server at ${ctx.url} (${network}); start one with "npx baton serve", or point to yours with --server URL or BATON_URL`);
  }
  if (error.code === Code.Unimplemented || error.code === Code.NotFound || error.rawMessage === NOT_HTTP2) {
    return new Error(`${ctx.url} answered, but not as a Baton server; check --server or BATON_URL`);
  }
  return new Error(`the Baton server at ${ctx.url} failed: ${error.rawMessage}`);
}
