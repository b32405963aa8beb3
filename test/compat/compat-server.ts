import { DEFAULT_CONFIG } from "../../src/config.js";
import type { LockEngine } from "../../src/engine/lock-engine.js";
import { parsePools } from "../../src/engine/pools.js";
import type { RendezvousEngine } from "../../src/engine/rendezvous/rendezvous-engine.js";
import { parseCompatOptions, type CompatHandler } from "../../src/server/compat/index.js";
import { startServer } from "../helpers/server.js";

/** A real server for the compat tests: memory store, pools, compat + Connect on one port. */
export interface CompatServer {
  url: string;
  engine: LockEngine;
  rendezvous: RendezvousEngine;
  compat: CompatHandler;
  logs: string[];
  close(): Promise<void>;
}

/** Starts one on 127.0.0.1 and a free port; `compat` is the raw `compat:` mapping, `pools` the raw `pools:` list. */
export async function startCompatServer(
  setup: { compat?: unknown; pools?: unknown; probeAllowlist?: string[]; postgresDsn?: string } = {},
): Promise<CompatServer> {
  const server = await startServer({
    pools: parsePools(setup.pools),
    compat: parseCompatOptions(setup.compat),
    rendezvousHeartbeatMs: 1000,
    probeAllowlist: setup.probeAllowlist ?? DEFAULT_CONFIG.probeAllowlist,
    postgresDsn: setup.postgresDsn ?? DEFAULT_CONFIG.postgresDsn,
    shutdownGraceMs: 200,
  });
  const { app } = server;
  return { url: server.url, engine: app.engine, rendezvous: app.rendezvous, compat: app.compat, logs: server.logs, close: server.close };
}
