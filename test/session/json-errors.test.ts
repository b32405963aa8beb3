import * as http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";

// A Session in Connect JSON (what `curl --http2-prior-knowledge` sends, see docs/api.md): an
// error with details (a LockHeld packed in Any) must reach the client as JSON. It used to end
// the whole stream with `internal` ("not in the type registry") and lose the other answers.

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

function frame(message: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(message));
  const head = Buffer.alloc(5);
  head.writeUInt32BE(json.length, 1);
  return Buffer.concat([head, json]);
}

/** Sends the messages on one Session stream, half-closes, and returns every envelope answered. */
async function session(messages: unknown[]): Promise<Array<{ flags: number; json: any }>> {
  const client = http2.connect(server.url);
  try {
    const stream = client.request({
      ":method": "POST",
      ":path": "/baton.lock.v1.LockService/Session",
      "content-type": "application/connect+json",
    });
    stream.end(Buffer.concat(messages.map(frame)));
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const out: Array<{ flags: number; json: any }> = [];
    for (let at = 0; at < body.length; ) {
      const length = body.readUInt32BE(at + 1);
      out.push({ flags: body[at]!, json: JSON.parse(body.subarray(at + 5, at + 5 + length).toString()) });
      at += 5 + length;
    }
    return out;
  } finally {
    client.close();
  }
}

describe("Session in Connect JSON", () => {
  it("answers a refused acquire with its details as JSON, and the stream ends cleanly", async () => {
    const envelopes = await session([
      { id: "1", open: { owner: "json-session" } },
      { id: "2", acquire: { name: "json-session/held", ttlMs: 30000 } },
      { id: "3", acquire: { name: "json-session/held", waitMs: 0 } },
      { id: "4", ping: {} },
    ]);
    const messages = envelopes.filter((e) => e.flags === 0).map((e) => e.json);
    const end = envelopes.filter((e) => e.flags === 2);
    expect(end).toEqual([{ flags: 2, json: {} }]);
    expect(messages.find((m) => m.id === "2")).toMatchObject({ acquired: { name: "json-session/held", owner: "json-session" } });
    const refused = messages.find((m) => m.id === "3");
    expect(refused).toMatchObject({ error: { code: "aborted" } });
    expect(refused.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "LOCK_HELD" }),
        expect.objectContaining({ "@type": "type.googleapis.com/baton.lock.v1.LockHeld", name: "json-session/held" }),
      ]),
    );
    expect(messages.find((m) => m.id === "4")).toEqual({ id: "4", pong: {} });
    // The client closed its side: the session's lease is released.
    const described = await fetch(`${server.url}/baton.lock.v1.LockService/Describe`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "json-session/held" }),
    }).then((r) => r.json() as Promise<{ lock: { holders?: unknown[] } }>);
    expect(described.lock.holders ?? []).toEqual([]);
  });
});
