/**
 * ioredis's words for a command it refused before writing it to the socket: no connection and
 * no offline queue (single node), or no cluster yet. Such a command never ran.
 */
const NEVER_SENT = /isn't writeable|isn't ready|enableOfflineQueue/i;

/**
 * Whether a failed Redis call may still have run its command: a timeout (Redis got it and runs it
 * late, e.g. once a SIGSTOPped server resumes), or a connection lost after the write. A caller
 * that cannot tell must act as if it ran: a script that may have run and granted a lease must
 * have its index writes made (see RedisStore.repair).
 */
export function mayHaveRun(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === "ReplyError") return false;
  return !NEVER_SENT.test(message);
}
