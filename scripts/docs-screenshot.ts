// `npm run docs:screenshot`: takes docs/images/live-page.png, the live page of a server with a
// realistic scenario (deploys queueing, a semaphore, a leader, readers, weighted permits, workers cycling through job locks, keys set
// and waited for, a barrier, a timeout, a readiness wait, sessions), in headless Chromium.
//
//   npm run docs:screenshot                      # starts its own server (memory store)
//   npm run docs:screenshot -- --url http://127.0.0.1:7070 --out /tmp/shot.png
//
// With --url it puts the scenario on that server (any Baton with API v1: it uses the API only).
import { parseArgs } from "node:util";
import { startServer } from "../test/helpers/server.js";
import { launchChromium } from "../test/server/web-page-browser.js";
import { Scenario } from "../test/server/web-page-scenario.js";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    out: { type: "string", default: "docs/images/live-page.png" },
    "traffic-seconds": { type: "string", default: "25" },
  },
});

const server = values.url === undefined ? await startServer({ rendezvousHeartbeatMs: 1000 }) : undefined;
const url = values.url ?? server!.url;
const scenario = new Scenario(url);
const stop = new AbortController();

try {
  await setTheScene(scenario);
  const traffic = workers(scenario, stop.signal);
  const seconds = Number(values["traffic-seconds"]);
  console.error(`docs:screenshot: ${url}, ${seconds} s of traffic for the charts…`);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));

  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1440, height: 1640 }, deviceScaleFactor: 1 });
  await page.goto(`${url}/ui`);
  await page.waitForTimeout(2500);
  const row = page.locator('[data-lock="deploy/prod"]');
  if ((await row.count()) > 0) {
    await row.click();
    await page.locator('#panel [data-table="history"]').waitFor({ timeout: 10_000 });
  }
  await page.waitForTimeout(1200);
  await page.screenshot({ path: values.out });
  await browser.close();
  stop.abort();
  await traffic;
  console.error(`docs:screenshot: wrote ${values.out}`);
} finally {
  stop.abort();
  await scenario.close();
  await server?.close();
}

/** The objects on show. */
async function setTheScene(s: Scenario): Promise<void> {
  // deploy/prod: a history of earlier deploys, then one running and two queued.
  for (const job of ["ci-job-4809", "ci-job-4810", "ci-job-4811"]) {
    const token = await s.hold("deploy/prod", job);
    await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 300));
    await s.locks.release({ name: "deploy/prod", token });
  }
  await s.hold("deploy/prod", "ci-job-4812");
  await s.queue("deploy/prod", "ci-job-4813");
  await s.queue("deploy/prod", "ci-job-4815");
  await s.hold("deploy/staging", "alice@laptop");
  await s.hold("db/migrations", "migrator-7f9c");
  for (const node of ["gpu-node-1", "gpu-node-2", "gpu-node-3"]) await s.hold("render-farm", node, { limit: 4 });
  await s.hold("cron/nightly-report", "cron@batch-2");
  // A leader with its address, readers sharing a dataset, and 6 of 8 GPUs in use.
  await s.hold("cluster/scheduler", "scheduler@pod-1", { limit: 1, value: "10.0.3.7:8080" });
  for (const reader of ["report-daily", "report-weekly"]) await s.hold("analytics/dataset", reader, { shared: true });
  await s.hold("gpus/box-1", "train-job-12", { limit: 8, permits: 4 });
  await s.hold("gpus/box-1", "infer-job-3", { limit: 8, permits: 2 });
  for (let i = 1; i <= 24; i++) await s.hold(`orders/shard-${i}`, `order-worker-${(i % 6) + 1}`);
  await s.session("billing-service@pod-7", "billing/ledger");
  await s.session("search-indexer@pod-2", "search/reindex");

  await s.signal("db/ready", "migrator-7f9c", "schema v42");
  await s.signal("build/artifact", "ci-job-4812", "sha256:9f86d081884c7d65");
  await s.signal("feature/dark-mode", "alice@laptop", "on", 3_600_000);
  await s.waitFor("cache/warm", "api-pod-3");
  await s.waitFor("cache/warm", "api-pod-4");
  await s.waitFor("search/index-ready", "frontend-1");
  await s.arrive("release/train-57", 3, "service-a");
  await s.arrive("release/train-57", 3, "service-b");
  await s.timeOut("feature/flags", "canary-2", 300);
  await s.readinessWait();
}

/** Workers that take turns on a few job locks, so the charts have grants, waits and holds. */
async function workers(s: Scenario, signal: AbortSignal): Promise<void> {
  const one = async (worker: number): Promise<void> => {
    while (!signal.aborted) {
      const name = `jobs/queue-${worker % 3}`;
      try {
        const lease = (await s.locks.acquire({ name, owner: `job-worker-${worker}`, ttlMs: 30_000n }, { signal })).lease!;
        await new Promise((resolve) => setTimeout(resolve, 40 + Math.random() * 260));
        await s.locks.release({ name, token: lease.token });
      } catch {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 120));
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, i) => one(i)));
}
