import { afterAll, afterEach, describe, expect, it } from "vitest";
import { lockClient } from "../helpers/clients.js";
import { removeTempDirs, tempDir } from "./temp-dir.js";
import { serveDurable, type DurableServer } from "./serve.js";

afterAll(removeTempDirs);
let server: DurableServer | undefined;
afterEach(async () => {
  if (server && server.child.exitCode === null && server.child.signalCode === null) await server.kill9();
});

/** What clients saw acknowledged, and what they cannot know (calls cut by the kill). */
class Model {
  /** Acknowledged leases not acknowledged released: name → fencing → token. */
  readonly held = new Map<string, Map<bigint, string>>();
  /** Fencing tokens whose release was acknowledged. */
  readonly released = new Map<string, Set<bigint>>();
  /** Leases whose release or grant was cut by the kill: either outcome is right. */
  readonly uncertain = new Set<string>();
  readonly reserved = new Set<string>();
  /** Every fencing token any client saw, per lock: a repeat is a violation. */
  readonly seen = new Map<string, Set<bigint>>();
  readonly violations: string[] = [];
  acks = 0;

  granted(name: string, fencing: bigint, token: string | undefined): void {
    const seen = this.seen.get(name) ?? this.seen.set(name, new Set()).get(name)!;
    const max = [...seen].reduce((a, b) => (b > a ? b : a), 0n);
    if (seen.has(fencing)) this.violations.push(`${name}: fencing ${fencing} granted twice`);
    if (fencing <= max) this.violations.push(`${name}: fencing ${fencing} not above ${max}`);
    seen.add(fencing);
    this.acks++;
    if (token === undefined) return;
    (this.held.get(name) ?? this.held.set(name, new Map()).get(name)!).set(fencing, token);
  }
}

const LOCKS_PER_WORKER = 3;
const WORKERS = 8;

/** One client looping over random acquires, releases, refreshes and reserves until the server dies. */
async function worker(url: string, w: number, model: Model, cycle: number): Promise<void> {
  const client = lockClient("connect-binary-h2", url);
  const mine: { name: string; fencing: bigint; token: string }[] = [];
  for (let i = 0; ; i++) {
    const roll = Math.random();
    try {
      if (roll < 0.45 || mine.length === 0) {
        // The shared lock is contended across workers and restarts; its leases expire on their
        // own (so only its fencing is checked), the others live 10 minutes and must be kept.
        const shared = roll < 0.1;
        const name = shared ? "chaos/shared" : `chaos/c${cycle}/w${w}/${i % LOCKS_PER_WORKER}`;
        const ttlMs = shared ? 1_500n : 600_000n;
        const res = await client.acquire({ name, owner: `w${w}`, ttlMs, waitMs: 0n }).catch((error: { code?: number }) => {
          // aborted (10): held by someone else. Anything else is the kill: outcome unknown, no token.
          if (error.code === 10) return undefined;
          throw error;
        });
        if (res?.lease && shared) model.granted(name, res.lease.fencing, undefined);
        else if (res?.lease) {
          model.granted(name, res.lease.fencing, res.lease.token);
          mine.push({ name, fencing: res.lease.fencing, token: res.lease.token });
        }
      } else if (roll < 0.8) {
        const lease = mine.splice(Math.floor(Math.random() * mine.length), 1)[0]!;
        model.uncertain.add(`${lease.name}#${lease.fencing}`);
        await client.release({ name: lease.name, token: lease.token });
        model.uncertain.delete(`${lease.name}#${lease.fencing}`);
        model.held.get(lease.name)!.delete(lease.fencing);
        (model.released.get(lease.name) ?? model.released.set(lease.name, new Set()).get(lease.name)!).add(lease.fencing);
        model.acks++;
      } else if (roll < 0.93) {
        const lease = mine[Math.floor(Math.random() * mine.length)]!;
        await client.refresh({ name: lease.name, token: lease.token, ttlMs: 600_000n });
        model.acks++;
      } else {
        const res = await client.reserve({ prefix: `chaos/r${cycle}/`, limit: 2 });
        model.reserved.add(res.name);
        model.acks++;
      }
    } catch {
      return; // the server was killed
    }
  }
}

async function check(url: string, model: Model): Promise<void> {
  const client = lockClient("connect-binary-h2", url);
  for (const [name, leases] of model.held) {
    const lock = (await client.describe({ name })).lock!;
    const holders = new Set(lock.holders.map((h) => h.fencing));
    for (const fencing of leases.keys()) {
      // A release cut by the kill may or may not have been committed: either outcome is right.
      if (!holders.has(fencing) && !model.uncertain.has(`${name}#${fencing}`)) model.violations.push(`${name}: acknowledged lease ${fencing} lost`);
    }
    for (const fencing of model.released.get(name) ?? []) {
      if (holders.has(fencing)) model.violations.push(`${name}: acknowledged release of ${fencing} undone`);
    }
    const max = [...(model.seen.get(name) ?? [])].reduce((a, b) => (b > a ? b : a), 0n);
    if (lock.lastFencing < max) model.violations.push(`${name}: last fencing ${lock.lastFencing} below ${max} seen`);
  }
  for (const name of model.reserved) {
    if (!(await client.describe({ name })).lock!.reserved) model.violations.push(`${name}: acknowledged reserve lost`);
  }
}

describe("kill -9 of baton serve under load", () => {
  const cycles = Number(process.env.DURABLE_KILL_CYCLES ?? 6);

  it(`loses no acknowledged operation and never repeats a fencing token over ${cycles} kills`, async () => {
    const dir = tempDir();
    const model = new Model();
    for (let cycle = 0; cycle < cycles; cycle++) {
      server = await serveDurable(dir);
      if (cycle > 0) await check(server.url, model);
      // Each round uses its own names: leases from before a kill stay held (TTL 10 min).
      const load = Array.from({ length: WORKERS }, (_, w) => worker(server!.url, w, model, cycle));
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 900));
      await server.kill9();
      await Promise.all(load);
    }
    server = await serveDurable(dir);
    await check(server.url, model);
    await server.stop();
    expect(model.violations).toEqual([]);
    // The run did real work: hundreds of acknowledged operations were checked.
    expect(model.acks).toBeGreaterThan(100);
  }, 240_000);
});
