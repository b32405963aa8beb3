import * as http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { LockEventKind, WaitRequestSchema } from "../../src/gen/baton/lock/v1/lock_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { lockClient, TRANSPORTS } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";

// Every call goes through the one request pipeline (src/server/pipeline/). These tests pin what
// it must do with the framing of a stream: malformed envelopes, deadlines from headers, streams
// reset mid-wait, and the hold-on-stream lease.

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ minTtlMs: 50 });
});
afterAll(async () => {
  await server.close();
});

const raw = () => lockClient("connect-binary-h2", server.url);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Posts `body` to a Connect streaming method over HTTP/2; returns the data messages' count and the end-of-stream JSON. */
async function post(path: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ messages: number; end: { error?: { code: string; message: string } } }> {
  const session = http2.connect(server.url);
  try {
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/connect+proto", ...headers });
    stream.end(body);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    let all = Buffer.concat(chunks);
    let messages = 0;
    let end: Buffer | undefined;
    while (all.length >= 5) {
      const length = all.readUInt32BE(1);
      if ((all[0]! & 0x02) !== 0) end = all.subarray(5, 5 + length);
      else messages++;
      all = all.subarray(5 + length);
    }
    if (end === undefined) throw new Error("no end-of-stream message");
    return { messages, end: JSON.parse(end.toString()) as { error?: { code: string; message: string } } };
  } finally {
    session.close();
  }
}

const frame = (data: Uint8Array, flags = 0): Buffer => {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(data.length, 1);
  return Buffer.concat([head, data]);
};
const waitBody = (name: string) => frame(toBinary(WaitRequestSchema, create(WaitRequestSchema, { name, owner: "raw" })));

describe("Wait through the pipeline: framing and headers", () => {
  it("grants a free lock and ends the stream cleanly", async () => {
    const { messages, end } = await post("/baton.lock.v1.LockService/Wait", waitBody("raw-free"));
    expect(messages).toBe(1);
    expect(end.error).toBeUndefined();
    await raw().describe({ name: "raw-free" }).then((r) => expect(r.lock?.holders).toHaveLength(1));
  });

  it.each([
    ["bytes that are not a WaitRequest", frame(Buffer.from([0xff, 0xff, 0xff])), "invalid_argument", "WaitRequest"],
    ["no message at all", Buffer.alloc(0), "invalid_argument", "no message"],
    ["two messages", Buffer.concat([waitBody("raw-two"), waitBody("raw-two")]), "invalid_argument", "exactly one"],
    ["a compressed message", frame(Buffer.from([10, 1, 120]), 1), "invalid_argument", "compressed"],
    ["a body cut off inside a message", Buffer.from([0, 0, 0, 0, 9, 8]), "invalid_argument", "incomplete envelope"],
    ["a message over the size limit", Buffer.from([0, 0x7f, 0, 0, 0]), "resource_exhausted", "larger than configured readMaxBytes"],
  ])("answers %s with %s and no grant", async (_, body, code, mention) => {
    const { messages, end } = await post("/baton.lock.v1.LockService/Wait", body);
    expect(messages).toBe(0);
    expect(end.error?.code).toBe(code);
    expect(end.error?.message).toContain(mention);
    await raw().describe({ name: "raw-two" }).then((r) => expect(r.lock?.holders).toEqual([]));
  });

  it("answers a request that fails validation with invalid_argument naming the field", async () => {
    const body = frame(toBinary(WaitRequestSchema, create(WaitRequestSchema, { name: "raw bad", owner: "raw" })));
    const { end } = await post("/baton.lock.v1.LockService/Wait", body);
    expect(end.error?.code).toBe("invalid_argument");
    expect(end.error?.message).toContain("name");
  });

  it("answers a malformed connect-timeout-ms with invalid_argument", async () => {
    const { end } = await post("/baton.lock.v1.LockService/Wait", waitBody("raw-timeout-header"), { "connect-timeout-ms": "soon" });
    expect(end.error?.code).toBe("invalid_argument");
    expect(end.error?.message).toContain("timeout");
  });

  it("ends a queued wait at the call's deadline and takes it out of the queue", async () => {
    const client = raw();
    const { lease } = await client.acquire({ name: "raw-deadline", owner: "holder" });
    const error = await (async () => {
      for await (const _ of client.wait({ name: "raw-deadline", owner: "late" }, { timeoutMs: 300 }));
    })().catch((e: unknown) => e);
    expect(ConnectError.from(error).code).toBe(Code.DeadlineExceeded);
    await eventually(async () => expect((await client.describe({ name: "raw-deadline" })).lock?.waiters).toEqual([]));
    await client.release({ name: "raw-deadline", token: lease!.token });
  });
});

describe("Wait through the pipeline: streams that go away", () => {
  it("takes a waiter out of the queue when its connection is cut, and releases a held lease", async () => {
    const client = raw();
    const { lease } = await client.acquire({ name: "raw-cut", owner: "holder" });
    const holdSession = http2.connect(server.url);
    const waitSession = http2.connect(server.url);
    const open = (session: http2.ClientHttp2Session, name: string, hold: boolean) => {
      const stream = session.request({ ":method": "POST", ":path": "/baton.lock.v1.LockService/Wait", "content-type": "application/connect+proto" });
      stream.end(frame(toBinary(WaitRequestSchema, create(WaitRequestSchema, { name, owner: `cut-${String(hold)}`, hold }))));
      stream.on("error", () => undefined);
      stream.resume();
    };
    open(holdSession, "raw-cut-held", true);
    open(waitSession, "raw-cut", false);
    await eventually(async () => {
      expect((await client.describe({ name: "raw-cut-held" })).lock?.holders).toHaveLength(1);
      expect((await client.describe({ name: "raw-cut" })).lock?.waiters).toHaveLength(1);
    });
    holdSession.destroy();
    waitSession.destroy();
    await eventually(async () => {
      expect((await client.describe({ name: "raw-cut-held" })).lock?.holders).toEqual([]);
      expect((await client.describe({ name: "raw-cut" })).lock?.waiters).toEqual([]);
    });
    await client.release({ name: "raw-cut", token: lease!.token });
  });
});

describe.each(TRANSPORTS)("Wait with hold and timeout_ms over %s", (kind) => {
  it("bounds the wait for the grant, not the hold that follows it", async () => {
    const client = lockClient(kind, server.url);
    const name = `hold-timeout-${kind}`;
    const ctl = new AbortController();
    const events: string[] = [];
    const done = (async () => {
      for await (const e of client.wait({ name, owner: "holder", hold: true, waitMs: 200n, ttlMs: 5000n }, { signal: ctl.signal })) {
        events.push(e.event.case ?? "");
      }
    })().catch((e: unknown) => e);
    await eventually(() => expect(events).toContain("granted"));
    await pause(500);
    expect((await client.describe({ name })).lock?.holders).toHaveLength(1);
    ctl.abort();
    expect(ConnectError.from(await done).code).toBe(Code.Canceled);
    await eventually(async () => expect((await client.describe({ name })).lock?.holders).toEqual([]));
  });
});

describe("raw Wait route: many waiters, cut at random", () => {
  it("never lets two holders overlap and keeps fencing growing", async () => {
    const name = "raw-race";
    const watcher = raw();
    const ctl = new AbortController();
    const counts: number[] = [];
    const fencings: bigint[] = [];
    const watching = (async () => {
      for await (const e of watcher.watch({ name, initial: true }, { signal: ctl.signal })) {
        counts.push(e.lock?.holders.length ?? 0);
        if (e.kind === LockEventKind.GRANTED) fencings.push(e.lock?.lastFencing ?? 0n);
      }
    })().catch(() => undefined);
    await eventually(() => expect(counts.length).toBeGreaterThan(0));
    let granted = 0;
    const worker = async (i: number): Promise<void> => {
      const client = raw();
      for (let round = 0; round < 5; round++) {
        const stream = new AbortController();
        // A third of the waiters give up while queued, at a random moment.
        const quitter = (i + round) % 3 === 0;
        if (quitter) setTimeout(() => stream.abort(), Math.random() * 20);
        try {
          for await (const e of client.wait({ name, owner: `w${i}`, hold: true, ttlMs: 5000n }, { signal: stream.signal })) {
            if (e.event.case !== "granted") continue;
            granted++;
            await pause(Math.random() * 3);
            stream.abort();
          }
        } catch (error) {
          expect(ConnectError.from(error).code).toBe(Code.Canceled);
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => worker(i)));
    await eventually(async () => expect((await watcher.describe({ name })).lock?.holders).toEqual([]), 5000);
    // A quitter can be granted in the instant it gives up: the server then releases that grant,
    // so the watcher may see more grants than the clients took, never fewer.
    await eventually(() => expect(fencings.length).toBeGreaterThanOrEqual(granted), 5000);
    ctl.abort();
    await watching;
    expect(granted).toBeGreaterThan(20);
    expect(Math.max(...counts)).toBe(1);
    for (let k = 1; k < fencings.length; k++) expect(fencings[k]! > fencings[k - 1]!).toBe(true);
    expect((await watcher.describe({ name })).lock?.waiters).toEqual([]);
  });
});
