import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { ElectionService } from "../gen/baton/lock/v1/election_pb.js";
import { leaderFromProto } from "./convert.js";
import type { CallOptions, Leader, Lease } from "./types.js";

/**
 * The ElectionService calls of the client that are not lock calls in disguise: proclaim, leader
 * and observe (campaign and resign are an acquire and a release, so they ride the session).
 */
export class ElectionCalls {
  private readonly unary: Client<typeof ElectionService>;
  private readonly streams: Client<typeof ElectionService>;

  constructor(unary: Transport, streams: Transport) {
    this.unary = createClient(ElectionService, unary);
    this.streams = createClient(ElectionService, streams);
  }

  /** Publishes a new value as leader. */
  async proclaim(lease: Pick<Lease, "name" | "token">, value: string, options: CallOptions): Promise<Leader> {
    const reply = await this.unary.proclaim({ name: lease.name, token: lease.token, value }, options);
    const leader = leaderFromProto(reply.leader);
    if (leader === null) throw new Error("the server answered a proclaim without the leader");
    return leader;
  }

  /** The current leader, or null. */
  async leader(name: string, options: CallOptions): Promise<Leader | null> {
    return leaderFromProto((await this.unary.leader({ name }, options)).leader);
  }

  /** The leader now, then every change; ending the iteration (or `signal`) closes the stream. */
  async *observe(name: string, signal: AbortSignal | undefined): AsyncGenerator<Leader | null> {
    // connect-es does not cancel a server stream when its consumer stops iterating.
    const own = new AbortController();
    try {
      const call = signal === undefined ? own.signal : AbortSignal.any([signal, own.signal]);
      for await (const message of this.streams.observe({ name }, { signal: call })) yield leaderFromProto(message.leader);
    } finally {
      own.abort();
    }
  }
}
