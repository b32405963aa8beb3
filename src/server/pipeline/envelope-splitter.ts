import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Splits a body's chunks into enveloped messages (flags byte, 4-byte big-endian length, data) as
 * they arrive, synchronously, with connect-es's limit and error messages: the pipeline reads
 * request bodies from `data` events with it, with no async iterator per chunk or per message.
 */
export class EnvelopeSplitter {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** The flags of the envelope being read, once its 5-byte header is in; -1 before. */
  private flags = -1;
  private length = 0;

  constructor(private readonly readMaxBytes: number) {}

  /** Takes a chunk and hands every envelope it completes to `envelope`; throws on a too large one. */
  push(chunk: Uint8Array, envelope: (flags: number, data: Uint8Array) => void): void {
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    for (;;) {
      if (this.flags === -1) {
        if (this.buffered < 5) return;
        const header = this.take(5);
        this.length = new DataView(header.buffer, header.byteOffset, 5).getUint32(1);
        if (this.length > this.readMaxBytes) {
          throw new ConnectError(`message size ${this.length} is larger than configured readMaxBytes ${this.readMaxBytes}`, Code.ResourceExhausted);
        }
        this.flags = header[0]!;
      }
      if (this.buffered < this.length) return;
      const flags = this.flags;
      this.flags = -1;
      envelope(flags, this.take(this.length));
    }
  }

  /** The error of a body that ended inside an envelope, if it did. */
  endError(): ConnectError | undefined {
    if (this.buffered === 0 && this.flags === -1) return undefined;
    return new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  }

  /** The next `n` buffered bytes as one array (a view when one chunk holds them all). */
  private take(n: number): Uint8Array {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first !== undefined && first.byteLength >= n) {
      if (first.byteLength === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let offset = 0;
    while (offset < n) {
      const chunk = this.chunks.shift()!;
      const part = Math.min(chunk.byteLength, n - offset);
      out.set(part === chunk.byteLength ? chunk : chunk.subarray(0, part), offset);
      if (part < chunk.byteLength) this.chunks.unshift(chunk.subarray(part));
      offset += part;
    }
    return out;
  }
}
