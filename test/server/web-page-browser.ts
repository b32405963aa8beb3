import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium (CI installs the `chromium` package); undefined when it is missing. */
export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

/** Whether a missing browser must fail the run (CI sets BATON_REQUIRE_BROWSER=1). */
export const BROWSER_REQUIRED = process.env.BATON_REQUIRE_BROWSER === "1";

/** Says loudly, once per file, that the browser tests did not run. */
export function warnIfNoBrowser(what: string): void {
  if (CHROMIUM !== undefined) return;
  console.warn(
    `\n*** ${what} did NOT run: no Chromium found. Install Debian's \`chromium\` package to run it` +
      (BROWSER_REQUIRED ? "; BATON_REQUIRE_BROWSER=1 makes this a failure." : ".") +
      " ***\n",
  );
}

/**
 * Starts headless Chromium through playwright-core's DevTools driver (no browser download: the
 * machine's Chromium), in a fresh temporary profile that playwright makes and removes.
 */
export async function launchChromium(): Promise<Browser> {
  if (CHROMIUM === undefined) throw new Error("Chromium is required (BATON_REQUIRE_BROWSER=1) but was not found; install Debian's `chromium`");
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
