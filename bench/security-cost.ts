/**
 * The per-call cost of API keys and of TLS: acquire+release cycles against an in-process server
 * in four set-ups (open, keys, TLS, TLS + keys), interleaved round by round so that the machine's
 * other load hits them alike. Run: npx tsx bench/security-cost.ts [cycles] [rounds] [2,1.1]
 * (needs openssl for the test certificate). Prints the median CPU µs per cycle of each set-up.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../src/server/app.js";
import { DEFAULT_CONFIG, type Config } from "../src/config.js";
import { createBatonClient, type TransportOptions } from "../src/client/index.js";
import { hashApiKey, newApiKey } from "../src/server/auth/key-material.js";

const cycles = Number(process.argv[2] ?? 3000);
const rounds = Number(process.argv[3] ?? 5);
const versions = (process.argv[4] ?? "2,1.1").split(",") as ("2" | "1.1")[];

const dir = mkdtempSync(join(tmpdir(), "baton-bench-tls-"));
execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "k.pem", "-out", "c.pem", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1"], { cwd: dir, stdio: "ignore" });
const key = newApiKey();
const keys = [{ name: "bench", sha256: hashApiKey(key), actions: ["acquire" as const], locks: undefined, rendezvous: undefined, limits: {} }];
const tls = { tlsCert: join(dir, "c.pem"), tlsKey: join(dir, "k.pem") };

const setups: Record<string, { config: Partial<Config>; client: TransportOptions }> = {
  open: { config: {}, client: {} },
  keys: { config: { keys }, client: { apiKey: key } },
  tls: { config: tls, client: { caPem: readFileSync(tls.tlsCert) } },
  "tls+keys": { config: { ...tls, keys }, client: { caPem: readFileSync(tls.tlsCert), apiKey: key } },
};

async function run(name: string, setup: (typeof setups)[string], httpVersion: "2" | "1.1"): Promise<number> {
  const app = await buildApp({ ...DEFAULT_CONFIG, store: "memory", port: 0, ...setup.config } as Config, () => undefined);
  const url = await app.listen();
  const client = createBatonClient(url, { ...setup.client, httpVersion, session: false });
  try {
    const lock = `bench/${name.replace("+", "-")}`;
    for (let i = 0; i < 100; i++) await client.release(await client.acquire(lock, { waitMs: 0 }));
    // CPU time of this process (server and client both run here), not wall time: on a shared
    // machine the wall clock mostly measures the other processes.
    const start = process.cpuUsage();
    for (let i = 0; i < cycles; i++) await client.release(await client.acquire(lock, { waitMs: 0 }));
    const used = process.cpuUsage(start);
    return (used.user + used.system) / cycles;
  } finally {
    client.close();
    await app.close();
  }
}

for (const httpVersion of versions) {
  const results: Record<string, number[]> = Object.fromEntries(Object.keys(setups).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) for (const [name, setup] of Object.entries(setups)) results[name]!.push(await run(name, setup, httpVersion));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(results.open!);
  console.log(`HTTP/${httpVersion}, unary Connect binary, ${cycles} acquire+release cycles x ${rounds} rounds (median CPU µs per cycle, client and server together):`);
  for (const [name, xs] of Object.entries(results)) {
    const m = median(xs);
    console.log(`  ${name.padEnd(9)} ${m.toFixed(1).padStart(7)} µs  (${m >= base ? "+" : ""}${(m - base).toFixed(1)} µs, ${(((m - base) / base) * 100).toFixed(1)} %)`);
  }
}
