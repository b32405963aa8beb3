import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";
import { runBaton } from "./run-baton.js";

// bin/baton.js runs the compiled build when `npm run build` left a fresh one (CI builds before
// the tests, so every other CLI test runs it) and the TypeScript sources through tsx otherwise,
// as in a fresh clone. This runs the source path on purpose, so both stay tested.
let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

describe("baton entry point", () => {
  it("runs from the TypeScript sources when asked to (or when there is no fresh build)", async () => {
    const acquired = await runBaton(["acquire", "entry-source", "--json"], server.url, { BATON_FROM_SOURCE: "1" });
    expect(acquired.code).toBe(0);
    const lease = JSON.parse(acquired.stdout) as { token: string };
    const released = await runBaton(["release", "entry-source", lease.token], server.url, { BATON_FROM_SOURCE: "1" });
    expect(released.code).toBe(0);
    expect((await server.app.engine.describe("entry-source")).holders).toEqual([]);
  });
});
