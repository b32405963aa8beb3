import * as http2 from "node:http2";
import * as https from "node:https";
import * as tls from "node:tls";
import { copyFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { LockService } from "../../src/gen/baton/lock/v1/lock_service_pb.js";
import { createBatonClient } from "../../src/client/index.js";
import { DEFAULT_CONFIG, type Config } from "../../src/config.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { TRANSPORTS, type TransportKind } from "../helpers/clients.js";
import { uniqueName } from "../helpers/unique.js";
import { baton } from "../cli/in-process.js";
import { makePki, type CertFiles, type TestPki } from "./certs.js";
import { testKey, withAuthorization } from "./keyed.js";

// TLS on the one port: HTTP/2 by ALPN and HTTP/1.1, every protocol, the TypeScript client with
// a custom CA, mTLS (a client certificate's CN names the caller), and certificates reloaded.

const bearer = testKey("bearer-user", ["acquire", "read"]);
// Callers by certificate: no key hash, only a name with scopes.
const ops = { name: "ops", sha256: undefined, actions: ["acquire" as const, "read" as const], locks: undefined, rendezvous: undefined, limits: {} };

let pki: TestPki;
let server: TestServer;
let serverCert: CertFiles;
let config: Partial<Config>;
beforeAll(async () => {
  pki = makePki();
  serverCert = pki.issue("server", "baton-test-server", "server");
  // The server reads its certificate from fixed paths, so that a reload can swap the files.
  copyFileSync(serverCert.cert, `${pki.dir}/live.crt`);
  copyFileSync(serverCert.key, `${pki.dir}/live.key`);
  config = { keys: [bearer.spec, ops], tlsCert: `${pki.dir}/live.crt`, tlsKey: `${pki.dir}/live.key`, tlsClientCa: pki.ca.cert };
  server = await startServer(config);
});
afterAll(() => server?.close());

function tlsTransport(kind: TransportKind, nodeOptions: tls.ConnectionOptions, key?: string) {
  const baseUrl = server.url;
  const interceptors = withAuthorization(key === undefined ? undefined : `Bearer ${key}`);
  switch (kind) {
    case "connect-json-h1":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false, interceptors, nodeOptions });
    case "connect-binary-h2":
      return createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true, interceptors, nodeOptions });
    case "grpc-h2":
      return createGrpcTransport({ baseUrl, interceptors, nodeOptions });
    case "grpc-web-h1":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors, nodeOptions });
  }
}

async function codeOf(call: Promise<unknown>): Promise<Code | "ok"> {
  return call.then(
    () => "ok" as const,
    (e: unknown) => ConnectError.from(e).code,
  );
}

function negotiate(alpn: string[], extra: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: url.hostname, port: Number(url.port), ca: pki.ca.certPem, ALPNProtocols: alpn, ...extra }, () => resolve(socket));
    socket.once("error", reject);
  });
}

it("serves https on its one port", () => {
  expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
});

describe("ALPN", () => {
  it("picks h2 for a client offering it and HTTP/1.1 otherwise, and both answer", async () => {
    const h2 = await negotiate(["h2", "http/1.1"]);
    expect(h2.alpnProtocol).toBe("h2");
    h2.destroy();
    const h1 = await negotiate(["http/1.1"]);
    expect(h1.alpnProtocol).toBe("http/1.1");
    h1.destroy();
    // A real HTTP/1.1 request and a real HTTP/2 request on the same port.
    const h1Status = await new Promise<number>((resolve, reject) => {
      https.get(`${server.url}/healthz`, { ca: pki.ca.certPem }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).once("error", reject);
    });
    expect(h1Status).toBe(200);
    const session = http2.connect(server.url, { ca: pki.ca.certPem });
    try {
      const h2Status = await new Promise<number>((resolve, reject) => {
        const req = session.request({ ":path": "/healthz" });
        req.on("response", (h) => resolve(Number(h[":status"])));
        req.on("error", reject);
        req.resume();
      });
      expect(h2Status).toBe(200);
    } finally {
      session.close();
    }
  });

  it("refuses a client that does not trust the server's CA", async () => {
    await expect(negotiate(["h2"], { ca: pki.rogueCa.certPem })).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });
});

describe.each(TRANSPORTS)("over TLS with %s", (kind) => {
  it("takes calls with a bearer key, refuses them without one", async () => {
    const name = uniqueName("tls", kind);
    const keyed = createClient(LockService, tlsTransport(kind, { ca: pki.ca.certPem }, bearer.key));
    const { lease } = await keyed.acquire({ name, waitMs: 0n });
    expect(lease!.owner).toBe("bearer-user");
    await keyed.release({ name, token: lease!.token });
    expect(await codeOf(createClient(LockService, tlsTransport(kind, { ca: pki.ca.certPem })).describe({ name }))).toBe(Code.Unauthenticated);
  });

  it("names the caller by its client certificate (mTLS), and refuses one the CA did not sign", async () => {
    const name = uniqueName("mtls", kind);
    const opsCert = pki.issue(`ops-${kind}`, "ops", "client");
    const viaCert = createClient(LockService, tlsTransport(kind, { ca: pki.ca.certPem, cert: opsCert.certPem, key: opsCert.keyPem }));
    const { lease } = await viaCert.acquire({ name, waitMs: 0n });
    expect(lease!.owner).toBe("ops");
    await viaCert.release({ name, token: lease!.token });
    // Signed by the CA but naming nobody configured: unauthenticated.
    const stranger = pki.issue(`stranger-${kind}`, "stranger", "client");
    expect(await codeOf(createClient(LockService, tlsTransport(kind, { ca: pki.ca.certPem, cert: stranger.certPem, key: stranger.keyPem })).describe({ name }))).toBe(
      Code.Unauthenticated,
    );
    // Signed by another CA: the connection is refused; nothing reaches the service.
    const rogue = pki.issue(`rogue-${kind}`, "ops", "client", "rogueCa");
    const refused = await codeOf(createClient(LockService, tlsTransport(kind, { ca: pki.ca.certPem, cert: rogue.certPem, key: rogue.keyPem })).acquire({ name, waitMs: 0n }));
    expect(refused).not.toBe("ok");
    expect((await server.app.engine.describe(name)).holders).toEqual([]);
  });
});

describe("the TypeScript client over https", () => {
  it.each([
    ["HTTP/2 with a session", { httpVersion: "2" as const }],
    ["HTTP/1.1", { httpVersion: "1.1" as const }],
    ["gRPC", { transport: "grpc" as const }],
  ])("acquires and releases with a custom CA and a key over %s", async (_label, options) => {
    const client = createBatonClient(server.url, { ...options, caPem: pki.ca.certPem, apiKey: bearer.key });
    try {
      const name = uniqueName("tls-client", _label.replace(/\W/g, ""));
      const lease = await client.acquire(name, { waitMs: 0 });
      expect((await server.app.engine.describe(name)).holders).toHaveLength(1);
      await client.release(lease);
      expect((await server.app.engine.describe(name)).holders).toEqual([]);
    } finally {
      client.close();
    }
  });
});

describe("the CLI over https", () => {
  it("reaches the server with --ca (or BATON_CA) and BATON_KEY, and fails clearly without the CA", async () => {
    const name = uniqueName("tls-cli", "x");
    const ok = await baton(["describe", name, "--ca", pki.ca.cert], { url: server.url, env: { BATON_KEY: bearer.key } });
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect((await baton(["describe", name], { url: server.url, env: { BATON_KEY: bearer.key, BATON_CA: pki.ca.cert } })).code).toBe(0);
    const untrusted = await baton(["describe", name], { url: server.url, env: { BATON_KEY: bearer.key } });
    expect(untrusted.code).toBe(1);
    // The rendezvous commands take the same options.
    expect((await baton(["keys", "--ca", pki.ca.cert], { url: server.url, env: { BATON_KEY: bearer.key } })).code).toBe(0);
  });
});

describe("reloading the certificate", () => {
  it("serves a new certificate to new connections after a reload, and keeps the old if the new files are bad", async () => {
    const fingerprint = async (): Promise<string> => {
      const socket = await negotiate(["h2"]);
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      return fp;
    };
    const before = await fingerprint();
    const next = pki.issue("server-2", "baton-test-server-2", "server");
    copyFileSync(next.cert, `${pki.dir}/live.crt`);
    copyFileSync(next.key, `${pki.dir}/live.key`);
    server.app.reload({ ...DEFAULT_CONFIG, ...config } as Config);
    const after = await fingerprint();
    expect(after).not.toBe(before);
    // A key that does not match the certificate: the reload fails and nothing changes.
    copyFileSync(serverCert.key, `${pki.dir}/live.key`);
    expect(() => server.app.reload({ ...DEFAULT_CONFIG, ...config } as Config)).toThrow();
    expect(await fingerprint()).toBe(after);
    copyFileSync(next.key, `${pki.dir}/live.key`);
  });
});
