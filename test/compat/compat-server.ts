import type * as http from "node:http";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { LockService } from "../../src/gen/baton/lock/v1/lock_service_pb.js";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { LockEngine } from "../../src/engine/lock-engine.js";
import { parsePools } from "../../src/engine/pools.js";
import { lockService } from "../../src/server/lock-service.js";
import { OnePortListener } from "../../src/server/listener.js";
import { healthRoute } from "../../src/server/health.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { MemoryRendezvousStore } from "../../src/store/memory/rendezvous-memory.js";
import { RendezvousEngine } from "../../src/engine/rendezvous/rendezvous-engine.js";
import { RendezvousService } from "../../src/gen/baton/rendezvous/v1/rendezvous_pb.js";
import { rendezvousService } from "../../src/server/rendezvous-service.js";
import { compatHandler, parseCompatOptions, type CompatHandler } from "../../src/server/compat/index.js";

/** A real server for the compat tests: memory store, engine with pools, compat + Connect on one port. */
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
  const logs: string[] = [];
  const log = (m: string): void => void logs.push(m);
  const store = new MemoryStore();
  const engine = new LockEngine(store, { ...DEFAULT_CONFIG, pools: parsePools(setup.pools) }, log);
  const rendezvousStore = new MemoryRendezvousStore();
  const rendezvous = new RendezvousEngine(
    rendezvousStore,
    {
      heartbeatMs: 1000,
      minTtlMs: DEFAULT_CONFIG.minTtlMs,
      maxTtlMs: DEFAULT_CONFIG.maxTtlMs,
      maxWaitMs: DEFAULT_CONFIG.maxWaitMs,
      maxParties: DEFAULT_CONFIG.maxLimit,
      probeAllowlist: setup.probeAllowlist ?? DEFAULT_CONFIG.probeAllowlist,
      postgresDsn: setup.postgresDsn ?? DEFAULT_CONFIG.postgresDsn,
    },
    log,
  );
  const compat: CompatHandler = compatHandler({ engine, rendezvous, log }, parseCompatOptions(setup.compat));
  const rpc = connectNodeAdapter({
    routes: (router) => {
      router.service(LockService, lockService(engine, log));
      router.service(RendezvousService, rendezvousService(rendezvous, log));
    },
  });
  const health = healthRoute(engine, "memory");
  const listener = new OnePortListener((req, res) => {
    if (health(req, res)) return;
    if (compat(req, res)) return;
    rpc(req as http.IncomingMessage, res as http.ServerResponse);
  });
  const port = await listener.listen(0, "127.0.0.1");
  return {
    url: `http://127.0.0.1:${port}`,
    engine,
    rendezvous,
    compat,
    logs,
    async close() {
      listener.stopAccepting();
      await compat.close();
      await Promise.all([engine.close(), rendezvous.close()]);
      await listener.drain(200);
      await Promise.all([store.close(), rendezvousStore.close()]);
    },
  };
}
