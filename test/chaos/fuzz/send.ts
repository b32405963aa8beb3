import * as http2 from "node:http2";
import * as net from "node:net";

/** One fuzz request: HTTP/1.x or HTTP/2 built from parts, or raw bytes on a TCP socket. */
export interface FuzzCase {
  label: string;
  via: "h1" | "h2" | "tcp";
  method?: string;
  path?: string;
  /** HTTP/1: written as given (a missing Host stays missing); HTTP/2: may set :authority. */
  headers?: [string, string][];
  body?: Buffer;
  /** HTTP/1 version on the request line; default 1.1. */
  version?: string;
  /** tcp: bytes written one chunk at a time, each after its delay. */
  chunks?: { data: Buffer; delayMs: number }[];
  /** Cut the call after this long: RST_STREAM on HTTP/2, a TCP RST otherwise. */
  cutAfterMs?: number;
  /** Fixed cases: what the answer must be (a problem description when it is not). */
  expect?: (r: FuzzResult) => string | undefined;
  /** How long to wait for the answer; default 1000 ms. */
  timeoutMs?: number;
}

/** What came back (as far as it came before the timeout or the cut). */
export interface FuzzResult {
  status?: number;
  headers: Record<string, string>;
  body: Buffer;
  error?: string;
}

/** The status code and headers of a raw HTTP/1 response, once its head has arrived. */
function parseHead(raw: Buffer): { status: number; headers: Record<string, string>; bodyAt: number } | undefined {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const lines = raw.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status, headers, bodyAt: end + 4 };
}

/** Whether a raw HTTP/1 response has fully arrived. */
function complete(raw: Buffer, head: NonNullable<ReturnType<typeof parseHead>>): boolean {
  const body = raw.subarray(head.bodyAt);
  if (head.headers["content-length"] !== undefined) return body.length >= Number(head.headers["content-length"]);
  if (/chunked/i.test(head.headers["transfer-encoding"] ?? "")) return body.includes("0\r\n\r\n");
  return false;
}

/** HTTP/1 or raw TCP: writes the bytes, reads until the response is whole, closed, timed out or cut. */
function sendTcp(url: URL, c: FuzzCase): Promise<FuzzResult> {
  let chunks = c.chunks;
  if (chunks === undefined) {
    const head = `${c.method ?? "POST"} ${c.path ?? "/"} HTTP/${c.version ?? "1.1"}\r\n${(c.headers ?? []).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
    chunks = [{ data: Buffer.concat([Buffer.from(head, "latin1"), c.body ?? Buffer.alloc(0)]), delayMs: 0 }];
  }
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let raw = Buffer.alloc(0);
    let settled = false;
    const finish = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const head = parseHead(raw);
      resolve({ status: head?.status, headers: head?.headers ?? {}, body: head === undefined ? raw : raw.subarray(head.bodyAt), error });
    };
    const timer = setTimeout(() => finish("timeout"), c.timeoutMs ?? 1000);
    socket.on("error", (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
    socket.on("close", () => finish());
    socket.on("data", (d: Buffer) => {
      raw = Buffer.concat([raw, d]);
      const head = parseHead(raw);
      if (head !== undefined && complete(raw, head)) finish();
    });
    if (c.cutAfterMs !== undefined) setTimeout(() => (socket.resetAndDestroy(), finish("cut")), c.cutAfterMs);
    void (async () => {
      for (const chunk of chunks!) {
        if (chunk.delayMs > 0) await new Promise((r) => setTimeout(r, chunk.delayMs));
        if (settled || socket.destroyed) return;
        socket.write(chunk.data);
      }
    })();
  });
}

const RESET_CODES = [http2.constants.NGHTTP2_CANCEL, http2.constants.NGHTTP2_INTERNAL_ERROR, http2.constants.NGHTTP2_NO_ERROR, http2.constants.NGHTTP2_REFUSED_STREAM];

/** HTTP/2 on a connection of its own (a broken one must not spoil the next case). */
function sendH2(url: URL, c: FuzzCase): Promise<FuzzResult> {
  return new Promise((resolve) => {
    const session = http2.connect(url);
    const out: FuzzResult = { headers: {}, body: Buffer.alloc(0) };
    let settled = false;
    const finish = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error !== undefined && out.error === undefined) out.error = error;
      session.destroy();
      resolve(out);
    };
    const timer = setTimeout(() => finish("timeout"), c.timeoutMs ?? 1000);
    session.on("error", (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
    let stream: http2.ClientHttp2Stream;
    try {
      const headers: http2.OutgoingHttpHeaders = { ":method": c.method ?? "POST", ":path": c.path ?? "/" };
      for (const [k, v] of c.headers ?? []) headers[k] = v;
      stream = session.request(headers, { endStream: false });
    } catch (error) {
      // Node's own client refused to send it (an invalid header): nothing reached the server.
      return finish(`not sent: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    stream.on("response", (h) => {
      out.status = Number(h[":status"]);
      for (const [k, v] of Object.entries(h)) out.headers[k] = String(v);
    });
    stream.on("trailers", (h) => {
      for (const [k, v] of Object.entries(h)) out.headers[k] = String(v);
    });
    stream.on("data", (d: Buffer) => (out.body = Buffer.concat([out.body, d])));
    stream.on("error", (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
    stream.on("close", () => finish(stream.rstCode ? `rst ${stream.rstCode}` : undefined));
    if (c.cutAfterMs !== undefined) {
      const code = RESET_CODES[Math.floor(c.cutAfterMs * 7) % RESET_CODES.length]!;
      setTimeout(() => {
        if (!stream.closed) stream.close(code);
      }, c.cutAfterMs);
      // A call cut mid-request: half the body now, the rest never.
      stream.write(c.body?.subarray(0, Math.floor((c.body?.length ?? 0) / 2)) ?? Buffer.alloc(0));
    } else {
      stream.end(c.body ?? Buffer.alloc(0));
    }
  });
}

/** Sends one case to the server at `base`. */
export function sendCase(base: string, c: FuzzCase): Promise<FuzzResult> {
  const url = new URL(base);
  return c.via === "h2" ? sendH2(url, c) : sendTcp(url, c);
}

/** A short, printable account of a case, for reproductions. */
export function describeCase(c: FuzzCase): string {
  const body = c.body ?? Buffer.concat((c.chunks ?? []).map((x) => x.data));
  const shown = body.length > 200 ? `${body.subarray(0, 200).toString("base64")}… (${body.length} bytes)` : body.toString("base64");
  const all = c.headers ?? [];
  const headers = all.slice(0, 8).map(([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v}`).join(" | ") + (all.length > 8 ? ` | …${all.length - 8} more` : "");
  return `[${c.label}] ${c.via} ${c.method ?? ""} ${c.path ?? ""} {${headers}} body(base64)=${shown}${c.cutAfterMs === undefined ? "" : ` cut after ${c.cutAfterMs} ms`}`;
}
