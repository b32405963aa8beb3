/**
 * The 5-byte envelope of Connect streaming, gRPC and gRPC-Web: one flags byte, a big-endian
 * uint32 length, then the message. Written here from the protocol's definition (not taken from
 * the server) so that the suite can also write envelopes that are wrong on purpose.
 */

/** Flags of an envelope. */
export const FLAG_COMPRESSED = 0x01;
/** Connect: the server's last envelope, carrying the end-of-stream JSON. */
export const FLAG_END_STREAM = 0x02;
/** gRPC-Web: a trailers frame. */
export const FLAG_TRAILERS = 0x80;

/** One envelope; `length` may lie about the payload, to build bad ones. */
export function envelope(payload: Uint8Array, flags = 0, length = payload.length): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(flags & 0xff, 0);
  head.writeUInt32BE(length >>> 0, 1);
  return Buffer.concat([head, payload]);
}

/** Splits a growing buffer into whole envelopes; keeps the rest for the next chunk. */
export class EnvelopeReader {
  private buffer = Buffer.alloc(0);

  push(chunk: Buffer): { flags: number; payload: Buffer }[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const out: { flags: number; payload: Buffer }[] = [];
    while (this.buffer.length >= 5) {
      const length = this.buffer.readUInt32BE(1);
      if (this.buffer.length < 5 + length) break;
      out.push({ flags: this.buffer[0]!, payload: this.buffer.subarray(5, 5 + length) });
      this.buffer = this.buffer.subarray(5 + length);
    }
    return out;
  }
}
