import { spawn, type ChildProcess } from "node:child_process";
import { reapOnExit } from "./reaper.js";
import { mkdirSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HEALTH_PATH } from "./api.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * One `baton serve` process (bin/baton.js: the compiled build when it is fresh) run with
 * `--unhandled-rejections=strict`, so a leaked rejection ends it and counts as a crash. It can be
 * killed with -9, paused and restarted on the same port; an exit nobody asked for is recorded
 * with the end of its log.
 */
export class BatonProcess {
  child: ChildProcess | undefined;
  url = "";
  port = 0;
  /** Exits nobody asked for, each with what killed it and where its log is. */
  readonly crashes: Crash[] = [];
  /** Log lines the server should never print ("unexpected error …"), with how often each came. */
  readonly unexpectedLogs = new Map<string, number>();
  private log = "";
  private expectedExit = false;

  private constructor(
    readonly name: string,
    private readonly args: string[],
  ) {}

  /** Starts `baton serve ARGS…` on a free port. */
  static async start(name: string, args: string[]): Promise<BatonProcess> {
    const p = new BatonProcess(name, args);
    await p.spawn(0);
    return p;
  }

  /** Whether the process is running (paused counts as running). */
  alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The end of the server's log. */
  logTail(chars = 3000): string {
    return this.log.slice(-chars);
  }

  /** Starts it again on the same port (after a kill or a crash). */
  async restart(): Promise<void> {
    // A process that is dying may not have reported its exit yet.
    for (let i = 0; i < 20 && this.alive(); i++) await new Promise((r) => setTimeout(r, 50));
    if (this.alive()) throw new Error(`${this.name} is still running; kill it before restarting it`);
    await this.spawn(this.port);
  }

  /** kill -9, and wait until it is gone. */
  async kill9(): Promise<void> {
    await this.signalAndWait("SIGKILL");
  }

  /** Graceful stop (SIGTERM); waits for the exit. */
  async stop(): Promise<void> {
    if (this.child?.signalCode === null) this.child.kill("SIGCONT");
    await this.signalAndWait("SIGTERM");
  }

  pause(): void {
    this.child?.kill("SIGSTOP");
  }

  resume(): void {
    this.child?.kill("SIGCONT");
  }

  /** GET /healthz; resolves with the status code, or an error text when it does not answer in time. */
  health(timeoutMs = 2000): Promise<number | string> {
    return new Promise((resolve) => {
      const req = http.get(`${this.url}${HEALTH_PATH}`, { agent: false, timeout: timeoutMs }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", (e) => resolve(e.message));
      });
      req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on("error", (e) => resolve(e.message));
    });
  }

  private async signalAndWait(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    this.expectedExit = true;
    const gone = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await gone;
  }

  private async spawn(port: number): Promise<void> {
    this.expectedExit = false;
    const child = spawn(process.execPath, ["--unhandled-rejections=strict", "bin/baton.js", "serve", "--port", String(port), ...this.args], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.child = child;
    reapOnExit(child);
    let pendingLine = "";
    let startLog = "";
    child.stderr!.on("data", (d: Buffer) => {
      const text = d.toString();
      if (startLog.length < 10_000) startLog += text;
      this.log = (this.log + text).slice(-20_000);
      const lines = (pendingLine + text).split("\n");
      pendingLine = lines.pop() ?? "";
      for (const line of lines) {
        if (!/unexpected error/i.test(line)) continue;
        const key = line.replace(/\b\d+\b/g, "N").slice(0, 200);
        this.unexpectedLogs.set(key, (this.unexpectedLogs.get(key) ?? 0) + 1);
      }
    });
    child.once("exit", (code, signal) => {
      if (this.expectedExit) return;
      const file = saveCrashLog(this.name, this.log);
      this.crashes.push({ signature: `${this.name} exited (${signal ?? `code ${code}`}): ${crashSignature(this.log)}`, file, tail: this.logTail(1500) });
    });
    this.url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: baton serve did not start:\n${this.logTail()}`)), 30_000);
      const onData = (): void => {
        const match = /baton: serving on (http:\/\/\S+)/.exec(startLog);
        if (match === null) return;
        clearTimeout(timer);
        child.stderr!.off("data", onData);
        resolve(match[1]!);
      };
      child.stderr!.on("data", onData);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name}: baton serve exited with ${code} at start (port ${port}):\n${startLog}`));
      });
    });
    this.port = Number(new URL(this.url).port);
  }
}

/** A server that exited by itself. */
export interface Crash {
  /** The error that ended it and where it was thrown, to group crashes of one cause. */
  signature: string;
  file: string;
  tail: string;
}

/** The last uncaught error in a log: its first line and the first stack frame outside node:internal. */
export function crashSignature(log: string): string {
  const lines = log.split("\n");
  const at = lines.findLastIndex((l) => /^\s*(\w*Error|\w+Exception|\[\w+)\b.*/.test(l) && !/^baton:/.test(l));
  if (at < 0) return lines.filter((l) => l.trim() !== "").slice(-1)[0] ?? "(empty log)";
  const frame = lines.slice(at + 1).find((l) => /^\s+at /.test(l) && !l.includes("node:internal"));
  return `${lines[at]!.trim()}${frame === undefined ? "" : ` ${frame.trim()}`}`;
}

/** Keeps a crashed server's log (the last 20 KB) where the report can point to it. */
function saveCrashLog(name: string, log: string): string {
  const dir = process.env.CHAOS_RESULTS_DIR || join(tmpdir(), "baton-chaos");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `crash-${name}-${process.pid}-${Date.now()}.log`);
  writeFileSync(file, log);
  return file;
}
