import { binary, json as requests, lockPath } from "../lib/api.js";
import { JsonLockClient } from "../lib/clients/json-client.js";
import { envelope, EnvelopeReader } from "../lib/envelope.js";
import { headersThenReset } from "./h2-frames.js";
import { sendCase, type FuzzCase, type FuzzResult } from "./send.js";

/**
 * Cases the fuzzer always sends first, one for each way the server was known to fall over
 * (issue 10), each with what the answer must be. Random cases find new ways; these make sure
 * the known ones are checked on every run, the short one included.
 */

const DESCRIBE = lockPath("Describe");
const describeBody = Buffer.from(JSON.stringify({ name: "fuzz/fixed" }));

/** Some answer, and not a server error: a bad request gets a clear error, not a 5xx or silence. */
const answered = (r: FuzzResult): string | undefined =>
  r.status === undefined ? `no answer (${r.error ?? "closed"})` : r.status >= 500 ? `answered ${r.status}` : undefined;

function h1Describe(label: string, headers: [string, string][], version = "1.1"): FuzzCase {
  return {
    label,
    via: "h1",
    method: "POST",
    path: DESCRIBE,
    version,
    headers: [...headers, ["content-type", "application/json"], ["content-length", String(describeBody.length)]],
    body: describeBody,
    expect: answered,
  };
}

/** Bad Host and :authority values, HTTP/1.0 without Host, and an HTTP/1 request whose first segment is "P". */
export function fixedCases(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const host of ["[", "%", "", "x:99999999"]) cases.push(h1Describe(`Host ${JSON.stringify(host)}`, [["Host", host]]));
  cases.push(h1Describe("HTTP/1.0 without Host", [], "1.0"));
  for (const authority of ["%", "[", "x:99999999"]) {
    cases.push({ label: `:authority ${JSON.stringify(authority)}`, via: "h2", method: "POST", path: DESCRIBE, headers: [[":authority", authority], ["content-type", "application/json"]], body: describeBody, expect: answered });
  }
  // A path that starts with "//" reads as a scheme-relative URL: new URL("//x", base) throws.
  for (const path of ["//", "//x", `/${DESCRIBE}`]) {
    cases.push({ ...h1Describe(`path ${path.slice(0, 12)}`, [["Host", "127.0.0.1"]]), path });
    cases.push({ label: `h2 path ${path.slice(0, 12)}`, via: "h2", method: "GET", path, headers: [], expect: answered });
  }
  // A stream reset before the server handles its headers: bad authority, raw route, router.
  const h2 = (path: string, authority: string, type: string): [string, string][] => [[":method", "POST"], [":scheme", "http"], [":path", path], [":authority", authority], ["content-type", type]];
  cases.push({
    label: "HTTP/2 HEADERS and RST_STREAM in one segment",
    via: "tcp",
    chunks: [{ data: headersThenReset([
      { headers: h2(DESCRIBE, "[", "application/json"), body: describeBody },
      { headers: h2(lockPath("Wait"), "127.0.0.1", "application/connect+proto"), body: Buffer.alloc(5) },
      { headers: h2(lockPath("Session"), "127.0.0.1", "application/connect+proto") },
      { headers: h2(DESCRIBE, "127.0.0.1", "application/json"), body: describeBody },
    ]), delayMs: 0 }],
    timeoutMs: 300,
  });
  // A lone surrogate in a gRPC JSON message: echoed in grpc-message, encodeURIComponent throws.
  const surrogate = '{"id":"\\ud800","acquire":{"name":"fuzz/s","owner":"fuzzer","ttlMs":"500","waitMs":"200"},"reportPositions":{}}';
  cases.push({
    label: "gRPC JSON Session message with a lone surrogate",
    via: "h2",
    method: "POST",
    path: lockPath("Session"),
    headers: [["content-type", "application/grpc+json"], ["te", "trailers"]],
    body: envelope(Buffer.from(surrogate)),
    expect: (r) => (r.headers["grpc-status"] === undefined ? `no gRPC status (${r.error ?? r.status})` : undefined),
  });
  const rest = Buffer.from(`OST ${DESCRIBE} HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${describeBody.length}\r\n\r\n${describeBody}`);
  cases.push({
    label: 'HTTP/1.1 whose first TCP segment is "P"',
    via: "tcp",
    chunks: [{ data: Buffer.from("P"), delayMs: 0 }, { data: rest, delayMs: 50 }],
    expect: (r) => (r.status === 200 ? undefined : `expected an HTTP/1.1 200, got ${r.status ?? r.error ?? "nothing"}`),
  });
  return cases;
}

/** The grpc-status of a gRPC answer (trailers, or headers for a trailers-only answer). */
const grpcStatus = (r: FuzzResult): string | undefined => r.headers["grpc-status"];

/** Whether a Connect stream's answer carries a granted WaitResponse (binary envelopes). */
function streamGranted(r: FuzzResult, json: boolean): boolean {
  return new EnvelopeReader().push(r.body).some((e) => {
    if ((e.flags & 0x02) !== 0) return false;
    if (json) return requests.isGrant(JSON.parse(e.payload.toString()));
    return binary.waitEvent(e.payload).kind === "granted";
  });
}

/**
 * A huge timeout (≥ 2³¹ ms, valid per the protocols) must not end a call at once (issue 10,
 * bug 4): each call here waits for a lock its holder releases after 300 ms, with a huge timeout
 * header, and must be granted. Returns the problems found.
 */
export async function hugeTimeoutChecks(base: string, prefix: string): Promise<string[]> {
  const json = new JsonLockClient(base);
  const problems: string[] = [];
  const args = { owner: "huge-timeout", ttlMs: 1000, waitMs: 3000 };
  const acquireJson = (name: string) => Buffer.from(JSON.stringify(requests.acquire({ ...args, name })));
  const checks: { label: string; make: (name: string) => FuzzCase; ok: (r: FuzzResult) => boolean }[] = [
    {
      label: "Connect JSON Acquire, connect-timeout-ms: 2147483648",
      make: (name) => ({ label: "", via: "h1", method: "POST", path: lockPath("Acquire"), headers: [["Host", "127.0.0.1"], ["content-type", "application/json"], ["connect-timeout-ms", "2147483648"], ["content-length", String(acquireJson(name).length)]], body: acquireJson(name) }),
      ok: (r) => r.status === 200,
    },
    {
      label: "Connect JSON Acquire, connect-timeout-ms: 9999999999",
      make: (name) => ({ label: "", via: "h2", method: "POST", path: lockPath("Acquire"), headers: [["content-type", "application/json"], ["connect-timeout-ms", "9999999999"]], body: acquireJson(name) }),
      ok: (r) => r.status === 200,
    },
    {
      label: "gRPC Acquire, grpc-timeout: 99999999H",
      make: (name) => ({ label: "", via: "h2", method: "POST", path: lockPath("Acquire"), headers: [["content-type", "application/grpc"], ["te", "trailers"], ["grpc-timeout", "99999999H"]], body: envelope(binary.acquireRequest({ name, owner: "huge-timeout", ttlMs: 1000n, waitMs: 3000n })) }),
      ok: (r) => grpcStatus(r) === "0",
    },
    {
      label: "Connect binary Wait stream, connect-timeout-ms: 2147483648",
      make: (name) => ({ label: "", via: "h2", method: "POST", path: lockPath("Wait"), headers: [["content-type", "application/connect+proto"], ["connect-timeout-ms", "2147483648"]], body: envelope(binary.waitRequest({ ...args, name, hold: false })) }),
      ok: (r) => streamGranted(r, false),
    },
    {
      label: "Connect JSON Wait stream, connect-timeout-ms: 2147483648",
      make: (name) => ({ label: "", via: "h2", method: "POST", path: lockPath("Wait"), headers: [["content-type", "application/connect+json"], ["connect-timeout-ms", "2147483648"]], body: envelope(Buffer.from(JSON.stringify(requests.wait({ ...args, name })))) }),
      ok: (r) => streamGranted(r, true),
    },
  ];
  try {
    for (const [i, check] of checks.entries()) {
      const name = `${prefix}huge-timeout-${i}`;
      const holder = await json.acquire(name, { owner: "holder", ttlMs: 2000, waitMs: 1000 });
      const answer = sendCase(base, { ...check.make(name), timeoutMs: 6000 });
      await new Promise((r) => setTimeout(r, 300));
      await json.release(name, holder.token).catch(() => undefined);
      const r = await answer;
      if (!check.ok(r)) {
        const detail = r.headers["grpc-message"] ?? r.body.toString("utf8").replace(/[^\x20-\x7e]/g, ".").slice(0, 160);
        problems.push(`huge timeout: ${check.label}: not granted (status ${r.status ?? r.error}, ${detail})`);
      }
    }
  } catch (error) {
    problems.push(`huge timeout checks could not run: ${String(error)}`);
  } finally {
    json.close();
  }
  return problems;
}
