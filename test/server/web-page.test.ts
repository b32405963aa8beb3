import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startServer, type TestServer } from "../helpers/server.js";
import { BROWSER_REQUIRED, CHROMIUM, launchChromium, warnIfNoBrowser } from "./web-page-browser.js";
import { Scenario } from "./web-page-scenario.js";

warnIfNoBrowser("The live page's browser tests");

/** Waits until the element's text contains every one of `parts` (the page updates asynchronously). */
async function shows(page: Page, selector: string, ...parts: string[]): Promise<string> {
  let text = "";
  await vi.waitFor(
    async () => {
      text = (await page.locator(selector).first().textContent({ timeout: 1000 })) ?? "";
      for (const part of parts) expect(text, `${selector} should show "${part}"`).toContain(part);
    },
    { timeout: 10_000, interval: 50 },
  );
  return text;
}

/** Waits until no element matches. */
async function gone(page: Page, selector: string): Promise<void> {
  await vi.waitFor(async () => expect(await page.locator(selector).count(), `${selector} should be gone`).toBe(0), { timeout: 10_000, interval: 50 });
}

/** The live page's own script (page/main.ts, bundled) in a real headless browser, against a real server. */
describe.runIf(CHROMIUM !== undefined || BROWSER_REQUIRED)("the live page in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  let scenario: Scenario;
  const pageErrors: string[] = [];
  const offsite: string[] = [];

  async function open(hash = ""): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // Offline: everything the page loads must come from the Baton server itself.
    await page.route((url) => url.origin !== new URL(server.url).origin, async (route) => {
      offsite.push(route.request().url());
      await route.abort();
    });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
    await page.goto(`${server.url}/ui${hash}`);
    await shows(page, "#status", "live");
    return page;
  }

  beforeAll(async () => {
    server = await startServer({ rendezvousHeartbeatMs: 200 });
    browser = await launchChromium();
    scenario = new Scenario(server.url);
  });
  afterAll(async () => {
    await scenario?.close();
    await browser?.close();
    await server?.close();
  });

  it("shows a lock with holders and waiters, set and waited-for keys, a barrier, a timeout, a readiness wait and sessions", async () => {
    await scenario.hold("deploy/prod", "ci-job-42");
    await scenario.queue("deploy/prod", "waiter-1");
    await scenario.queue("deploy/prod", "waiter-2");
    await scenario.hold("render-farm", "node-a", { limit: 3 });
    await scenario.hold("render-farm", "node-b", { limit: 3 });
    await scenario.signal("db/ready", "migrator", "v42");
    await scenario.waitFor("cache/warm", "warmer-7");
    await scenario.arrive("release/train", 3, "builder-1");
    await scenario.timeOut("never/comes", "impatient-1");
    const target = await scenario.readinessWait();
    await scenario.session("session-owner", "jobs/by-session");
    await scenario.hold("dataset", "reader-1", { shared: true });
    await scenario.hold("dataset", "reader-2", { shared: true });
    await scenario.hold("gpus", "trainer", { limit: 8, permits: 4 });
    await scenario.hold("gpus", "notebook", { permits: 2 });
    await scenario.hold("scheduler", "replica-3", { value: "10.0.0.5:80" });

    const page = await open();
    const row = '[data-lock="deploy/prod"]';
    await shows(page, row, "deploy/prod", "ci-job-42", "2 waiting", "1. waiter-1", "2. waiter-2", "expires in");
    await shows(page, '[data-lock="render-farm"]', "node-a", "+1", "2/3 permits");
    await shows(page, '[data-lock="jobs/by-session"]', "session-owner");
    await shows(page, '[data-lock="dataset"]', "2 readers", "reader-1", "+1", "shared");
    await shows(page, '[data-lock="gpus"]', "6/8 permits", "trainer", "4 permits");
    await shows(page, '[data-lock="scheduler"]', "election", "replica-3", 'value "10.0.0.5:80"');
    await shows(page, "#rv-set", "db/ready", "migrator", "v42");
    await shows(page, "#rv-waiting", "cache/warm", "warmer-7");
    await shows(page, "#rv-barriers", "release/train", "1 / 3", "builder-1");
    await shows(page, "#rv-timeouts", "never/comes", "impatient-1");
    await shows(page, "#rv-readiness", `tcp://${target}`, "ECONNREFUSED");
    await shows(page, '[data-count="sessions"] .value', "1");
    await shows(page, '[data-count="sessions"] .sub', "1 lease ");
    await shows(page, '[data-count="waiters"] .value', "2");
    await shows(page, '[data-count="barriers"] .value', "1");
    await shows(page, '[data-count="readiness"] .value', "1");
    // The charts are uPlot's canvases, fed by the Overview stream.
    expect(await page.locator("#chart-grants canvas").count()).toBe(1);
    await shows(page, "#chart-grants .u-legend", "grants");
    expect(pageErrors).toEqual([]);
    expect(offsite).toEqual([]);
    await page.close();
  });

  it("styles the web-rendezvous page like the live page, barriers included", async () => {
    await scenario.arrive("rv-page/train", 4, "rv-builder");
    await scenario.waitFor("rv-page/waited", "rv-waiter");
    await scenario.signal("rv-page/set", "rv-setter");
    const page = await browser.newPage();
    await page.route((url) => url.origin !== new URL(server.url).origin, async (route) => {
      offsite.push(route.request().url());
      await route.abort();
    });
    await page.goto(`${server.url}/rendezvous/?view=page`);
    const barriers = page.locator("section.card", { hasText: "Barriers" });
    await shows(page, "section.card:has-text('Barriers') tbody", "rv-page/train", "1 / 4", "rv-builder");
    expect(await barriers.locator("tr", { hasText: "rv-page/train" }).locator("meter").getAttribute("value")).toBe("1");
    await shows(page, "section.card:has-text('Waiting') tbody", "rv-page/waited", "rv-waiter");
    await shows(page, "section.card:has-text('Set') tbody", "rv-page/set", "rv-setter");
    // The live page's stylesheet applies: cards on a tinted background, not the browser's defaults.
    const look = await page.evaluate<{ background: string; card: string }>(`({
      background: getComputedStyle(document.body).backgroundColor,
      card: getComputedStyle(document.querySelector(".card")).borderRadius,
    })`);
    expect(look.background).not.toBe("rgba(0, 0, 0, 0)");
    expect(look.card).toBe("10px");
    expect(offsite).toEqual([]);
    await page.close();
  });

  it("follows acquire, queue, release, signal and reset while it is open", async () => {
    const page = await open();
    const row = '[data-lock="live/one"]';
    const first = await scenario.hold("live/one", "first-owner");
    await shows(page, row, "first-owner", "no queue");
    await scenario.queue("live/one", "second-owner");
    await shows(page, row, "1 waiting", "1. second-owner");
    await scenario.locks.release({ name: "live/one", token: first });
    // The queue's head is granted in the same step: it becomes the holder, and the queue empties.
    await shows(page, row, "second-owner", "no queue");
    expect(await page.locator(row).textContent()).not.toContain("first-owner");

    await scenario.signal("live/flag", "flagger", "on");
    await shows(page, "#rv-set", "live/flag", "flagger");
    await scenario.rendezvous.reset({ key: "live/flag" });
    await vi.waitFor(async () => expect(await page.locator("#rv-set").textContent()).not.toContain("live/flag"), { timeout: 10_000 });

    const token = await scenario.hold("live/two", "short-lived");
    await shows(page, '[data-lock="live/two"]', "short-lived");
    await scenario.locks.release({ name: "live/two", token });
    await gone(page, '[data-lock="live/two"]');
    expect(pageErrors).toEqual([]);
    expect(offsite).toEqual([]);
    await page.close();
  });

  it("opens a lock's history on click: recent holders with their fencing tokens and hold times", async () => {
    const leases = [];
    for (const owner of ["alice", "bob", "carol"]) {
      const lease = (await scenario.locks.acquire({ name: "history/lock", owner, ttlMs: 60_000n })).lease!;
      leases.push(lease);
      if (owner !== "carol") await scenario.locks.release({ name: "history/lock", token: lease.token });
    }
    const [alice, bob, carol] = leases.map((l) => `#${l.fencing}`);
    const page = await open();
    await page.locator('[data-lock="history/lock"]').click();
    await shows(page, "#panel [data-panel-lock]", "history/lock");
    expect(page.url()).toContain("#lock=history%2Flock");
    await shows(page, '#panel [data-table="holders"]', "carol", carol!);
    const history = await shows(page, '#panel [data-table="history"]', "alice", "bob", "carol", alice!, bob!, carol!, "released", "holding");
    // Newest first.
    expect(history.indexOf("carol")).toBeLessThan(history.indexOf("bob"));
    expect(history.indexOf("bob")).toBeLessThan(history.indexOf("alice"));

    // The open panel follows the lock: a waiter joins its queue, then is granted on carol's release.
    await scenario.queue("history/lock", "dave");
    await shows(page, '#panel [data-table="queue"]', "1", "dave");
    await scenario.locks.release({ name: "history/lock", token: leases[2]!.token });
    await shows(page, '#panel [data-table="holders"]', "dave");
    const after = await shows(page, '#panel [data-table="history"]', "dave", "holding");
    expect(after.indexOf("dave")).toBeLessThan(after.indexOf("carol"));
    expect(await page.locator('#panel [data-table="history"] tbody tr').count()).toBe(4);

    await page.locator("#panel .close").click();
    expect(await page.locator("#panel").isHidden()).toBe(true);
    expect(page.url()).not.toContain("lock=");
    expect(pageErrors).toEqual([]);
    expect(offsite).toEqual([]);
    await page.close();
  });

  it("filters by prefix, and restores the filter and the open lock from a link", async () => {
    await scenario.hold("team-a/build", "a-1");
    await scenario.hold("team-a/test", "a-2");
    await scenario.hold("team-b/build", "b-1");
    await scenario.signal("team-a/ready", "a-sig");
    await scenario.signal("team-b/ready", "b-sig");

    const page = await open();
    await shows(page, '[data-lock="team-b/build"]', "b-1");
    await page.locator("#filter").fill("team-a/");
    await gone(page, '[data-lock="team-b/build"]');
    await shows(page, '[data-lock="team-a/build"]', "a-1");
    await shows(page, '[data-lock="team-a/test"]', "a-2");
    await shows(page, "#lock-count", "2");
    await shows(page, "#rv-set", "team-a/ready");
    expect(await page.locator("#rv-set").textContent()).not.toContain("team-b/ready");
    await vi.waitFor(() => expect(page.url()).toContain("#prefix=team-a%2F"));

    // A character no name may contain is refused in the page, not sent to the server.
    await page.locator("#filter").fill("team a");
    await shows(page, "#filter-error", "Names use only");
    await page.locator("#filter").fill("team-a/");

    // The link restores both the filter and the open panel.
    const linked = await open("#prefix=team-a%2F&lock=team-a%2Ftest");
    expect(await linked.locator("#filter").inputValue()).toBe("team-a/");
    await shows(linked, "#panel [data-panel-lock]", "team-a/test");
    await shows(linked, '#panel [data-table="holders"]', "a-2");
    await gone(linked, '[data-lock="team-b/build"]');
    await shows(linked, '[data-lock="team-a/test"][aria-selected="true"]', "team-a/test");

    // Back closes the panel (opening it added a history entry); the filter stays.
    await linked.locator('[data-lock="team-a/build"]').click();
    await shows(linked, "#panel [data-panel-lock]", "team-a/build");
    await linked.goBack();
    await shows(linked, "#panel [data-panel-lock]", "team-a/test");
    expect(pageErrors).toEqual([]);
    expect(offsite).toEqual([]);
    await page.close();
    await linked.close();
  });

  it("serves its script and stylesheet itself, under a strict content security policy", async () => {
    for (const path of ["/ui", "/ui/app.js", "/ui/app.css"]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-security-policy"), path).toContain("script-src 'self'");
    }
    // Compressed for a browser that accepts it (fetch asks for gzip and unpacks it).
    const js = await fetch(`${server.url}/ui/app.js`);
    expect(js.headers.get("content-encoding")).toBe("gzip");
    expect((await js.text()).includes("lock-scroll"), "the script is the page's bundle").toBe(true);
    const again = await fetch(`${server.url}/ui/app.js`, { headers: { "if-none-match": js.headers.get("etag")! } });
    expect(again.status).toBe(304);
    expect((await fetch(`${server.url}/ui`, { method: "POST" })).status).toBe(405);
  });
});
