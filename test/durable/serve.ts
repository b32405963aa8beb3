import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A `baton serve` child on a durable data dir. */
export interface DurableServer {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  /** Resolves with the exit code, or 128 + 9 after a kill -9. */
  exit: Promise<number>;
  kill9(): Promise<void>;
  stop(): Promise<number>;
}

/** Spawns `baton serve --port 0 --data-dir DIR ARGS…` and waits until it listens (or exits). */
export async function serveDurable(dataDir: string, args: string[] = []): Promise<DurableServer> {
  const child = spawn(process.execPath, ["bin/baton.js", "serve", "--port", "0", "--data-dir", dataDir, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal === "SIGKILL" ? 137 : 128))));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`baton serve did not start:\n${stderr}`)), 30_000);
    const check = (): void => {
      const match = /baton: serving on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stderr!.on("data", check);
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new ServeExited(code, stderr));
    });
  });
  return {
    child,
    url,
    stderr: () => stderr,
    exit,
    async kill9() {
      child.kill("SIGKILL");
      await exit;
    },
    async stop() {
      child.kill("SIGTERM");
      return exit;
    },
  };
}

/** `baton serve` exited before it listened: its code and what it printed. */
export class ServeExited extends Error {
  constructor(readonly code: number, readonly stderr: string) {
    super(`baton serve exited with ${code}:\n${stderr}`);
  }
}

/** Runs `baton serve` on a data dir that must be refused; resolves with its code and output. */
export async function serveRefused(dataDir: string, args: string[] = []): Promise<ServeExited> {
  try {
    const server = await serveDurable(dataDir, args);
    await server.stop();
  } catch (error) {
    if (error instanceof ServeExited) return error;
    throw error;
  }
  throw new Error(`baton serve started on ${dataDir}, which it should have refused`);
}
