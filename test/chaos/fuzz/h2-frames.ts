/**
 * HTTP/2 frames written by hand, for what no client library sends: a request's HEADERS and its
 * RST_STREAM in one TCP segment, so the server reads both before it handles the request.
 * Header blocks use HPACK literals without indexing or Huffman coding (RFC 7541 §6.2.2).
 */

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const TYPE = { DATA: 0x0, HEADERS: 0x1, RST_STREAM: 0x3, SETTINGS: 0x4 } as const;
const FLAG_END_STREAM = 0x1;
const FLAG_END_HEADERS = 0x4;

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head.writeUInt8(type, 3);
  head.writeUInt8(flags, 4);
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** One HPACK string: a 7-bit-prefix length (no Huffman), then the bytes. */
function hpackString(s: string): Buffer {
  const bytes = Buffer.from(s, "latin1");
  if (bytes.length < 127) return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  const len: number[] = [127];
  let rest = bytes.length - 127;
  while (rest >= 128) {
    len.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  len.push(rest);
  return Buffer.concat([Buffer.from(len), bytes]);
}

function headerBlock(headers: [string, string][]): Buffer {
  return Buffer.concat(headers.flatMap(([k, v]) => [Buffer.from([0x00]), hpackString(k), hpackString(v)]));
}

/**
 * The connection preface, then for each request (stream 1, 3, 5, …) its HEADERS, optionally a
 * DATA frame, and at once an RST_STREAM (CANCEL): all in one buffer, to be written in one go.
 */
export function headersThenReset(requests: { headers: [string, string][]; body?: Buffer }[]): Buffer {
  const frames = [PREFACE, frame(TYPE.SETTINGS, 0, 0, Buffer.alloc(0))];
  requests.forEach((r, i) => {
    const id = 1 + 2 * i;
    frames.push(frame(TYPE.HEADERS, FLAG_END_HEADERS | (r.body === undefined ? FLAG_END_STREAM : 0), id, headerBlock(r.headers)));
    if (r.body !== undefined) frames.push(frame(TYPE.DATA, 0, id, r.body));
    const code = Buffer.alloc(4);
    code.writeUInt32BE(0x8);
    frames.push(frame(TYPE.RST_STREAM, 0, id, code));
  });
  return Buffer.concat(frames);
}
