import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BatonProcess } from "../lib/baton-process.js";
import { sleep } from "../lib/specs.js";
import { randomCase } from "./generate.js";
import type { Rng } from "./rng.js";
import { describeCase, sendCase, type FuzzCase, type FuzzResult } from "./send.js";

/** Limits of one fuzz campaign. */
export interface CampaignOptions {
  cases: number;
  budgetMs: number;
  concurrency: number;
  /** Stop after this many crashes (each costs a restart). */
  maxCrashes: number;
  /** Bisect only the first this many crashes (each costs a replay of the recent cases). */
  bisects: number;
}

/** What a campaign found. */
export interface CampaignResult {
  sent: number;
  crashes: number;
  /** Crash causes by the kind of request that reproduced them, with an example. */
  culprits: Map<string, { count: number; example: string }>;
}

/** Replays suspects one at a time; the first that kills the server again is the culprit. */
async function bisect(server: BatonProcess, suspects: FuzzCase[]): Promise<{ culprit?: FuzzCase; detail: string }> {
  for (const c of suspects) {
    await sendCase(server.url, c);
    await sleep(150);
    if (!server.alive()) {
      await server.restart();
      return { culprit: c, detail: `reproduced alone by ${describeCase(c)}` };
    }
  }
  const file = join(process.env.CHAOS_RESULTS_DIR || tmpdir(), `fuzz-suspects-${process.pid}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(suspects.map(describeCase), null, 1));
  return { detail: `the cases in flight are in ${file}` };
}

/**
 * Sends random cases from `concurrency` lanes until the count, the time or the crash budget
 * runs out. When the server dies, the lanes wait while it is restarted and the recent cases are
 * replayed one by one to find the one that kills it.
 */
export async function campaign(server: BatonProcess, rng: Rng, o: CampaignOptions, onResult: (c: FuzzCase, r: FuzzResult) => void): Promise<CampaignResult> {
  const out: CampaignResult = { sent: 0, crashes: 0, culprits: new Map() };
  const stopAt = Date.now() + o.budgetMs;
  const recent: FuzzCase[] = [];
  let healing: Promise<void> | undefined;
  const heal = async (): Promise<void> => {
    await sleep(100);
    out.crashes++;
    const suspects = [...recent];
    await server.restart();
    if (out.crashes > o.bisects) return;
    const found = await bisect(server, suspects);
    const c = found.culprit;
    const key = c === undefined ? "not reproduced by one case alone" : `${c.via} ${c.label.includes("host=") ? "with a bad Host / :authority" : c.label}`;
    const seen = out.culprits.get(key);
    out.culprits.set(key, { count: (seen?.count ?? 0) + 1, example: seen?.example ?? found.detail });
  };
  const lane = async (): Promise<void> => {
    while (out.sent < o.cases && Date.now() < stopAt && out.crashes < o.maxCrashes) {
      if (healing !== undefined) {
        await healing;
        continue;
      }
      const c = randomCase(rng);
      out.sent++;
      recent.push(c);
      if (recent.length > 3 * o.concurrency) recent.shift();
      onResult(c, await sendCase(server.url, c));
      if (!server.alive() && healing === undefined) {
        healing = heal().finally(() => (healing = undefined));
        await healing;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, lane));
  return out;
}
