import { nowMs, type History } from "./history.js";

/**
 * A simulated resource protected by fencing tokens, as a storage service that honours them
 * would be: per lock it remembers the highest token it has seen and takes a write only if the
 * writer's token is at least that. Every write, taken or refused, goes into the history with the
 * grant that made it (whose record carries the holder's interval).
 *
 * It lives in the test process; clients in child processes reach it over IPC, so a client that
 * was paused and resumes writes here with whatever token it still believes in.
 */
export class FencedResource {
  private readonly highest = new Map<string, bigint>();
  accepted = 0;
  rejected = 0;

  constructor(private readonly history: History) {}

  /** Offers a write by `grant` (holding `fencing` on `lock`); true when the resource took it. */
  write(grant: string, lock: string, fencing: bigint, at = nowMs()): boolean {
    const highest = this.highest.get(lock);
    const accepted = highest === undefined || fencing >= highest;
    if (accepted) {
      this.highest.set(lock, fencing);
      this.accepted++;
    } else {
      this.rejected++;
    }
    this.history.write({ grant, lock, fencing, at, accepted });
    return accepted;
  }
}
