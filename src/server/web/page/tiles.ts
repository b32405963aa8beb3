import type { Activity, InstanceLoad, TrafficSecond } from "../../../gen/baton/admin/v1/admin_pb.js";
import { count, duration, plural } from "./format.js";
import type { LockTotals } from "./lock-state.js";

/** Entries of each rendezvous list the page asks for; a full list is shown as "1,000+". */
export const ACTIVITY_PAGE_SIZE = 1000;

/** The row of figures at the top of the page; each tile is `[data-count=NAME]`. */
export class Tiles {
  /** Locks, holders and waiters, from the page's own lock state. */
  locks(totals: LockTotals): void {
    set("locks", count(totals.locks));
    set("holders", count(totals.holders));
    set("waiters", count(totals.waiters));
  }

  /** The last second of traffic. */
  traffic(last: TrafficSecond | undefined): void {
    if (last === undefined) return;
    set("grants", count(last.grants), last.wait?.count ? `p99 wait ${duration(last.wait.p99Ms)}` : "no grants");
  }

  /** What the instance serves. */
  load(load: InstanceLoad | undefined): void {
    if (load === undefined) return;
    set("sessions", count(load.sessions), `${plural(load.sessionLeases, "lease")} · ${count(load.sessionWaits)} waiting`);
    const streams = load.watchStreams + load.rendezvousStreams + load.sessions;
    set("streams", count(streams), `${plural(load.waitCalls, "lock wait")} · ${count(load.keptLeases)} kept`);
  }

  /** The rendezvous activity. */
  activity(activity: Activity): void {
    const r = activity.rendezvous;
    if (r === undefined) return;
    const capped = (n: number): string => (n >= ACTIVITY_PAGE_SIZE ? `${count(n)}+` : count(n));
    set("keys-set", capped(r.set.length));
    set("keys-waited", capped(r.waiting.length), plural(r.waiting.reduce((n, w) => n + w.waiters, 0), "waiter"));
    set("barriers", capped(r.barriers.length));
    set("timeouts", capped(r.timedOut.length));
    set("readiness", count(activity.readiness.length));
  }
}

function set(name: string, value: string, sub?: string): void {
  const tile = document.querySelector(`[data-count="${name}"]`);
  if (tile === null) return;
  tile.querySelector(".value")!.textContent = value;
  if (sub !== undefined) tile.querySelector(".sub")!.textContent = sub;
}
