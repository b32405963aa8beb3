import * as http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { SessionRequestSchema } from "../../src/gen/baton/lock/v1/session_pb.js";
import { LockService } from "../../src/gen/baton/lock/v1/lock_service_pb.js";
import { ErrorInfoSchema } from "../../src/gen/google/rpc/error_details_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";

// The same scenarios over every protocol, encoding and HTTP version the one pipeline serves:
// unary, server stream, bidi, a typed error, a deadline, a body that does not parse, a cancelled
// stream; and an interceptor that sees every one of these calls.

type Kind = { protocol: "connect" | "grpc" | "grpc-web"; binary: boolean; http: "1.1" | "2" };
const KINDS: Kind[] = [
  { protocol: "connect", binary: false, http: "1.1" },
  { protocol: "connect", binary: true, http: "1.1" },
  { protocol: "connect", binary: false, http: "2" },
  { protocol: "connect", binary: true, http: "2" },
  { protocol: "grpc", binary: true, http: "2" },
  { protocol: "grpc", binary: false, http: "2" },
  { protocol: "grpc-web", binary: true, http: "1.1" },
  { protocol: "grpc-web", binary: true, http: "2" },
  { protocol: "grpc-web", binary: false, http: "1.1" },
];
const label = (k: Kind): string => `${k.protocol}${k.binary ? "" : "+json"} over HTTP/${k.http}`;

function transport(k: Kind, baseUrl: string): Transport {
  const common = { baseUrl, httpVersion: k.http, useBinaryFormat: k.binary } as const;
  if (k.protocol === "grpc") return createGrpcTransport(common as { baseUrl: string; useBinaryFormat: boolean });
  if (k.protocol === "grpc-web") return createGrpcWebTransport(common);
  return createConnectTransport(common);
}

/** What the observing interceptor saw: protocol, method, stream or not, outcome. */
const seen: Array<{ protocol: string | null; method: string; stream: boolean; code: Code | "ok" }> = [];
const observer: Interceptor = (next) => async (req) => {
  const protocol = req.header.get("content-type");
  try {
    const res = await next(req);
    seen.push({ protocol, method: req.method.name, stream: req.stream, code: "ok" });
    return res;
  } catch (error) {
    seen.push({ protocol, method: req.method.name, stream: req.stream, code: ConnectError.from(error).code });
    throw error;
  }
};

let server: TestServer;
beforeAll(async () => {
  server = await startServer({}, { interceptors: [observer] });
});
afterAll(async () => {
  await server.close();
});

let n = 0;
const unique = (base: string): string => `conformance/${base}/${n++}`;

describe.each(KINDS)("$protocol (binary $binary) over HTTP/$http", (kind) => {
  const client = () => createClient(LockService, transport(kind, server.url));

  it("unary: acquires and releases, and the interceptor saw both calls", async () => {
    const c = client();
    const name = unique("unary");
    const before = seen.length;
    const { lease } = await c.acquire({ name, owner: label(kind), waitMs: 0n });
    await c.release({ name, token: lease!.token });
    const calls = seen.slice(before).filter((s) => s.method === "Acquire" || s.method === "Release");
    expect(calls.map((s) => [s.method, s.stream, s.code])).toEqual([
      ["Acquire", false, "ok"],
      ["Release", false, "ok"],
    ]);
    expect(calls[0]!.protocol).toContain(kind.protocol === "connect" ? "application/" : `application/${kind.protocol}`);
  });

  it("server stream: a Wait queues, then is granted", async () => {
    const c = client();
    const name = unique("stream");
    const { lease } = await c.acquire({ name, waitMs: 0n });
    const events: string[] = [];
    const done = (async () => {
      for await (const e of c.wait({ name, owner: "waiter" })) events.push(e.event.case ?? "?");
    })();
    await eventually(() => expect(events).toContain("queued"));
    await c.release({ name, token: lease!.token });
    await done;
    expect(events).toEqual(["queued", "granted"]);
    expect(seen.some((s) => s.method === "Wait" && s.stream)).toBe(true);
  });

  it("a typed error: LOCK_HELD with its ErrorInfo", async () => {
    const c = client();
    const name = unique("held");
    await c.acquire({ name, waitMs: 0n });
    const error = ConnectError.from(await c.acquire({ name, waitMs: 0n }).catch((e: unknown) => e));
    expect(error.code).toBe(Code.Aborted);
    expect(error.findDetails(ErrorInfoSchema)[0]?.reason).toBe("LOCK_HELD");
  });

  it("a deadline: the client's timeout ends a waiting Acquire and it leaves the queue", async () => {
    const c = client();
    const name = unique("deadline");
    await c.acquire({ name, waitMs: 0n });
    const error = ConnectError.from(await c.acquire({ name }, { timeoutMs: 200 }).catch((e: unknown) => e));
    expect(error.code).toBe(Code.DeadlineExceeded);
    await eventually(async () => expect((await c.describe({ name })).lock?.waiters).toEqual([]));
  });

  it("a cancelled stream leaves the queue", async () => {
    const c = client();
    const name = unique("cancel");
    await c.acquire({ name, waitMs: 0n });
    const ctl = new AbortController();
    const waiting = (async () => {
      for await (const e of c.wait({ name, owner: "quitter" }, { signal: ctl.signal })) if (e.event.case === "queued") ctl.abort();
    })().catch(() => undefined);
    await waiting;
    await eventually(async () => expect((await c.describe({ name })).lock?.waiters).toEqual([]));
  });

  it.runIf(kind.http === "2" && kind.protocol !== "grpc-web")("bidi: a Session opens, acquires and releases", async () => {
    const c = client();
    const name = unique("bidi");
    const out: Array<{ id: bigint; case: string | undefined }> = [];
    const requests = (async function* () {
      yield create(SessionRequestSchema, { id: 1n, op: { case: "open", value: {} } });
      yield create(SessionRequestSchema, { id: 2n, op: { case: "acquire", value: { name, waitMs: 0n } } });
      await eventually(() => expect(out.some((r) => r.id === 2n)).toBe(true));
      const acquired = out.find((r) => r.id === 2n);
      expect(acquired?.case).toBe("acquired");
    })();
    for await (const r of c.session(requests)) out.push({ id: r.id, case: r.result.case });
    expect(out.map((r) => r.case)).toEqual(["opened", "acquired"]);
    expect(seen.some((s) => s.method === "Session" && s.stream)).toBe(true);
  });

  it("a body that does not parse is invalid_argument, and the interceptor saw it fail", async () => {
    const before = seen.length;
    const status = await sendGarbage(kind, server.url);
    expect(status).toBe("invalid_argument");
    expect(seen.slice(before).some((s) => s.method === "Acquire" && s.code === Code.InvalidArgument)).toBe(true);
  });
});

/** Sends bytes that are not an AcquireRequest in the protocol's framing; returns the error code's name. */
async function sendGarbage(kind: Kind, url: string): Promise<string> {
  const garbage = kind.binary ? new Uint8Array([0xff, 0xff, 0xff]) : new TextEncoder().encode("{not json");
  const enveloped = kind.protocol !== "connect";
  const type = kind.protocol === "connect" ? (kind.binary ? "application/proto" : "application/json") : `application/${kind.protocol}+${kind.binary ? "proto" : "json"}`;
  const body = enveloped ? encodeEnvelope(0, garbage) : garbage;
  const { status, headers, trailers, data } = await rawCall(url, kind.http, type, body);
  if (kind.protocol === "connect") {
    expect(status).toBe(400);
    return (JSON.parse(new TextDecoder().decode(data)) as { code: string }).code;
  }
  const grpcStatus = trailers["grpc-status"] ?? headers["grpc-status"] ?? grpcWebStatus(data);
  return grpcStatus === "3" ? "invalid_argument" : `grpc-status ${grpcStatus}`;
}

/** The grpc-status in a gRPC-Web body's trailer envelope (flag 0x80), read with plain text search. */
function grpcWebStatus(data: Uint8Array): string | undefined {
  return /grpc-status:\s*(\d+)/.exec(new TextDecoder().decode(data))?.[1];
}

async function rawCall(url: string, http: "1.1" | "2", type: string, body: Uint8Array) {
  const path = "/baton.lock.v1.LockService/Acquire";
  if (http === "1.1") {
    const res = await fetch(url + path, { method: "POST", headers: { "content-type": type }, body });
    return { status: res.status, headers: Object.fromEntries(res.headers), trailers: {} as Record<string, string>, data: new Uint8Array(await res.arrayBuffer()) };
  }
  return new Promise<{ status: number; headers: Record<string, string>; trailers: Record<string, string>; data: Uint8Array }>((resolve, reject) => {
    const session = http2.connect(url);
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": type, te: "trailers" });
    let status = 0;
    let headers: Record<string, string> = {};
    let trailers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      status = Number(h[":status"]);
      headers = Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)]));
    });
    stream.on("trailers", (t) => (trailers = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, String(v)]))));
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("error", reject);
    stream.on("close", () => {
      session.close();
      resolve({ status, headers, trailers, data: Buffer.concat(chunks) });
    });
    stream.end(body);
  });
}
