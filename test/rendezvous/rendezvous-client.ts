import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { RendezvousService } from "../../src/gen/baton/rendezvous/v1/rendezvous_pb.js";

/** A generated RendezvousService client over Connect: HTTP/2 (one connection, many streams) or HTTP/1.1. */
export function rendezvousClient(baseUrl: string, httpVersion: "1.1" | "2" = "2"): Client<typeof RendezvousService> {
  return createClient(RendezvousService, createConnectTransport({ baseUrl, httpVersion }));
}

/** Reads a stream to its end, collecting every message, or the error it ended with. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<{ messages: T[]; error?: unknown }> {
  const messages: T[] = [];
  try {
    for await (const message of stream) messages.push(message);
    return { messages };
  } catch (error) {
    return { messages, error };
  }
}

let seq = 0;
/** A key no other test in this run has used. */
export function uniqueKey(base: string): string {
  return `test/${base}/${process.pid}-${seq++}`;
}
