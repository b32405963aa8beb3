/**
 * One HTTP attempt: a GET of `url` that succeeds when the answer's status is `expectStatus`
 * (0: any 2xx). Redirects are not followed, so a probe cannot be bounced to a host outside the
 * allowlist. The body is discarded unread.
 */
export async function probeHttp(url: string, expectStatus: number, timeoutMs: number, signal: AbortSignal): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: "manual", signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new Error(fetchFailure(error, timeoutMs));
  }
  await response.body?.cancel().catch(() => undefined);
  const ok = expectStatus === 0 ? response.status >= 200 && response.status < 300 : response.status === expectStatus;
  const wanted = expectStatus === 0 ? "a 2xx status" : `status ${expectStatus}`;
  if (!ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim() + `; waiting for ${wanted}`);
  return `HTTP ${response.status}`;
}

/** fetch hides the socket error behind "fetch failed": show the cause a person can act on. */
function fetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = error instanceof Error ? (error.cause as { message?: string } | undefined) : undefined;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
