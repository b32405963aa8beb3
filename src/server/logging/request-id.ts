import { randomUUID } from "node:crypto";

/** The header a request id travels in, both ways. */
export const REQUEST_ID_HEADER = "x-request-id";

/** What a client-chosen id may look like: short, printable, safe to log and echo. */
const SANE = /^[A-Za-z0-9._:/+=-]{1,128}$/;

/**
 * The request id of a call: the client's `x-request-id` when it is sane (so a trace can follow a
 * request through a proxy that set it), a fresh UUID otherwise (absent, too long, or holding
 * characters that could forge log lines or headers).
 */
export function requestIdFrom(header: string | null | undefined): string {
  return header !== null && header !== undefined && SANE.test(header) ? header : randomUUID();
}
