import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { describe, it } from "vitest";

/** A redis-server this test started: its own port and data dir, never the machine's Redis. */
export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (SIGTERM: with AOF on, it flushes first). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  start(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open and nothing answers, as in a stall. */
  pause(): void;
  /** Lets a paused server run again (SIGCONT); it then runs everything sent while it was frozen. */
  resume(): void;
  /** Kills the server at once (SIGKILL): no AOF flush beyond what `appendfsync` already wrote. */
  kill(): Promise<void>;
  /** Stops it and deletes its data dir. */
  dispose(): Promise<void>;
}

/** Options of a test Redis. */
export interface TestRedisOptions {
  /** Turn on the append-only file (fsync always), so state survives a restart. */
  aof?: boolean;
  /** Extra redis-server arguments, e.g. ["--cluster-enabled", "yes"]. */
  args?: string[];
}

/** Whether `redis-server` is on PATH. */
export function hasRedisServer(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

/** A free TCP port on 127.0.0.1 (free when asked; a race with other processes is unlikely). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPing(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}:\n${output()}`);
    const probe = new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on("error", () => {});
    try {
      await probe.connect();
      if ((await probe.ping()) === "PONG") return;
    } catch {
      // not up yet
    } finally {
      probe.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING:\n${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Starts a redis-server on a free port in a new temp dir. */
export async function startRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "baton-redis-"));
  let child: ChildProcess | undefined;
  const args = [
    "--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--daemonize", "no",
    "--appendonly", options.aof ? "yes" : "no", "--appendfsync", "always", "--protected-mode", "no",
    ...(options.args ?? []),
  ];
  const start = async (): Promise<void> => {
    let log = "";
    const proc = spawn("redis-server", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    proc.stdout?.on("data", (d: Buffer) => (log += d.toString()));
    proc.stderr?.on("data", (d: Buffer) => (log += d.toString()));
    child = proc;
    await waitForPing(port, proc, () => log);
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      // A frozen server would never act on SIGTERM.
      proc.kill("SIGCONT");
      proc.kill("SIGTERM");
    });
  };
  const signal = (name: NodeJS.Signals): void => {
    if (child === undefined || child.exitCode !== null) throw new Error(`redis-server on port ${port} is not running`);
    child.kill(name);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    start,
    stop,
    pause: () => signal("SIGSTOP"),
    resume: () => signal("SIGCONT"),
    async kill() {
      const proc = child;
      child = undefined;
      if (proc === undefined || proc.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        proc.once("exit", () => resolve());
        proc.kill("SIGKILL");
      });
    },
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A three-master Redis Cluster on free ports, created with `redis-cli --cluster create`. */
export interface TestRedisCluster {
  /** A seed URL for the store: `redis://127.0.0.1:PORT?cluster=1`. */
  url: string;
  nodes: TestRedis[];
  dispose(): Promise<void>;
}

/** Starts three cluster-enabled redis-servers and joins them into one cluster. */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  const nodes: TestRedis[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      nodes.push(await startRedis({ args: ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"] }));
    }
    const create = spawnSync(
      "redis-cli",
      ["--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-replicas", "0", "--cluster-yes"],
      { encoding: "utf8", timeout: 30_000 },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.stdout}\n${create.stderr}`);
    const deadline = Date.now() + 20_000;
    for (const node of nodes) {
      const client = new Redis({ port: node.port, host: "127.0.0.1" });
      try {
        while (!/cluster_state:ok/.test(String(await client.call("CLUSTER", "INFO")))) {
          if (Date.now() > deadline) throw new Error(`cluster node ${node.port} never reached cluster_state:ok`);
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        client.disconnect();
      }
    }
  } catch (error) {
    await Promise.all(nodes.map((n) => n.dispose()));
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${nodes[0]!.port}?cluster=1`,
    nodes,
    dispose: async () => {
      await Promise.all(nodes.map((n) => n.dispose()));
    },
  };
}

/** How the Redis suites can run here: start their own server, use BATON_TEST_REDIS_URL, or not at all. */
export const redisMode: "server" | "external" | "none" = hasRedisServer()
  ? "server"
  : process.env.BATON_TEST_REDIS_URL
    ? "external"
    : "none";

const HOW_TO =
  "install redis-server (Debian: apt-get install redis-server) so the tests can start their own, " +
  "or set BATON_TEST_REDIS_URL=redis://host:port/db to a Redis the tests may write to";

/**
 * `describe` for a Redis suite. Without Redis it skips and says so loudly, or, with
 * BATON_REQUIRE_REDIS=1 (as CI sets it), fails. `needs` "server" marks suites that must start and
 * stop their own redis-server (restarts, clusters), which an external URL cannot do.
 */
export function describeRedis(name: string, fn: () => void, needs: "any" | "server" = "any"): void {
  const ok = redisMode === "server" || (needs === "any" && redisMode === "external");
  if (ok) {
    describe(name, fn);
    return;
  }
  const why =
    redisMode === "external"
      ? `"${name}" needs to start its own redis-server, and none is on PATH (BATON_TEST_REDIS_URL cannot be restarted)`
      : `"${name}" did not run: no redis-server on PATH and BATON_TEST_REDIS_URL is not set`;
  if (process.env.BATON_REQUIRE_REDIS === "1") {
    describe(name, () => {
      it("has Redis to run against (BATON_REQUIRE_REDIS=1)", () => {
        throw new Error(`${why}; ${HOW_TO}`);
      });
    });
    return;
  }
  console.warn(`\n!!!!! REDIS SUITE SKIPPED !!!!!\n${why}.\nTo run it: ${HOW_TO}.\n`);
  describe.skip(name, fn);
}

/** A Redis for one test file: its own server when possible, else BATON_TEST_REDIS_URL. */
export async function redisForTests(options: TestRedisOptions = {}): Promise<{ url: string; server?: TestRedis; dispose(): Promise<void> }> {
  if (redisMode === "external") return { url: process.env.BATON_TEST_REDIS_URL!, dispose: async () => {} };
  const server = await startRedis(options);
  return { url: server.url, server, dispose: () => server.dispose() };
}
