import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grpcUnaryDrivers } from "../../bench/drivers/grpc-unary.js";
import { contended } from "../../bench/scenarios.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { uniqueName } from "../helpers/unique.js";

describe("bench's plain gRPC driver (@grpc/grpc-js, this checkout's .proto)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("takes and gives back a lease with one unary call each, and a second taker waits its turn", async () => {
    const make = grpcUnaryDrivers(process.cwd(), () => server.url);
    const [a, b] = [make(0), make(1)];
    const name = uniqueName("bench", "grpc-driver");
    const token = await a.acquire(name, 0);
    expect(token).not.toBe("");
    await expect(b.acquire(name, 0)).rejects.toThrow();
    const waiting = b.acquire(name, 10_000);
    await a.release(name, token);
    const next = await waiting;
    expect(next).not.toBe(token);
    await b.release(name, next);
    a.close();
    b.close();
  });

  it("the contended scenario's checker sees no overlap over real gRPC calls", async () => {
    const row = await contended(grpcUnaryDrivers(process.cwd(), () => server.url), 4, 300);
    expect(row.extra?.violations).toBe(0);
    expect(row.throughputPerS).toBeGreaterThan(0);
  });
});
