/**
 * A checker for fencing as a protected resource sees it: every grant carries a token never seen
 * before, and a grant asked for after a release completed carries a larger token than that
 * release's lease (so a resource that keeps the highest token it saw refuses every older holder).
 * Grants made in one hand-off (readers let in together) may arrive in any order; they are still
 * all above every lease released before they were asked for.
 */
export class FenceChecker {
  private maxReleased = 0n;
  private readonly seen = new Set<bigint>();

  /** Call before sending an acquire: the floor its grant must be above. */
  floor(): bigint {
    return this.maxReleased;
  }

  /** Call when a grant arrives, with the floor taken before asking. */
  granted(fencing: bigint, floor: bigint): void {
    if (this.seen.has(fencing)) throw new Error(`fencing token ${fencing} was granted twice`);
    if (fencing <= floor) throw new Error(`fencing token ${fencing} granted after a lease with ${floor} was released`);
    this.seen.add(fencing);
  }

  /** Call once a release is acknowledged. */
  released(fencing: bigint): void {
    if (fencing > this.maxReleased) this.maxReleased = fencing;
  }

  /** How many grants were checked. */
  get grants(): number {
    return this.seen.size;
  }
}

/** Throws unless `values` never decrease (grants of one hand-off share a snapshot's last fencing). */
export function expectNonDecreasing(values: bigint[]): void {
  for (let i = 1; i < values.length; i++) {
    if (values[i]! < values[i - 1]!) throw new Error(`last fencing went back from ${values[i - 1]} to ${values[i]} at grant ${i}`);
  }
}
