import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startServer } from "../helpers/server.js";

// GET /healthz names the kind of store (docs/api.md shows it); a durable store was once
// reported as "redis".
describe("GET /healthz", () => {
  it("names the memory store", async () => {
    const server = await startServer({ store: "memory" });
    try {
      const response = await fetch(`${server.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "ok", store: "memory" });
    } finally {
      await server.close();
    }
  });

  it("names the durable store, and not its path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-health-"));
    const server = await startServer({ store: `durable:${join(dir, "data")}` });
    try {
      const response = await fetch(`${server.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "ok", store: "durable" });
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
