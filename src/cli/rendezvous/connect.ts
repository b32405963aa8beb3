import * as https from "node:https";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import type { Connection } from "../invocation.js";
import { createConnectTransport } from "@connectrpc/connect-node";
import { RendezvousService } from "../../gen/baton/rendezvous/v1/rendezvous_pb.js";

/** The generated RendezvousService client for one CLI call: Connect over HTTP/1.1, like curl. */
export function rendezvousClient(baseUrl: string, connection: Connection = {}): Client<typeof RendezvousService> {
  const agent = baseUrl.startsWith("https:") && connection.caPem !== undefined ? new https.Agent({ ca: connection.caPem }) : undefined;
  const key = connection.apiKey;
  const interceptors: Interceptor[] = key === undefined ? [] : [(next) => (req) => (req.header.set("authorization", `Bearer ${key}`), next(req))];
  return createClient(RendezvousService, createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors, ...(agent === undefined ? {} : { nodeOptions: { agent } }) }));
}

/** A duration in milliseconds as the API's optional int64. */
export function optionalMs(ms: number | undefined): bigint | undefined {
  return ms === undefined ? undefined : BigInt(ms);
}
