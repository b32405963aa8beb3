import * as http2 from "node:http2";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { AcquireRequestSchema, AcquireResponseSchema } from "../../src/gen/baton/lock/v1/lock_pb.js";
import { SessionRequestSchema, SessionResponseSchema } from "../../src/gen/baton/lock/v1/session_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient } from "../helpers/clients.js";

// The pipeline reads request bodies two ways (read-one.ts from data events for a Connect unary
// body; connect-es's envelope functions in read.ts for the rest): these pin that the way the bytes
// arrive (one per DATA frame, many messages in one frame, messages split across frames) changes
// nothing.

let server: TestServer;
beforeAll(async () => {
  server = await startServer({});
});
afterAll(async () => {
  await server.close();
});

const frame = (data: Uint8Array, flags = 0): Buffer => {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(data.length, 1);
  return Buffer.concat([head, data]);
};

/** Sends `pieces` as separate DATA frames (each written after the last one left), then reads the whole answer. */
async function exchange(headers: http2.OutgoingHttpHeaders, pieces: Buffer[]): Promise<{ headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders; body: Buffer }> {
  const session = http2.connect(server.url);
  try {
    const stream = session.request({ ":method": "POST", ...headers });
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    stream.on("response", (h) => (responseHeaders = h));
    stream.on("trailers", (t) => (trailers = t));
    const chunks: Buffer[] = [];
    const reading = (async () => {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    })();
    for (const piece of pieces) await new Promise<void>((resolve) => stream.write(piece, () => resolve()));
    stream.end();
    await reading;
    return { headers: responseHeaders, trailers, body: Buffer.concat(chunks) };
  } finally {
    session.close();
  }
}

function envelopes(body: Buffer): Array<{ flags: number; data: Buffer }> {
  const out: Array<{ flags: number; data: Buffer }> = [];
  let rest = body;
  while (rest.length >= 5) {
    const length = rest.readUInt32BE(1);
    out.push({ flags: rest[0]!, data: rest.subarray(5, 5 + length) });
    rest = rest.subarray(5 + length);
  }
  expect(rest.length).toBe(0);
  return out;
}

describe("reading request bodies from data events", () => {
  it("grants a gRPC Acquire whose body arrives one byte per DATA frame, and releases it", async () => {
    const body = frame(toBinary(AcquireRequestSchema, create(AcquireRequestSchema, { name: "bytewise", owner: "o", waitMs: 0n })));
    const pieces = [...body].map((b) => Buffer.from([b]));
    const res = await exchange({ ":path": "/baton.lock.v1.LockService/Acquire", "content-type": "application/grpc", te: "trailers" }, pieces);
    expect(res.trailers["grpc-status"]).toBe("0");
    const [answer] = envelopes(res.body);
    const lease = fromBinary(AcquireResponseSchema, answer!.data).lease!;
    expect(lease.name).toBe("bytewise");
    const client = lockClient("connect-binary-h2", server.url);
    expect((await client.describe({ name: "bytewise" })).lock?.holders).toHaveLength(1);
    await client.release({ name: "bytewise", token: lease.token });
    expect((await client.describe({ name: "bytewise" })).lock?.holders ?? []).toEqual([]);
  });

  it("refuses a gRPC Acquire that sends two messages split across frames, and grants nothing", async () => {
    const one = frame(toBinary(AcquireRequestSchema, create(AcquireRequestSchema, { name: "twice", owner: "o", waitMs: 0n })));
    const both = Buffer.concat([one, one]);
    const res = await exchange({ ":path": "/baton.lock.v1.LockService/Acquire", "content-type": "application/grpc", te: "trailers" }, [both.subarray(0, 7), both.subarray(7, one.length + 3), both.subarray(one.length + 3)]);
    expect(res.trailers["grpc-status"]).toBe("3");
    expect(decodeURIComponent(String(res.trailers["grpc-message"]))).toContain("exactly one");
    expect((await lockClient("connect-binary-h2", server.url).describe({ name: "twice" })).lock?.holders ?? []).toEqual([]);
  });

  it("grants a Connect unary JSON Acquire whose body arrives in three DATA frames", async () => {
    const json = Buffer.from(JSON.stringify({ name: "pieces", owner: "o", waitMs: "0" }));
    const res = await exchange({ ":path": "/baton.lock.v1.LockService/Acquire", "content-type": "application/json" }, [json.subarray(0, 3), json.subarray(3, 10), json.subarray(10)]);
    expect(res.headers[":status"]).toBe(200);
    expect(JSON.parse(res.body.toString()).lease.name).toBe("pieces");
    expect((await lockClient("connect-binary-h2", server.url).describe({ name: "pieces" })).lock?.holders).toHaveLength(1);
  });

  it("answers every one of 100 Session pings sent in one frame, past the read-ahead, in order", async () => {
    const pings = Array.from({ length: 100 }, (_, i) => frame(toBinary(SessionRequestSchema, create(SessionRequestSchema, { id: BigInt(i + 1), op: { case: "ping", value: {} } }))));
    const res = await exchange({ ":path": "/baton.lock.v1.LockService/Session", "content-type": "application/connect+proto" }, [Buffer.concat(pings)]);
    const all = envelopes(res.body);
    const end = all.at(-1)!;
    expect(end.flags & 0x02).toBe(2);
    expect(JSON.parse(end.data.toString()).error).toBeUndefined();
    const answers = all.slice(0, -1).map((e) => fromBinary(SessionResponseSchema, e.data));
    expect(answers.map((a) => a.result.case)).toEqual(Array(100).fill("pong"));
    expect(answers.map((a) => Number(a.id))).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it("answers Session messages that arrive one byte per DATA frame", async () => {
    const pings = Array.from({ length: 3 }, (_, i) => frame(toBinary(SessionRequestSchema, create(SessionRequestSchema, { id: BigInt(i + 1), op: { case: "ping", value: {} } }))));
    const res = await exchange({ ":path": "/baton.lock.v1.LockService/Session", "content-type": "application/connect+proto" }, [...Buffer.concat(pings)].map((b) => Buffer.from([b])));
    const answers = envelopes(res.body).slice(0, -1).map((e) => fromBinary(SessionResponseSchema, e.data));
    expect(answers.map((a) => [Number(a.id), a.result.case])).toEqual([
      [1, "pong"],
      [2, "pong"],
      [3, "pong"],
    ]);
  });

  const acquireGrpc = (name: string) => toBinary(AcquireRequestSchema, create(AcquireRequestSchema, { name, owner: "o", waitMs: 0n }));
  const grpcHeaders = (encoding?: string) => ({ ":path": "/baton.lock.v1.LockService/Acquire", "content-type": "application/grpc", te: "trailers", ...(encoding === undefined ? {} : { "grpc-encoding": encoding }) });

  it("grants a gRPC Acquire whose message is gzip-compressed under grpc-encoding: gzip", async () => {
    const res = await exchange(grpcHeaders("gzip"), [frame(gzipSync(acquireGrpc("gzipped")), 1)]);
    expect(res.trailers["grpc-status"]).toBe("0");
    expect(fromBinary(AcquireResponseSchema, envelopes(res.body)[0]!.data).lease?.name).toBe("gzipped");
  });

  it("answers an unknown grpc-encoding with unimplemented, and a compressed message under identity with invalid_argument", async () => {
    const unknown = await exchange(grpcHeaders("snappy"), [frame(acquireGrpc("snappy"))]);
    expect(unknown.trailers["grpc-status"]).toBe("12");
    const identity = await exchange(grpcHeaders("identity"), [frame(gzipSync(acquireGrpc("identity")), 1)]);
    expect(identity.trailers["grpc-status"]).toBe("3");
    expect(decodeURIComponent(String(identity.trailers["grpc-message"]))).toContain("compressed");
    const client = lockClient("connect-binary-h2", server.url);
    for (const name of ["snappy", "identity"]) expect((await client.describe({ name })).lock?.holders ?? []).toEqual([]);
  });

  it("reads a gzip-compressed Session stream through the compressed path", async () => {
    const pings = Array.from({ length: 3 }, (_, i) => frame(gzipSync(toBinary(SessionRequestSchema, create(SessionRequestSchema, { id: BigInt(i + 1), op: { case: "ping", value: {} } }))), 1));
    const res = await exchange({ ":path": "/baton.lock.v1.LockService/Session", "content-type": "application/connect+proto", "connect-content-encoding": "gzip" }, [Buffer.concat(pings)]);
    const answers = envelopes(res.body).slice(0, -1).map((e) => fromBinary(SessionResponseSchema, e.data));
    expect(answers.map((a) => a.result.case)).toEqual(["pong", "pong", "pong"]);
  });
});
