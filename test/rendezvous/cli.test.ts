import { spawn, type ChildProcess } from "node:child_process";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";
import { rendezvousClient, uniqueKey } from "./rendezvous-client.js";

interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

describe("baton rendezvous commands (real processes)", () => {
  let server: TestServer;
  let client: ReturnType<typeof rendezvousClient>;

  beforeAll(async () => {
    server = await startServer({ rendezvousHeartbeatMs: 100 });
    client = rendezvousClient(server.url);
  });
  afterAll(async () => {
    await server.close();
  });

  /** Starts `baton ARGS` against the test server (found through BATON_URL). */
  function baton(...args: string[]): Run {
    const child = spawn(process.execPath, ["bin/baton.js", ...args], {
      env: { ...process.env, BATON_URL: server.url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const run: Run = {
      child,
      stdout: "",
      stderr: "",
      exit: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
    };
    child.stdout?.on("data", (d: Buffer) => (run.stdout += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (run.stderr += d.toString()));
    return run;
  }

  it("wait blocks until signal, then prints the payload exactly and exits 0", async () => {
    const key = uniqueKey("cli-wait");
    const wait = baton("wait", key, "--timeout", "30s");
    await eventually(async () => expect((await client.list({ prefix: key })).waiting).toHaveLength(1), 15_000);
    const signal = baton("signal", key, "--payload", "line one\nline two");
    expect(await signal.exit).toBe(0);
    expect(signal.stdout).toBe(`signalled "${key}": woke 1 waiter\n`);
    expect(await wait.exit).toBe(0);
    expect(wait.stdout).toBe("line one\nline two");
  });

  it("wait exits 1 with a message when the timeout runs out", async () => {
    const key = uniqueKey("cli-timeout");
    const wait = baton("wait", key, "--timeout", "300ms");
    expect(await wait.exit).toBe(1);
    expect(wait.stdout).toBe("");
    expect(wait.stderr).toContain(`"${key}" was not signalled within 300ms`);
  });

  it("an interrupted wait exits 130 and leaves no waiter behind", async () => {
    const key = uniqueKey("cli-interrupt");
    const wait = baton("wait", key);
    await eventually(async () => expect((await client.list({ prefix: key })).waiting).toHaveLength(1), 15_000);
    wait.child.kill("SIGINT");
    expect(await wait.exit).toBe(130);
    await eventually(async () => expect((await client.list({ prefix: key })).waiting).toEqual([]));
  });

  it("arrive returns to three processes together with their generation and indexes", async () => {
    const key = uniqueKey("cli-barrier");
    const runs = [baton("arrive", key, "--parties", "3"), baton("arrive", key, "--parties", "3"), baton("arrive", key, "--parties", "3")];
    const codes = await Promise.all(runs.map((r) => r.exit));
    expect(codes).toEqual([0, 0, 0]);
    const lines = runs.map((r) => r.stdout.trim()).sort();
    expect(lines).toEqual(["generation=1 index=1 parties=3", "generation=1 index=2 parties=3", "generation=1 index=3 parties=3"]);
  });

  it("ready waits for a TCP port that starts listening, printing failed attempts on stderr", async () => {
    const probe = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const ready = baton("ready", `tcp://127.0.0.1:${port}`, "--interval", "100ms", "--timeout", "30s");
    await eventually(() => expect(ready.stderr).toContain("attempt 1: connect ECONNREFUSED"), 15_000);
    await new Promise<void>((resolve) => probe.listen(port, "127.0.0.1", resolve));
    try {
      expect(await ready.exit).toBe(0);
      expect(ready.stdout).toMatch(new RegExp(`^ready: connected to 127\\.0\\.0\\.1:${port} \\(\\d+ attempts?, `));
    } finally {
      await new Promise((resolve) => probe.close(resolve));
    }
  });

  it("ready refuses a host outside the allowlist with the server's reason", async () => {
    const ready = baton("ready", "http://192.0.2.1/");
    expect(await ready.exit).toBe(1);
    expect(ready.stderr).toContain("probe allowlist");
    expect(ready.stderr).toContain("permission_denied");
  });

  it("subscribe prints a line per change under its prefix and exits 0 on SIGTERM", async () => {
    const prefix = uniqueKey("cli-sub") + "/";
    const sub = baton("subscribe", prefix);
    // The subscription is live once a warm-up signal shows up in its output.
    await eventually(async () => {
      await client.signal({ key: prefix + "warmup" });
      expect(sub.stdout).toContain("warmup");
    }, 15_000);
    await client.signal({ key: prefix.slice(0, -1) + "-elsewhere", payload: "not mine" });
    await client.signal({ key: prefix + "job", payload: "done" });
    await client.reset({ key: prefix + "job" });
    await eventually(() => expect(sub.stdout).toMatch(/reset \S+job "done"/));
    expect(sub.stdout).toMatch(/signaled \S+job "done" \(woke 0\)/);
    expect(sub.stdout).not.toContain("not mine");
    sub.child.kill("SIGTERM");
    expect(await sub.exit).toBe(0);
  });

  it("bad usage exits 2 with a pointer to --help", async () => {
    const runs = [baton("wait"), baton("arrive", "k"), baton("signal", "bad key"), baton("ready", "ftp://x"), baton("wait", "k", "--timeout", "soon")];
    for (const run of runs) {
      expect(await run.exit).toBe(2);
      expect(run.stderr).toContain("--help");
    }
  });
});
