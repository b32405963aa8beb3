import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ArriveResponse } from "../../src/gen/baton/rendezvous/v1/rendezvous_pb.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";
import { collect, rendezvousClient, uniqueKey } from "./rendezvous-client.js";

describe("RendezvousService barriers over real sockets", () => {
  let server: TestServer;
  let client: ReturnType<typeof rendezvousClient>;

  beforeAll(async () => {
    server = await startServer({ rendezvousHeartbeatMs: 50 });
    client = rendezvousClient(server.url);
  });
  afterAll(async () => {
    await server.close();
  });

  /** Arrives and resolves once the server has counted this participant (its first progress event). */
  async function arrive(key: string, parties: number, owner: string, signal?: AbortSignal) {
    const it = client.arrive({ key, parties, owner }, { signal })[Symbol.asyncIterator]();
    const first = await it.next();
    const rest = collect<ArriveResponse>({ [Symbol.asyncIterator]: () => it });
    return { first: first.value as ArriveResponse | undefined, rest };
  }

  function tripped(messages: ArriveResponse[]) {
    const last = messages.at(-1);
    return last?.event.case === "tripped" ? last.event.value : undefined;
  }

  it("ten parties all return together, with one generation and indexes 1..10 in arrival order", async () => {
    const key = uniqueKey("ten");
    const arrivals = [];
    for (let i = 0; i < 9; i++) {
      const a = await arrive(key, 10, `p${i}`);
      expect(a.first?.event.case).toBe("progress");
      if (a.first?.event.case === "progress") expect(a.first.event.value.arrived).toBe(i + 1);
      arrivals.push(a);
    }
    const last = await arrive(key, 10, "p9");
    expect(last.first?.event.case).toBe("tripped");
    const results = await Promise.all(arrivals.map((a) => a.rest));
    const trips = results.map((r) => tripped(r.messages));
    expect(trips.map((t) => t?.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(trips.map((t) => t?.generation))).toEqual(new Set([1n]));
    expect(last.first?.event.case === "tripped" && last.first.event.value.index).toBe(10);
    // Everyone saw the count grow while they waited.
    const progress = results[0]?.messages.filter((m) => m.event.case === "progress").map((m) => m.event.value);
    expect(progress?.at(-1)).toMatchObject({ arrived: 9, parties: 10 });

    const again = await Promise.all([arrive(key, 2, "x"), arrive(key, 2, "y")]);
    const second = await again[0]!.rest;
    expect(tripped(second.messages)?.generation).toBe(2n);
  });

  it("50 simultaneous arrivals at a barrier of 5 form 10 complete generations", async () => {
    const key = uniqueKey("race");
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => collect(client.arrive({ key, parties: 5, owner: `r${i}` }))));
    const byGeneration = new Map<bigint, number[]>();
    for (const { messages, error } of results) {
      expect(error).toBeUndefined();
      const trip = tripped(messages);
      expect(trip).toBeDefined();
      byGeneration.set(trip!.generation, [...(byGeneration.get(trip!.generation) ?? []), trip!.index]);
    }
    expect([...byGeneration.keys()].sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i + 1)));
    for (const indexes of byGeneration.values()) expect(indexes.sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it("a participant that disconnects before the trip is no longer counted", async () => {
    const key = uniqueKey("leaver");
    const a = await arrive(key, 3, "a");
    const ac = new AbortController();
    const b = await arrive(key, 3, "b", ac.signal);
    ac.abort();
    expect(ConnectError.from((await b.rest).error).code).toBe(Code.Canceled);
    await eventually(async () => expect((await client.list({ prefix: key })).barriers).toMatchObject([{ arrived: 1, owners: ["a"] }]));
    const c = await arrive(key, 3, "c");
    expect(c.first?.event.case === "progress" && c.first.event.value.arrived).toBe(2);
    const d = await arrive(key, 3, "d");
    expect(d.first?.event.case === "tripped" && d.first.event.value.index).toBe(3);
    expect(tripped((await a.rest).messages)?.index).toBe(1);
    expect(tripped((await c.rest).messages)?.index).toBe(2);
    // a saw b come and go.
    const counts = (await a.rest).messages.flatMap((m) => (m.event.case === "progress" ? [m.event.value.arrived] : []));
    expect(counts).toEqual([2, 1, 2]);
  });

  it("a different number of parties is failed_precondition (PARTIES_MISMATCH) and leaves the barrier as it was", async () => {
    const key = uniqueKey("mismatch");
    const ac = new AbortController();
    await arrive(key, 4, "a", ac.signal);
    const { error } = await collect(client.arrive({ key, parties: 5 }));
    expect(ConnectError.from(error).code).toBe(Code.FailedPrecondition);
    expect(ConnectError.from(error).rawMessage).toContain("parties=4");
    expect((await client.list({ prefix: key })).barriers).toMatchObject([{ arrived: 1, parties: 4 }]);
    ac.abort();
  });

  it("a barrier that does not trip in time ends with deadline_exceeded and uncounts the participant", async () => {
    const key = uniqueKey("timeout");
    const { messages, error } = await collect(client.arrive({ key, parties: 2, waitMs: 200n }));
    expect(ConnectError.from(error).code).toBe(Code.DeadlineExceeded);
    expect(ConnectError.from(error).rawMessage).toContain("1 of 2");
    expect(messages.some((m) => m.event.case === "heartbeat")).toBe(true);
    expect((await client.list({ prefix: key })).barriers).toEqual([]);
  });

  it("parties 0 and malformed keys are invalid_argument", async () => {
    for (const req of [{ key: "ok", parties: 0 }, { key: "has space", parties: 2 }, { key: "", parties: 2 }]) {
      const { error } = await collect(client.arrive(req));
      expect(ConnectError.from(error).code).toBe(Code.InvalidArgument);
    }
  });
});
