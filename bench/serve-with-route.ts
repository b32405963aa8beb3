import { connectNodeAdapter } from "@connectrpc/connect-node";
import { DEFAULT_CONFIG } from "../src/config.js";
import { LockEngine } from "../src/engine/lock-engine.js";
import { LockService } from "../src/gen/baton/v1/lock_pb.js";
import { healthRoute } from "../src/server/health.js";
import { OnePortListener } from "../src/server/listener.js";
import { lockService } from "../src/server/lock-service.js";
import { sessionRoute } from "../src/server/session-route.js";
import { openStore } from "../src/store/open-store.js";

/**
 * A bench-only LockService server composed like src/server/app.ts, but with the raw Session
 * route mounted in front of the Connect router: `BENCH_SERVER=route` measures what mounting it
 * in app.ts would buy. Takes `--store URL --max-queue N`; listens on a free port.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: string): string => {
    const at = args.indexOf(name);
    return at === -1 ? fallback : (args[at + 1] ?? fallback);
  };
  const config = { ...DEFAULT_CONFIG, store: flag("--store", "memory"), maxQueueLength: Number(flag("--max-queue", "10000")), port: 0 };
  const store = await openStore(config.store);
  const engine = new LockEngine(store, config);
  const rpc = connectNodeAdapter({ routes: (router) => router.service(LockService, lockService(engine, (m) => console.error(m))) });
  const route = sessionRoute(engine, (m) => console.error(m), { readMaxBytes: config.readMaxBytes });
  const health = healthRoute(engine, config.store);
  const listener = new OnePortListener((req, res) => {
    if (health(req, res) || route(req, res)) return;
    rpc(req, res);
  });
  const port = await listener.listen(0, "127.0.0.1");
  process.stderr.write(`baton: serving on http://127.0.0.1:${port} (bench server with the raw Session route)\n`);
  process.once("SIGTERM", () => {
    void engine.close(1000).then(() => process.exit(0));
  });
}

await main();
