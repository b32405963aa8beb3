import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";
import * as http2 from "node:http2";
import { RawSession, h2Client, startSessionServer } from "./raw-session.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ maxLimit: 10 });
});
afterAll(async () => {
  await server.close();
});

const errorOf = async (s: RawSession, id: bigint) => {
  const r = await s.answer(id);
  if (r.result.case !== "error") throw new Error(`expected an error for ${id}, got ${r.result.case}`);
  return r.result.value;
};

describe("Session: bad messages answer their id and leave the stream up", () => {
  it("refuses id 0, an empty request, and a second acquire under a pending id", async () => {
    const s = new RawSession(h2Client(server.url));
    s.send(0n, { case: "release", value: { name: "x", token: "0".repeat(32) } });
    expect((await s.answer(0n, "error")).result.value).toMatchObject({ code: "invalid_argument" });
    s.send(1n, { case: undefined });
    expect((await errorOf(s, 1n)).code).toBe("invalid_argument");
    const holder = new RawSession(h2Client(server.url));
    holder.send(1n, { case: "acquire", value: { name: "bad-dup", owner: "h", waitMs: 0n } });
    await holder.answer(1n);
    s.send(2n, { case: "acquire", value: { name: "bad-dup", owner: "s", waitMs: undefined } });
    await s.answer(2n, "queued");
    s.send(2n, { case: "acquire", value: { name: "bad-dup-2", owner: "s", waitMs: 0n } });
    const dup = await s.answer(2n, "error");
    expect(dup.result.value).toMatchObject({ code: "invalid_argument" });
    expect((dup.result.value as { message: string }).message).toContain("pending");
    // The first acquire under id 2 is still queued, and the stream still works.
    s.send(3n, { case: "acquire", value: { name: "bad-ok", owner: "s", waitMs: 0n } });
    expect((await s.answer(3n)).result.case).toBe("acquired");
    expect(s.done).toBe(false);
    holder.close();
    s.close();
    await s.finished;
    expect(s.ended).toBeUndefined();
  });

  it.each([
    ["an empty name", { name: "", owner: "o", waitMs: 0n }, "name"],
    ["a name with a space", { name: "a b", owner: "o", waitMs: 0n }, "space"],
    ["a TTL below the minimum", { name: "bad-ttl", owner: "o", waitMs: 0n, ttlMs: 1n }, "ttl_ms"],
    ["a limit above the maximum", { name: "bad-limit", owner: "o", waitMs: 0n, limit: 11 }, "limit"],
    ["a negative wait other than -1", { name: "bad-wait", owner: "o", waitMs: -5n }, "wait"],
    ["an owner with control characters", { name: "bad-owner", owner: "a\nb", waitMs: 0n }, "owner"],
  ])("answers an acquire with %s with invalid_argument", async (_, value, mention) => {
    const s = new RawSession(h2Client(server.url));
    s.send(1n, { case: "acquire", value });
    const error = await errorOf(s, 1n);
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toContain(mention);
    s.send(2n, { case: "acquire", value: { name: "bad-after", owner: "o", waitMs: 0n } });
    const ok = await s.answer(2n);
    expect(ok.result.case).toBe("acquired");
    s.close();
  });

  it("answers a malformed token with invalid_argument and a token that holds nothing with failed_precondition", async () => {
    const s = new RawSession(h2Client(server.url));
    s.send(1n, { case: "release", value: { name: "bad-token", token: "nope" } });
    expect((await errorOf(s, 1n)).code).toBe("invalid_argument");
    s.send(2n, { case: "release", value: { name: "bad-token", token: "a".repeat(32) } });
    expect((await errorOf(s, 2n)).code).toBe("failed_precondition");
    s.send(3n, { case: "refresh", value: { name: "bad-token", token: "a".repeat(32) } });
    expect((await errorOf(s, 3n)).code).toBe("failed_precondition");
    s.send(4n, { case: "acquire", value: { name: "bad-token", owner: "o", waitMs: 0n } });
    const lease = await s.answer(4n);
    expect(lease.result.case).toBe("acquired");
    s.close();
  });

  it("ignores a cancel of an acquire that is not pending, and answers a ping with a pong", async () => {
    const s = new RawSession(h2Client(server.url));
    s.send(0n, { case: "cancel", value: { requestId: 99n } });
    s.send(5n, { case: "ping", value: {} });
    s.send(1n, { case: "acquire", value: { name: "bad-cancel", owner: "o", waitMs: 0n } });
    expect((await s.answer(1n)).result.case).toBe("acquired");
    expect(s.responses.filter((r) => r.result.case === "error")).toEqual([]);
    expect(s.answersTo(5n).map((r) => r.result.case)).toEqual(["pong"]);
    s.close();
  });
});

describe("Session: broken framing ends the stream with a Connect error", () => {
  /** Sends raw bytes as the request body and returns the end-of-stream JSON. */
  async function send(url: string, body: Buffer): Promise<{ error?: { code: string; message: string } }> {
    const session = http2.connect(url);
    try {
      const stream = session.request({ ":method": "POST", ":path": "/baton.lock.v1.LockService/Session", "content-type": "application/connect+proto" });
      stream.end(body);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      let all = Buffer.concat(chunks);
      let last: Buffer | undefined;
      while (all.length >= 5) {
        const length = all.readUInt32BE(1);
        if ((all[0]! & 0x02) !== 0) last = all.subarray(5, 5 + length);
        all = all.subarray(5 + length);
      }
      if (last === undefined) throw new Error("no end-of-stream message");
      return JSON.parse(last.toString()) as { error?: { code: string; message: string } };
    } finally {
      session.close();
    }
  }
  const frame = (flags: number, data: Buffer): Buffer => {
    const head = Buffer.alloc(5);
    head[0] = flags;
    head.writeUInt32BE(data.length, 1);
    return Buffer.concat([head, data]);
  };

  let raw: Awaited<ReturnType<typeof startSessionServer>>;
  beforeAll(async () => {
    raw = await startSessionServer(1000);
  });
  afterAll(async () => {
    await raw.close();
  });

  it("answers a message that is not a SessionRequest with invalid_argument", async () => {
    const end = await send(raw.url, Buffer.from(frame(0, Buffer.from([0xff, 0xff, 0xff]))));
    expect(end.error?.code).toBe("invalid_argument");
  });

  it("answers a compressed message with invalid_argument and a cut-off one with invalid_argument", async () => {
    expect((await send(raw.url, Buffer.from(frame(1, Buffer.from([8, 1]))))).error?.code).toBe("invalid_argument");
    expect((await send(raw.url, Buffer.from([0, 0, 0, 0, 9, 8]))).error?.message).toContain("incomplete envelope");
  });

  it("answers an oversized message with resource_exhausted", async () => {
    expect((await send(raw.url, Buffer.from([0, 0x7f, 0, 0, 0]))).error?.code).toBe("resource_exhausted");
  });

  it("ends cleanly, with no error, when the client sends nothing and closes", async () => {
    expect(await send(raw.url, Buffer.alloc(0))).toEqual({});
  });
});
