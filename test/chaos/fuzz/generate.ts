import { COMPAT_PREFIXES, HEALTH_PATH, jsonToBinary, PAGE_PATH, RPCS, type Rpc } from "../lib/api.js";
import { envelope } from "../lib/envelope.js";
import { mutateBytes, mutateJson } from "./mutate.js";
import type { Rng } from "./rng.js";
import type { FuzzCase } from "./send.js";

/** The encodings a call can be made in, with the content type each sends. */
const PROTOCOLS = [
  { name: "connect-json", unary: "application/json", stream: "application/connect+json", json: true, h2only: false },
  { name: "connect-proto", unary: "application/proto", stream: "application/connect+proto", json: false, h2only: false },
  { name: "grpc", unary: "application/grpc", stream: "application/grpc", json: false, h2only: true },
  { name: "grpc-json", unary: "application/grpc+json", stream: "application/grpc+json", json: true, h2only: true },
  { name: "grpc-web", unary: "application/grpc-web+proto", stream: "application/grpc-web+proto", json: false, h2only: false },
] as const;

const TIMEOUT_HEADERS: [string, string][] = [
  ["connect-timeout-ms", "2147483648"], ["connect-timeout-ms", "9999999999"], ["connect-timeout-ms", "99999999999999"],
  ["connect-timeout-ms", "-1"], ["connect-timeout-ms", "0"], ["connect-timeout-ms", "1e3"], ["connect-timeout-ms", ""],
  ["grpc-timeout", "99999999H"], ["grpc-timeout", "1n"], ["grpc-timeout", "999999999S"], ["grpc-timeout", "5X"], ["grpc-timeout", "H"],
];
const ODD_HEADERS: [string, string][] = [
  ["connect-protocol-version", "2"], ["connect-protocol-version", ""], ["content-encoding", "gzip"], ["connect-content-encoding", "br"],
  ["grpc-encoding", "gzip"], ["grpc-encoding", "nope"], ["connect-accept-encoding", "*"], ["te", "trailers"], ["expect", "100-continue"],
  ["expect", "nothing"], ["transfer-encoding", "chunked"], ["content-length", "99999999"], ["content-type", ""], ["content-type", "text/plain"],
  ["authorization", "Bearer x"], ["x-fuzz", "\u00ff\u00fe"], ["cookie", "a=b"],
];
/** Host / :authority values that once ended the process (issue 10, bug 1), and friends. */
export const BAD_AUTHORITIES = ["[", "%", "", "x:99999999", "[::1", "a b", "%zz", "host:-1", "[]:80", "ÿ", "a".repeat(2000), "@", "x:"];

/** One valid-looking request to an RPC, in some protocol, before damage. */
function rpcBody(rng: Rng, rpc: Rpc, json: boolean): Buffer {
  if (json) return rng.chance(0.2) ? Buffer.from(JSON.stringify(rpc.seed)) : mutateJson(rng, rpc.seed);
  const bytes = jsonToBinary(rpc.input, rpc.seed);
  return rng.chance(0.2) ? Buffer.from(bytes) : mutateBytes(rng, bytes);
}

/** An envelope around a message, sometimes wrong: bad flags, a lying length, several, none. */
function enveloped(rng: Rng, message: Buffer): Buffer {
  const roll = rng.int(10);
  if (roll === 0) return envelope(message, rng.pick([0x01, 0x02, 0x80, 0xff, 0x03]));
  if (roll === 1) return envelope(message, 0, rng.pick([0, message.length + 1, 0xffffffff, 0x7fffffff, 1 << 20]));
  if (roll === 2) return Buffer.concat([envelope(message), envelope(message), envelope(Buffer.alloc(0), 0x02)]);
  if (roll === 3) return envelope(message).subarray(0, rng.int(5));
  if (roll === 4) return message;
  return envelope(message);
}

function rpcCase(rng: Rng): FuzzCase {
  const rpc = rng.pick(RPCS);
  const protocol = rng.pick(PROTOCOLS);
  const via = protocol.h2only || rpc.kind === "bidi_streaming" || rng.chance(0.5) ? "h2" : "h1";
  const streaming = rpc.kind !== "unary" || protocol.name.startsWith("grpc");
  const message = rpcBody(rng, rpc, protocol.json);
  const body = streaming ? enveloped(rng, message) : message;
  const headers: [string, string][] = [["content-type", streaming ? protocol.stream : protocol.unary]];
  if (protocol.name.startsWith("grpc")) headers.push(["te", "trailers"]);
  if (!streaming && rng.chance(0.7)) headers.push(["connect-protocol-version", "1"]);
  if (rng.chance(0.15)) headers.push(rng.pick(TIMEOUT_HEADERS));
  if (rng.chance(0.1)) headers.push(rng.pick(ODD_HEADERS));
  const c: FuzzCase = { label: `${protocol.name} ${rpc.path.split("/").pop()}`, via, method: rng.chance(0.95) ? "POST" : rng.pick(["GET", "PUT", "DELETE"]), path: rpc.path, headers, body };
  return withHostAndDamage(rng, c);
}

const COMPAT_TAILS = [
  "", "x", "lock/x", "lock/x/y", "release/x", "unlock", "fuzz%2Fa", "%", "%zz", "..%2F..", "a?b=c&d", "?owner=%00", "x".repeat(3000),
  "status", "keys", "_port/127.0.0.1/1", "_postgres/x", "subscribe", "lock", "reset/k", "pool?host=h&pool=p&wait=1",
];

function compatCase(rng: Rng): FuzzCase {
  const prefix = rng.pick(COMPAT_PREFIXES);
  const path = `${prefix}${rng.pick(COMPAT_TAILS)}${rng.chance(0.2) ? `?${rng.pick(["timeout=-1", "ttl=99999999999", "wait=x", "owner=", "a=%ff"])}` : ""}`;
  const method = rng.pick(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]);
  const body = rng.chance(0.5) ? mutateJson(rng, { name: "fuzz/c", owner: "f", ttl: 1, key: "fuzz/k" }) : mutateBytes(rng, Buffer.from("owner=f&ttl=1&host=h&pool=fuzz%2Fp"));
  const type = rng.pick(["application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"]);
  return withHostAndDamage(rng, { label: `compat ${prefix}`, via: rng.chance(0.6) ? "h1" : "h2", method, path, headers: [["content-type", type]], body });
}

function pageCase(rng: Rng): FuzzCase {
  const path = rng.pick([PAGE_PATH, `${PAGE_PATH}/`, `${PAGE_PATH}/x.js`, `${PAGE_PATH}?%`, HEALTH_PATH, `${HEALTH_PATH}?x`, "/", "/favicon.ico", "/%", "//", "*", "/ui/../healthz"]);
  return withHostAndDamage(rng, { label: `page ${path.slice(0, 12)}`, via: rng.chance(0.5) ? "h1" : "h2", method: rng.pick(["GET", "HEAD", "POST"]), path, headers: [] });
}

/** Adds a Host / :authority (sometimes bad), sometimes a huge header, sometimes a cut mid-call. */
function withHostAndDamage(rng: Rng, c: FuzzCase): FuzzCase {
  const headers = [...(c.headers ?? [])];
  const host = rng.chance(0.1) ? rng.pick(BAD_AUTHORITIES) : "127.0.0.1";
  if (c.via === "h2") headers.push([":authority", host]);
  else if (!rng.chance(0.03)) headers.unshift(["Host", host]);
  if (c.via === "h1" && c.body !== undefined && !headers.some(([k]) => k === "transfer-encoding" || k === "content-length")) headers.push(["content-length", String(c.body.length)]);
  if (rng.chance(0.03)) headers.push(["x-huge", "h".repeat(rng.pick([8_000, 70_000, 200_000]))]);
  if (rng.chance(0.02)) for (let i = 0; i < 200; i++) headers.push([`x-many-${i}`, "v"]);
  const cut = rng.chance(0.08) ? rng.int(30) : undefined;
  return { ...c, headers, cutAfterMs: cut, label: host === "127.0.0.1" ? c.label : `${c.label} host=${JSON.stringify(host.slice(0, 12))}` };
}

/** Raw bytes on a fresh TCP connection: junk, half prefaces, broken HTTP/1 framing. */
function tcpCase(rng: Rng): FuzzCase {
  const junk = [
    rng.bytes(1 + rng.int(200)),
    Buffer.from("P"),
    Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), rng.bytes(9 + rng.int(64))]),
    Buffer.from(`POST ${RPCS[0]!.path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\ncontent-type: application/json\r\n\r\nzz\r\n{}\r\n`),
    Buffer.from(`POST ${RPCS[0]!.path} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`),
    Buffer.from(`GET http://evil/${HEALTH_PATH} HTTP/1.1\r\nHost: x\r\n\r\n`),
    Buffer.from(`GET ${HEALTH_PATH} HTTP/9.9\r\n\r\n`),
    Buffer.from(`${"A".repeat(100_000)} / HTTP/1.1\r\n\r\n`),
    Buffer.from(`GET /${"%".repeat(5000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
  ];
  const data = mutateBytes(rng, rng.pick(junk));
  const split = rng.chance(0.3) ? 1 + rng.int(Math.max(1, data.length - 1)) : data.length;
  return {
    label: "tcp junk",
    via: "tcp",
    chunks: [{ data: data.subarray(0, split), delayMs: 0 }, { data: data.subarray(split), delayMs: rng.int(30) }],
    timeoutMs: 500,
  };
}

/** One random case: RPCs most of the time, then compat routes, pages, raw junk. */
export function randomCase(rng: Rng): FuzzCase {
  const roll = rng.int(100);
  if (roll < 62) return rpcCase(rng);
  if (roll < 80) return compatCase(rng);
  if (roll < 88) return pageCase(rng);
  return tcpCase(rng);
}
