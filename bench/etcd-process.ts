import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { etcdDrivers } from "./drivers/etcd.js";

/** An etcd server the bench started, on free ports, with a fresh data dir. */
export interface BenchEtcd {
  /** host:port of its client (gRPC) listener. */
  target: string;
  pid: number;
  stop(): Promise<void>;
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `etcd` (ETCD_BIN, default `etcd` on the PATH: Debian's etcd-server, 3.4) as a
 * one-member cluster with its default durability (fsync per commit), and waits until a lock
 * round trip works.
 */
export async function startBenchEtcd(): Promise<BenchEtcd> {
  const dir = mkdtempSync(join(tmpdir(), "baton-bench-etcd-"));
  const [client, peer] = [await freePort(), await freePort()];
  const child = spawn(
    process.env.ETCD_BIN ?? "etcd",
    [
      "--name", "bench", "--data-dir", join(dir, "data"),
      "--listen-client-urls", `http://127.0.0.1:${client}`, "--advertise-client-urls", `http://127.0.0.1:${client}`,
      "--listen-peer-urls", `http://127.0.0.1:${peer}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${peer}`,
      "--initial-cluster", `bench=http://127.0.0.1:${peer}`, "--log-level", "error", "--logger", "zap",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`etcd exited with ${code}: ${stderr}`))));
  exited.catch(() => {});
  const target = `127.0.0.1:${client}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const until = Date.now() + 30_000;
  for (;;) {
    const probe = etcdDrivers(target)(0);
    try {
      await Promise.race([probe.release("", await probe.acquire("bench/etcd-ready", 0)), exited]);
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > until) {
        await stop();
        throw error;
      }
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      probe.close();
    }
  }
  return { target, pid: child.pid!, stop };
}
