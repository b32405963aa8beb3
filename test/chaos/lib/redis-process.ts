import { spawn, type ChildProcess } from "node:child_process";
import { reapOnExit } from "./reaper.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "../../helpers/redis-server.js";

/**
 * A redis-server of the chaos suite's own, on a free port in a temp dir, that can be killed
 * with -9 (the test helper only stops it politely), stalled with SIGSTOP and restarted on the
 * same port and data dir. With `aof`, every write is fsynced, so a kill -9 loses nothing.
 */
export class RedisProcess {
  child: ChildProcess | undefined;
  private log = "";

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly aof: boolean,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(aof: boolean): Promise<RedisProcess> {
    const r = new RedisProcess(await freePort(), mkdtempSync(join(tmpdir(), "baton-chaos-redis-")), aof);
    await r.restart();
    return r;
  }

  /** Starts redis-server (again) and waits until it answers PING. */
  async restart(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--save", "", "--daemonize", "no",
      "--appendonly", this.aof ? "yes" : "no", "--appendfsync", "always", "--protected-mode", "no"];
    const child = spawn("redis-server", args, { cwd: this.dir, stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    reapOnExit(child);
    child.stdout!.on("data", (d: Buffer) => (this.log = (this.log + d.toString()).slice(-4000)));
    child.stderr!.on("data", (d: Buffer) => (this.log = (this.log + d.toString()).slice(-4000)));
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}:\n${this.log}`);
      if (await this.ping()) return;
      if (Date.now() > deadline) throw new Error(`redis-server on ${this.port} did not answer PING:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** kill -9: no shutdown, no final fsync beyond what `appendfsync always` already did. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGCONT");
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await gone;
  }

  /** SIGSTOP: Redis stalls, its connections stay open and every command waits. */
  pause(): void {
    this.child?.kill("SIGSTOP");
  }

  resume(): void {
    this.child?.kill("SIGCONT");
  }

  async dispose(): Promise<void> {
    await this.kill9();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async ping(): Promise<boolean> {
    const probe = new Redis({ port: this.port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on("error", () => {});
    try {
      await probe.connect();
      return (await probe.ping()) === "PONG";
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  }
}
