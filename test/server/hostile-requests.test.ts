import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as http2 from "node:http2";
import * as net from "node:net";
import { startServer, type TestServer } from "../helpers/server.js";

// Requests that once ended the process (issue 10, bug 1): connect-node builds the request URL
// from Host / :authority and nothing caught the TypeError. Each must get an answer, and the
// server must keep serving.

let server: TestServer;
let port: number;
beforeAll(async () => {
  server = await startServer();
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server.close();
});

/** Sends raw bytes on a fresh TCP connection; resolves with everything the server answered. */
function rawHttp1(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    socket.write(request);
    setTimeout(() => socket.end(), 500);
  });
}

const BODY = '{"name":"hostile/a"}';
const DESCRIBE = "/baton.lock.v1.LockService/Describe";

function h1Request(hostLine: string | undefined, version = "1.1"): string {
  const lines = [`POST ${DESCRIBE} HTTP/${version}`];
  if (hostLine !== undefined) lines.push(hostLine);
  lines.push("content-type: application/json", `content-length: ${BODY.length}`, "connection: close", "", BODY);
  return lines.join("\r\n");
}

/** A JSON Describe that must still work: the server is alive and serving. */
async function stillServes(): Promise<void> {
  const res = await fetch(`${server.url}${DESCRIBE}`, { method: "POST", headers: { "content-type": "application/json" }, body: BODY });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { lock: { name: string } }).lock.name).toBe("hostile/a");
}

describe("bad Host headers over HTTP/1.1", () => {
  it.each([
    ["Host: [", /^HTTP\/1\.1 400/],
    ["Host: %", /^HTTP\/1\.1 400/],
    ["Host: x:99999999", /^HTTP\/1\.1 400/],
    ["Host: a b", /^HTTP\/1\.1 400/],
    ["Host: user@host", /^HTTP\/1\.1 400/],
  ])("answers %s with 400 naming the header, and keeps serving", async (hostLine, status) => {
    const answer = await rawHttp1(h1Request(hostLine));
    expect(answer).toMatch(status);
    expect(answer).toMatch(/Host header/);
    await stillServes();
  });

  it("answers an empty Host with 400", async () => {
    const answer = await rawHttp1(h1Request("Host:"));
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    await stillServes();
  });

  it("serves HTTP/1.0 without a Host header (HTTP/1.0 does not require one)", async () => {
    const answer = await rawHttp1(h1Request(undefined, "1.0"));
    expect(answer).toMatch(/^HTTP\/1\.[01] 200/);
    expect(answer).toContain('"name":"hostile/a"');
    await stillServes();
  });
});

describe("bad :authority over HTTP/2", () => {
  /** One h2 request with the given :authority; resolves with the status and body. */
  function h2Call(authority: string | undefined, contentType = "application/json"): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const session = http2.connect(server.url);
      session.on("error", reject);
      const headers: http2.OutgoingHttpHeaders = { ":method": "POST", ":path": DESCRIBE, "content-type": contentType };
      if (authority !== undefined) headers[":authority"] = authority;
      const stream = session.request(headers);
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on("response", (h) => (status = Number(h[":status"])));
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("error", reject);
      stream.on("close", () => {
        session.close();
        resolve({ status, body: Buffer.concat(chunks).toString("utf8") });
      });
      stream.end(BODY);
    });
  }

  it.each(["%", "[", "x:99999999"])("answers :authority %j with 400 and keeps serving", async (authority) => {
    const { status, body } = await h2Call(authority);
    expect(status).toBe(400);
    expect(body).toMatch(/:authority/);
    await stillServes();
  });

  it("answers a binary Connect stream call with a bad :authority with 400", async () => {
    const { status } = await h2Call("[", "application/connect+proto");
    expect(status).toBe(400);
    await stillServes();
  });
});

describe("inputs found by the chaos suite's fuzzer", () => {
  it("answers a gRPC-JSON body holding a lone surrogate with a status, and keeps serving", async () => {
    const { encodeEnvelope } = await import("@connectrpc/connect/protocol");
    const result = await new Promise<{ status?: string; message?: string }>((resolve, reject) => {
      const session = http2.connect(server.url);
      const stream = session.request({ ":method": "POST", ":path": "/baton.rendezvous.v1.RendezvousService/Reset", "content-type": "application/grpc+json", te: "trailers" });
      stream.on("trailers", (t) => resolve({ status: String(t["grpc-status"]), message: String(t["grpc-message"]) }));
      stream.on("error", reject);
      stream.on("data", () => undefined);
      stream.on("close", () => {
        session.close();
        resolve({});
      });
      stream.end(encodeEnvelope(0, new TextEncoder().encode('{"key":"\\ud800"}')));
    });
    expect(result.status).toBe("3"); // INVALID_ARGUMENT: the key is not a valid key
    await stillServes();
  });

  it("answers the path // with 404, not 500", async () => {
    const answer = await rawHttp1("GET // HTTP/1.1\r\nHost: x\r\nconnection: close\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 404/);
    await stillServes();
  });
});
