import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";
import { baton, startBaton } from "../cli/in-process.js";
import { rendezvousClient, uniqueKey } from "./rendezvous-client.js";

describe("baton rendezvous commands (in process)", () => {
  let server: TestServer;
  let client: ReturnType<typeof rendezvousClient>;
  const start = (...args: string[]) => startBaton(args, { url: server.url });
  const run = (...args: string[]) => baton(args, { url: server.url });
  const waitingOn = async (key: string) => (await client.list({ prefix: key })).waiting;

  beforeAll(async () => {
    server = await startServer({ rendezvousHeartbeatMs: 100 });
    client = rendezvousClient(server.url);
  });
  afterAll(async () => {
    await server.close();
  });

  it("wait blocks until signal, then prints the payload exactly and exits 0", async () => {
    const key = uniqueKey("cli-wait");
    const wait = start("wait", key, "--timeout", "30s");
    await vi.waitFor(async () => expect(await waitingOn(key)).toHaveLength(1), { timeout: 15_000 });
    const signal = await run("signal", key, "--payload", "line one\nline two");
    expect(signal).toEqual({ code: 0, stdout: `signalled ${key}: woke 1 waiter\n`, stderr: "" });
    expect(await wait.done).toBe(0);
    expect(wait.stdout()).toBe("line one\nline two");
  });

  it("signal --payload-file - reads the payload from stdin; a terminal gets a final newline", async () => {
    const key = uniqueKey("cli-stdin");
    expect((await baton(["signal", key, "--payload-file", "-"], { url: server.url, stdin: "from stdin" })).code).toBe(0);
    const wait = await baton(["wait", key], { url: server.url, tty: true });
    expect(wait).toEqual({ code: 0, stdout: "from stdin\n", stderr: "" });
  });

  it("wait exits 1 when its --timeout runs out (on a faked clock), and --timeout 0 only looks", async () => {
    const key = uniqueKey("cli-timeout");
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    try {
      const wait = start("wait", key, "--timeout", "10m");
      await vi.waitFor(async () => expect(await waitingOn(key)).toHaveLength(1), { timeout: 15_000 });
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect(await wait.done).toBe(1);
      expect(wait.stdout()).toBe("");
      expect(wait.stderr()).toBe(`baton wait: ${key} was not signalled within 10m\n`);
    } finally {
      vi.useRealTimers();
    }
    expect(await run("wait", key, "--timeout", "0")).toEqual({ code: 1, stdout: "", stderr: `baton wait: ${key} is not set (--timeout 0 only looks once)\n` });
  });

  it("an interrupted wait exits 128 + N and leaves no waiter behind", async () => {
    const key = uniqueKey("cli-interrupt");
    const wait = start("wait", key);
    await vi.waitFor(async () => expect(await waitingOn(key)).toHaveLength(1), { timeout: 15_000 });
    wait.interrupt("SIGINT");
    expect(await wait.done).toBe(130);
    await vi.waitFor(async () => expect(await waitingOn(key)).toEqual([]));
  });

  it("arrive returns to three participants together with their generation and indexes", async () => {
    const key = uniqueKey("cli-barrier");
    const runs = [start("arrive", key, "--parties", "3"), start("arrive", key, "--parties", "3"), start("arrive", key, "--parties", "3")];
    expect(await Promise.all(runs.map((r) => r.done))).toEqual([0, 0, 0]);
    const lines = runs.map((r) => r.stdout().trim()).sort();
    expect(lines).toEqual(["generation=1 index=1 parties=3", "generation=1 index=2 parties=3", "generation=1 index=3 parties=3"]);
  });

  it("arrive leaves the barrier when its --timeout runs out (on a faked clock)", async () => {
    const key = uniqueKey("cli-barrier-timeout");
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    try {
      const arrive = start("arrive", key, "--parties", "2", "--timeout", "1h");
      await vi.waitFor(async () => expect((await client.list({ prefix: key })).barriers).toHaveLength(1), { timeout: 15_000 });
      await vi.advanceTimersByTimeAsync(3_600_000);
      expect(await arrive.done).toBe(1);
      expect(arrive.stderr()).toBe(`baton arrive: the barrier ${key} did not gather 2 parties within 1h: 1 of 2 had arrived; you have left it\n`);
    } finally {
      vi.useRealTimers();
    }
    expect((await client.list({ prefix: key })).barriers).toEqual([]);
  });

  it("ready waits for a TCP port that starts listening, printing failed attempts on stderr", async () => {
    const probe = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const ready = start("ready", `tcp://127.0.0.1:${port}`, "--interval", "100ms", "--timeout", "30s");
    await vi.waitFor(() => expect(ready.stderr()).toContain("baton ready: attempt 1: connect ECONNREFUSED"), { timeout: 15_000 });
    await new Promise<void>((resolve) => probe.listen(port, "127.0.0.1", resolve));
    try {
      expect(await ready.done).toBe(0);
      expect(ready.stdout()).toMatch(new RegExp(`^ready: connected to 127\\.0\\.0\\.1:${port} \\(\\d+ attempts?, `));
    } finally {
      await new Promise((resolve) => probe.close(resolve));
    }
  });

  it("subscribe prints a line per change under its prefix and exits 0 when interrupted", async () => {
    const prefix = uniqueKey("cli-sub") + "/";
    const sub = start("subscribe", prefix);
    // The subscription is live once a warm-up signal shows up in its output.
    await vi.waitFor(
      async () => {
        await client.signal({ key: prefix + "warmup" });
        expect(sub.stdout()).toContain("warmup");
      },
      { timeout: 15_000, interval: 100 },
    );
    await client.signal({ key: prefix.slice(0, -1) + "-elsewhere", payload: "not mine" });
    await client.signal({ key: prefix + "job", payload: "done" });
    await client.reset({ key: prefix + "job" });
    await vi.waitFor(() => expect(sub.stdout()).toMatch(/reset \S+job "done"/));
    expect(sub.stdout()).toMatch(/signaled \S+job "done" \(woke 0\)/);
    expect(sub.stdout()).not.toContain("not mine");
    sub.interrupt("SIGTERM");
    expect(await sub.done).toBe(0);
  });

  it("keys shows a set key and a waiter", async () => {
    const key = uniqueKey("cli-keys");
    await client.signal({ key: key + "/set", payload: "p", owner: "me" });
    const wait = start("wait", key + "/waited", "--owner", "waiter-1");
    await vi.waitFor(async () => expect(await waitingOn(key + "/waited")).toHaveLength(1), { timeout: 15_000 });
    const shown = await run("keys", key);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`waiting:\\n  ${key}/waited  1 waiting since \\S+ \\(waiter-1\\)`));
    expect(shown.stdout).toMatch(new RegExp(`set:\\n  ${key}/set  by me at `));
    wait.interrupt("SIGINT");
    expect(await wait.done).toBe(130);
  });
});
