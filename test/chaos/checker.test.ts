import { describe, expect, it } from "vitest";
import { check, violations } from "./lib/checker.js";
import { FencedResource } from "./lib/fenced-resource.js";
import { History, type GrantRecord } from "./lib/history.js";

// The checker must be able to fail: each rule is fed a history that breaks it (and one that
// does not), so a checker that silently passes everything is caught here, not in production.

const BOUND = 1000;

function grant(h: History, id: string, lock: string, fencing: number, sentAt: number, grantedAt: number, endAt: number, expiresAt = grantedAt + 10_000): GrantRecord {
  const g: GrantRecord = { id, worker: id.split("#")[0]!, lock, fencing: BigInt(fencing), sentAt, grantedAt, expiresAt };
  h.grant(g);
  h.end(id, endAt, "released");
  return g;
}

function clean(): History {
  const h = new History();
  h.worker({ id: "a", kind: "test", steady: true, startedAt: 0 });
  h.worker({ id: "b", kind: "test", steady: true, startedAt: 0 });
  grant(h, "a#0", "L", 10, 0, 5, 50);
  grant(h, "b#0", "L", 11, 1, 60, 100);
  grant(h, "a#1", "L", 12, 55, 110, 150);
  return h;
}

describe("chaos history checker", () => {
  it("passes a clean history", () => {
    expect(violations(check(clean(), { recoveryBoundMs: BOUND }))).toEqual([]);
  });

  it("catches a fencing token granted twice on one lock", () => {
    const h = clean();
    grant(h, "b#1", "L", 12, 151, 160, 170);
    const v = check(h, { recoveryBoundMs: BOUND });
    expect(v.fencingReusedCount).toBe(1);
    expect(violations(v).some((m) => m.startsWith("fencing reused"))).toBe(true);
  });

  it("catches a token lower than one granted before the request was sent, even after a restart", () => {
    const h = clean();
    h.fault("kill -9 + restart", ["server"], 155, 156);
    grant(h, "b#1", "L", 9, 160, 165, 170);
    expect(check(h, { recoveryBoundMs: BOUND }).fencingBackwardsCount).toBe(1);
  });

  it("does not call concurrent requests backwards: only real-time order binds", () => {
    const h = new History();
    // Both asked before either was granted: any order of tokens is fine.
    grant(h, "a#0", "L", 11, 0, 10, 20);
    grant(h, "b#0", "L", 10, 1, 30, 40);
    expect(check(h, { recoveryBoundMs: BOUND }).fencingBackwardsCount).toBe(0);
  });

  it("counts overlaps, explains those after an expiry or a fault, and flags the rest", () => {
    const expired = new History();
    grant(expired, "a#0", "L", 1, 0, 0, 500, 100);
    grant(expired, "b#0", "L", 2, 150, 200, 300);
    const ve = check(expired, { recoveryBoundMs: BOUND });
    expect(ve.overlaps).toBe(1);
    expect(ve.unexplainedOverlaps).toEqual([]);

    const faulted = new History();
    grant(faulted, "a#0", "L", 1, 0, 0, 500);
    faulted.fault("kill -9 + restart", ["server"], 100, 150);
    grant(faulted, "b#0", "L", 2, 150, 200, 300);
    expect(check(faulted, { recoveryBoundMs: BOUND }).unexplainedOverlaps).toEqual([]);

    const broken = new History();
    grant(broken, "a#0", "L", 1, 0, 0, 500);
    grant(broken, "b#0", "L", 2, 150, 200, 300);
    const vb = check(broken, { recoveryBoundMs: BOUND });
    expect(vb.overlaps).toBe(1);
    expect(vb.unexplainedOverlaps).toHaveLength(1);
  });

  it("counts accepted overlapping writes: two grants with one token, or interleaved holders", () => {
    const h = new History();
    const resource = new FencedResource(h);
    grant(h, "a#0", "L", 5, 0, 1, 100);
    grant(h, "b#0", "L", 5, 0, 2, 100);
    expect(resource.write("a#0", "L", 5n)).toBe(true);
    expect(resource.write("b#0", "L", 5n)).toBe(true); // same token: the resource cannot tell them apart
    expect(resource.write("a#0", "L", 5n)).toBe(true);
    expect(check(h, { recoveryBoundMs: BOUND }).acceptedOverlapCount).toBe(2);
  });

  it("has the fenced resource refuse a stale token and the checker count no overlap for it", () => {
    const h = new History();
    const resource = new FencedResource(h);
    grant(h, "a#0", "L", 5, 0, 1, 300, 50);
    grant(h, "b#0", "L", 6, 60, 70, 100);
    expect(resource.write("a#0", "L", 5n)).toBe(true);
    expect(resource.write("b#0", "L", 6n)).toBe(true);
    expect(resource.write("a#0", "L", 5n)).toBe(false); // the paused holder wakes up
    const v = check(h, { recoveryBoundMs: BOUND });
    expect(v.writesRejected).toBe(1);
    expect(v.acceptedOverlapCount).toBe(0);
  });

  it("flags a lock not granted to anyone again within the bound after a fault, and only that", () => {
    const h = clean();
    h.fault("kill -9", ["server"], 120, 120);
    grant(h, "b#1", "L", 13, 150, 120 + BOUND + 500, 1700);
    grant(h, "a#2", "L", 14, 150, 1750, 2000);
    const v = check(h, { recoveryBoundMs: BOUND });
    expect(v.unrecovered).toEqual([`lock L not granted to anyone within ${BOUND} ms after kill -9 of server: only after ${BOUND + 500} ms`]);
    expect(v.recoveryMs).toEqual([BOUND + 500]);
  });

  it("flags a steady client stuck past the bound times stuckFactor while others are granted", () => {
    const h = clean();
    h.fault("kill -9", ["server"], 120, 120);
    grant(h, "b#1", "L", 13, 150, 160, 170);
    grant(h, "a#2", "L", 14, 150, 120 + 2 * BOUND + 500, 3000);
    expect(check(h, { recoveryBoundMs: BOUND }).unrecovered).toEqual([]);
    const v = check(h, { recoveryBoundMs: BOUND, stuckFactor: 2 });
    expect(v.unrecovered).toHaveLength(1);
    expect(v.unrecovered[0]).toMatch(/^a \(test\) not granted within 2000 ms after kill -9/);
  });

  it("does not hold the fault's own target to the bound", () => {
    const h = clean();
    h.fault("client SIGSTOP past TTL", ["a"], 120, 120);
    grant(h, "b#1", "L", 13, 150, 160, 170);
    expect(check(h, { recoveryBoundMs: BOUND }).unrecovered).toEqual([]);
  });
});
