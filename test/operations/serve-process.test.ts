import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { buildConfig, settingsFromArgs } from "../../src/config.js";
import { lockClient } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { scrape } from "../helpers/prometheus.js";
import { spawnBaton } from "../helpers/spawn-baton.js";

describe("operations settings", () => {
  it("read --metrics, --metrics-listen, --log-level and --access-log, and refuse bad values clearly", () => {
    const read = (args: string[]) => buildConfig({}, {}, settingsFromArgs(args).settings);
    expect(read([])).toMatchObject({ metrics: false, metricsListen: "", logLevel: "info", accessLog: false });
    expect(read(["--metrics", "true", "--metrics-listen", "[::1]:9464", "--log-level", "warn", "--access-log", "yes"])).toMatchObject({
      metrics: true,
      metricsListen: "[::1]:9464",
      logLevel: "warn",
      accessLog: true,
    });
    expect(read(["--metrics-listen", "off"]).metricsListen).toBe("");
    expect(() => read(["--metrics-listen", "9464"])).toThrow(/metricsListen.*not HOST:PORT/);
    expect(() => read(["--metrics-listen", "h:70000"])).toThrow(/above 65535/);
    expect(() => read(["--log-level", "loud"])).toThrow(/logLevel.*loud/);
  });
});

describe("baton serve (a real process)", () => {
  it("writes JSON log lines on stderr, keeps its own start lines, and serves metrics on --metrics-listen", async () => {
    const { child, url, stderr } = await spawnBaton(["--metrics-listen", "127.0.0.1:0", "--access-log", "true"]);
    try {
      await eventually(() => expect(stderr()).toMatch(/baton: metrics on (http:\/\/\S+)\n/));
      const metricsUrl = /baton: metrics on (http:\/\/\S+)\n/.exec(stderr())![1]!;
      expect(metricsUrl).not.toContain(new URL(url).host);
      const c = lockClient("connect-json-h1", url);
      const { lease } = await c.acquire({ name: "serve-process", owner: "o" }, { headers: { "x-request-id": "proc-1" } });
      await c.release({ name: "serve-process", token: lease!.token });
      await eventually(() => expect(stderr()).toContain('"requestId":"proc-1"'));
      const line = stderr().split("\n").find((l) => l.includes('"requestId":"proc-1"'))!;
      expect(JSON.parse(line)).toMatchObject({ name: "baton", level: 30, event: "call", method: "Acquire", protocol: "connect", code: "ok" });
      expect(stderr()).not.toContain(lease!.token);
      expect(stderr()).toMatch(/^baton: serving on /m);
      const s = await scrape(metricsUrl);
      expect(s.value("baton_calls_total", { method: "Acquire", code: "ok" })).toBe(1);
      expect(s.value("baton_lock_releases_total")).toBe(1);
    } finally {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  });
});
