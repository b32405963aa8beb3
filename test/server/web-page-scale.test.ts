import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startServer, type TestServer } from "../helpers/server.js";
import { BROWSER_REQUIRED, CHROMIUM, launchChromium, warnIfNoBrowser } from "./web-page-browser.js";

warnIfNoBrowser("The live page's 10,000-lock test");

const LOCKS = 10_000;
const name = (i: number): string => `scale/${String(i).padStart(4, "0")}`;

/** Waits until the selector's text is exactly `text`; returns how long that took (a figure, never asserted). */
async function until(page: Page, selector: string, text: string, fromMs = performance.now()): Promise<number> {
  await vi.waitFor(async () => expect((await page.locator(selector).first().textContent())?.trim()).toBe(text), { timeout: 30_000, interval: 20 });
  return Math.round(performance.now() - fromMs);
}

/**
 * The page with 10,000 locks: it must stay usable (the list is virtual: a few dozen rows exist
 * at any time) and the figures are printed for the report. Timings are measured, never asserted.
 */
describe.runIf(CHROMIUM !== undefined || BROWSER_REQUIRED)("the live page with 10,000 locks", () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer();
    const never = new AbortController().signal;
    for (let i = 0; i < LOCKS; i++) await server.app.engine.acquire({ name: name(i), owner: `worker-${i % 97}`, ttlMs: 600_000, waitUpToMs: 0 }, never);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("renders, scrolls, filters and follows changes with only the visible rows in the DOM", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));

    // The bundle is made on the first request when the server runs from source: not the page's cost.
    const bundleStartMs = performance.now();
    expect((await fetch(`${server.url}/ui/app.js`)).status).toBe(200);
    const bundleMs = Math.round(performance.now() - bundleStartMs);
    const startMs = performance.now();
    await page.goto(`${server.url}/ui`);
    const loadMs = await until(page, '[data-count="locks"] .value', "10,000", startMs);
    await until(page, "#lock-count", "10,000");
    const rows = await page.locator(".lock-row").count();
    expect(rows, "only the visible rows (and a few more) are in the DOM").toBeGreaterThan(5);
    expect(rows).toBeLessThan(60);
    expect(await page.locator(`[data-lock="${name(0)}"]`).count()).toBe(1);

    // Scroll to the end: the last lock is rendered, the first is not.
    const scrollStartMs = performance.now();
    await page.locator("#lock-scroll").evaluate((el) => (el.scrollTop = el.scrollHeight));
    await vi.waitFor(async () => expect(await page.locator(`[data-lock="${name(LOCKS - 1)}"]`).count()).toBe(1), { timeout: 10_000 });
    const scrollEndMs = Math.round(performance.now() - scrollStartMs);
    expect(await page.locator(`[data-lock="${name(0)}"]`).count()).toBe(0);
    expect(await page.locator(".lock-row").count()).toBeLessThan(60);

    // Frame cost while scrolling through the list, one jump per frame.
    // (A string: it runs in the browser, whose globals this Node-typed file does not declare.)
    const msPerFrame = (await page.evaluate(`(async () => {
      const el = document.getElementById("lock-scroll");
      el.scrollTop = 0;
      const frames = 60;
      const t0 = performance.now();
      for (let i = 0; i < frames; i++) {
        el.scrollTop = (el.scrollHeight * i) / frames;
        await new Promise((r) => requestAnimationFrame(() => r()));
      }
      return (performance.now() - t0) / frames;
    })()`)) as number;

    // A change among 10,000 locks shows up.
    const lease = (await server.app.engine.describe(name(0))).holders[0]!;
    const changeStartMs = performance.now();
    await server.app.engine.release(name(0), lease.token);
    const changeMs = await until(page, '[data-count="locks"] .value', "9,999", changeStartMs);

    // Filtering reopens the streams with the prefix: 100 locks match scale/99.
    const filterStartMs = performance.now();
    await page.locator("#filter").fill("scale/99");
    const filterMs = await until(page, "#lock-count", "100", filterStartMs);
    expect(await page.locator(`[data-lock="${name(9900)}"]`).count()).toBe(1);

    const heapMiB = await page.evaluate(() => {
      const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
      return memory === undefined ? -1 : Math.round((memory.usedJSHeapSize / 2 ** 20) * 10) / 10;
    });
    console.log(
      `live page, ${LOCKS} locks (bundle made in ${bundleMs} ms): all shown ${loadMs} ms after navigation; ${rows} rows in the DOM; ` +
        `scroll to the end ${scrollEndMs} ms; ${msPerFrame.toFixed(1)} ms per frame scrolling; ` +
        `a release shown after ${changeMs} ms; filter to 100 locks ${filterMs} ms; JS heap ${heapMiB} MiB`,
    );
    expect(errors).toEqual([]);
    await page.close();
  });
});
