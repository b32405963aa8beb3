import { expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { electionClient, lockClient, TRANSPORTS } from "../helpers/clients.js";
import { eventually } from "../helpers/eventually.js";
import { observe } from "../helpers/observer.js";
import { onEveryDeployment } from "./deployments.js";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const unique = (base: string) => `election-race/${base}/${process.pid}-${Date.now().toString(36)}-${seq++}`;

/** A resource that keeps the highest term it saw and refuses writes from any lower one. */
class FencedResource {
  highest = 0n;
  accepted = 0;
  write(term: bigint): boolean {
    if (term < this.highest) return false;
    this.highest = term;
    this.accepted++;
    return true;
  }
}

function electionRace(label: string, urls: () => string[]): void {
  const url = (i: number) => urls()[i % urls().length]!;
  const elections = (i: number) => electionClient(TRANSPORTS[i % TRANSPORTS.length]!, url(i));
  const locks = (i: number) => lockClient(TRANSPORTS[i % TRANSPORTS.length]!, url(i));

  it(`${label}: one leader per term, terms strictly increasing, no two leaders' terms overlapping at a fenced resource`, async () => {
    const name = unique("leaders");
    const watcher = observe(elections(0), name);
    await watcher.until(() => true);
    const resource = new FencedResource();
    const won = new Map<bigint, string>();
    let inside = 0;
    let stale = 0;
    let refusedStale = 0;
    const elected = (term: bigint, who: string) => {
      if (won.has(term)) throw new Error(`term ${term} won by ${won.get(term)} and by ${who}`);
      won.set(term, who);
    };
    /** A leader that knows when it stops leading: no other leader may be inside with it. */
    const lead = async (term: bigint, who: string) => {
      elected(term, who);
      inside++;
      if (inside > 1) throw new Error(`${inside} leaders at once (term ${term})`);
      if (!resource.write(term)) throw new Error(`the resource refused leader ${who} of term ${term}, highest ${resource.highest}`);
      await pause(Math.random() * 3);
      if (!resource.write(term)) throw new Error(`the resource refused leader ${who} of term ${term} on its second write`);
      inside--;
    };
    const worker = async (i: number) => {
      const client = elections(i);
      for (let round = 0; round < 6; round++) {
        const who = `c${i}.${round}`;
        const fate = (i + round) % 4;
        if (fate === 0 || fate === 1) {
          const lease = (await client.campaign({ name, owner: who, value: `v-${who}`, waitMs: 60_000n, ttlMs: 30_000n })).lease!;
          await lead(lease.fencing, who);
          if (fate === 1) await client.proclaim({ name, token: lease.token, value: `v2-${who}` });
          await client.resign({ name, token: lease.token });
        } else if (fate === 2) {
          // Leads on a hold stream, then "dies": the stream is cut while it leads.
          const ctl = new AbortController();
          try {
            for await (const e of locks(i).wait({ name, owner: who, value: `v-${who}`, limit: 1, hold: true, ttlMs: 30_000n }, { signal: ctl.signal })) {
              if (e.event.case !== "granted") continue;
              await lead(e.event.value.fencing, who);
              ctl.abort();
            }
          } catch (error) {
            if (!(error instanceof ConnectError) || error.code !== Code.Canceled) throw error;
          }
        } else {
          // Leads with a short lease it never keeps alive: it lapses, and whoever leads next must
          // be fenced off from it.
          const lease = (await client.campaign({ name, owner: who, value: `v-${who}`, waitMs: 60_000n, ttlMs: 60n })).lease!;
          elected(lease.fencing, who);
          resource.write(lease.fencing);
          stale++;
          void (async () => {
            await eventually(() => expect(resource.highest).toBeGreaterThan(lease.fencing), 30_000);
            if (!resource.write(lease.fencing)) refusedStale++;
          })().catch(() => undefined);
        }
      }
    };
    await Promise.all(Array.from({ length: 12 }, (_, i) => worker(i)));
    expect(won.size).toBe(12 * 6);
    // The last lapsing leader may be the last leader of all: nobody newer writes after it.
    await eventually(() => expect(refusedStale).toBeGreaterThanOrEqual(stale - 1), 10_000);
    const terms = [...won.keys()];
    await eventually(() => expect(watcher.seen.at(-1)).toBeUndefined(), 10_000);
    await watcher.stop();
    const observed = watcher.seen.filter((l) => l !== undefined).map((l) => l!);
    expect(observed.length).toBeGreaterThan(1);
    for (let k = 1; k < observed.length; k++) {
      if (observed[k]!.term < observed[k - 1]!.term) throw new Error(`observers saw term ${observed[k]!.term} after ${observed[k - 1]!.term}`);
      if (observed[k]!.term === observed[k - 1]!.term && observed[k]!.owner !== observed[k - 1]!.owner) throw new Error(`two owners of term ${observed[k]!.term}`);
    }
    for (const leader of observed) {
      expect(won.get(leader.term)).toBe(leader.owner);
    }
    expect(new Set(terms).size).toBe(terms.length);
  });
}

onEveryDeployment(electionRace);
