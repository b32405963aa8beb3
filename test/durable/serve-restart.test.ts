import { afterAll, afterEach, describe, expect, it } from "vitest";
import { lockClient } from "../helpers/clients.js";
import { removeTempDirs, tempDir } from "./temp-dir.js";
import { serveDurable, serveRefused, type DurableServer } from "./serve.js";

afterAll(removeTempDirs);
const running: DurableServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) if (s.child.exitCode === null && s.child.signalCode === null) await s.kill9();
});

async function start(dir: string, args: string[] = []): Promise<DurableServer> {
  const server = await serveDurable(dir, args);
  running.push(server);
  return server;
}

async function http(url: string, method: string, body?: string): Promise<[number, Record<string, unknown>]> {
  const response = await fetch(url, { method, body, headers: body ? { "content-type": "application/json" } : {} });
  return [response.status, (await response.json()) as Record<string, unknown>];
}

describe("baton serve on a durable data dir (real processes)", () => {
  it("keeps a reserved WebMutex id and a held Locker pool across SIGTERM and kill -9", async () => {
    const dir = tempDir();
    let server = await start(dir);
    expect(server.stderr()).toContain(`store: durable, data in ${dir}, durability full`);
    const [, reserved] = await http(`${server.url}/webmutex/reserve`, "POST");
    const id = reserved.id as string;
    expect(await http(`${server.url}/locker/lock/prod-deployments`, "PUT", '{"lock":"prod-cloudfoundry"}')).toEqual([
      200,
      { response: "lock for prod-deployments acquired by prod-cloudfoundry" },
    ]);
    expect(await server.stop()).toBe(0);

    server = await start(dir);
    // The WebMutex README's retry loop: grab must find the id, not 404 forever.
    const [grabStatus, grabbed] = await http(`${server.url}/webmutex/grab?id=${id}`, "POST");
    expect(grabStatus).toBe(200);
    await server.kill9();

    server = await start(dir);
    const [statusCode, status] = await http(`${server.url}/webmutex/status?id=${id}`, "GET");
    expect([statusCode, status.in_use]).toEqual([200, true]);
    // Locker lists every held lock, the WebMutex grab among them.
    expect(await http(`${server.url}/locker/locks`, "GET")).toEqual([200, { "prod-deployments": "prod-cloudfoundry", [id]: "webmutex@127.0.0.1" }]);
    // A second deploy is refused, as before the restarts.
    expect((await http(`${server.url}/locker/lock/prod-deployments`, "PUT", '{"lock":"other-pipeline"}'))[0]).toBe(423);
    expect((await http(`${server.url}/webmutex/release?id=${id}&token=${grabbed.token as string}`, "POST"))[0]).toBe(200);
    expect(await server.stop()).toBe(0);
  });

  it("refuses a second Baton on the same data dir, and takes over from one that was killed", async () => {
    const dir = tempDir();
    const first = await start(dir);
    const refused = await serveRefused(dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`data dir ${dir}: in use by another Baton \\(pid ${first.child.pid}`));
    // The first one is unharmed.
    expect((await lockClient("connect-json-h1", first.url).acquire({ name: "still-here" })).lease?.fencing).toBe(1n);
    await first.kill9();
    const second = await start(dir);
    expect(second.stderr()).toMatch(/taking over from pid \d+, which is gone/);
    expect((await lockClient("connect-json-h1", second.url).describe({ name: "still-here" })).lock?.holders).toHaveLength(1);
    await second.stop();
  });
});
