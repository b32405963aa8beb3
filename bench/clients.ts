import type { Build } from "./base-build.js";
import type { DriverFactory } from "./drivers/driver.js";
import { connectUnaryDriver } from "./drivers/connect-unary.js";
import { grpcUnaryDrivers } from "./drivers/grpc-unary.js";
import { tsClientDrivers } from "./drivers/ts-client.js";

/** The clients BENCH_CLIENT can name (a comma-separated list). */
export const CLIENT_KINDS = ["ts", "ts-grpc", "grpc", "connect-unary", "go", "python", "etcd"] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** BENCH_CLIENT's default: every client the targets compare. */
export const DEFAULT_CLIENTS: ClientKind[] = ["ts", "ts-grpc", "grpc", "go", "python", "etcd"];

/** What each client is, for the table. */
export const CLIENT_LABELS: Record<ClientKind, string> = {
  ts: "TypeScript client, Session over h2 (Connect binary)",
  "ts-grpc": "TypeScript client, Session over gRPC",
  grpc: "plain gRPC unary (@grpc/grpc-js)",
  "connect-unary": "Connect binary unary (connect-es, no session)",
  go: "Go client (clients/go)",
  python: "Python client (clients/python, asyncio)",
  etcd: "etcd 3.4 v3lock (gRPC unary, @grpc/grpc-js)",
};

/** Who serves a client: a Baton build, or etcd (which has no "now" and "base"). */
export type Target = Build | { label: "etcd" };

/**
 * The servers a client is measured against: etcd for `etcd`; this checkout and the base for
 * clients that both builds have (the base's own TypeScript client and .proto files are used);
 * this checkout alone for the Go and Python clients and connect-unary, which the base lacks or
 * the bench builds from this checkout only.
 */
export function targetsOf(kind: ClientKind, now: Build, base: Build | undefined): Target[] {
  if (kind === "etcd") return [{ label: "etcd" }];
  if (kind === "ts" || kind === "ts-grpc" || kind === "grpc") return base === undefined ? [now] : [now, base];
  return [now];
}

/** Clients of kind `kind` against a Baton build; the i-th talks to `url(i)`. Go and Python run as child processes instead. */
export async function batonDrivers(kind: ClientKind, build: Build, url: (i: number) => string): Promise<DriverFactory> {
  switch (kind) {
    case "ts":
      return tsClientDrivers(build.dir, url, "connect");
    case "ts-grpc":
      return tsClientDrivers(build.dir, url, "grpc");
    case "grpc":
      return grpcUnaryDrivers(build.dir, url);
    case "connect-unary":
      return (i) => connectUnaryDriver(url(i));
    default:
      throw new Error(`${kind} has no in-process driver for Baton`);
  }
}

/** Parses BENCH_CLIENT. */
export function parseClients(value: string | undefined): ClientKind[] {
  if (value === undefined || value === "") return DEFAULT_CLIENTS;
  const kinds = value.split(",").map((s) => s.trim());
  for (const k of kinds) if (!(CLIENT_KINDS as readonly string[]).includes(k)) throw new Error(`BENCH_CLIENT: unknown client ${k} (known: ${CLIENT_KINDS.join(", ")})`);
  return kinds as ClientKind[];
}
