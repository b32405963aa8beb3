import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { RendezvousService } from "../../gen/baton/rendezvous/v1/rendezvous_pb.js";

/** The generated RendezvousService client for one CLI call: Connect over HTTP/1.1, like curl. */
export function rendezvousClient(baseUrl: string): Client<typeof RendezvousService> {
  return createClient(RendezvousService, createConnectTransport({ baseUrl, httpVersion: "1.1" }));
}

/** A duration in milliseconds as the API's optional int64. */
export function optionalMs(ms: number | undefined): bigint | undefined {
  return ms === undefined ? undefined : BigInt(ms);
}
