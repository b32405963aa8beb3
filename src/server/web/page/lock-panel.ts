import { ConnectError } from "@connectrpc/connect";
import { HoldEnd, type Hold } from "../../../gen/baton/admin/v1/admin_pb.js";
import { HolderSchema, WaiterSchema, type Lock } from "../../../gen/baton/lock/v1/lock_pb.js";
import { adminClient } from "./api.js";
import { byId, fill, h, table, type Child } from "./dom.js";
import { extraFields } from "./extras.js";
import { ago, clock, duration, ms, serverNow, until } from "./format.js";
import type { LockState } from "./lock-state.js";
import { claimText, isElection, useText } from "./claims.js";

const KNOWN_HOLDER = new Set(["owner", "fencing", "acquiredAt", "expiresAt", "value", "permits", "shared"]);
const KNOWN_WAITER = new Set(["owner", "position", "queuedAt", "permits", "shared"]);
const ENDS: Record<HoldEnd, string> = { [HoldEnd.UNSPECIFIED]: "", [HoldEnd.HELD]: "holding", [HoldEnd.RELEASED]: "released", [HoldEnd.EXPIRED]: "expired" };

/** Re-reads the history this long after the lock last changed (changes come in bursts). */
const HISTORY_DELAY_MS = 150;

/**
 * The panel of one lock, opened by a click or by the address: its holders, its queue with
 * positions, and its recent holds (AdminService.LockHistory), kept current as the lock changes.
 */
export class LockPanel {
  private name = "";
  private history: Hold[] | undefined;
  private historyError = "";
  private keptPerLock = 0;
  private timer: number | undefined;
  private asked = 0;

  constructor(
    private readonly state: LockState,
    private readonly onClose: () => void,
  ) {
    state.onChange((name) => {
      if (name === this.name) {
        this.render();
        this.refreshSoon();
      }
    });
  }

  /** Shows a lock; "" closes the panel. */
  show(name: string): void {
    if (name === this.name) return;
    this.name = name;
    this.history = undefined;
    this.historyError = "";
    byId("panel").hidden = name === "";
    if (name === "") return;
    this.render();
    void this.refresh();
  }

  /** Re-renders the countdowns. */
  tick(): void {
    if (this.name !== "") this.render();
  }

  private refreshSoon(): void {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.refresh(), HISTORY_DELAY_MS);
  }

  private async refresh(): Promise<void> {
    const name = this.name;
    const ask = ++this.asked;
    try {
      const answer = await adminClient.lockHistory({ name });
      if (ask !== this.asked) return;
      this.history = answer.holds;
      this.keptPerLock = answer.keptPerLock;
      this.historyError = "";
    } catch (error) {
      if (ask !== this.asked) return;
      this.historyError = ConnectError.from(error).rawMessage;
    }
    this.render();
  }

  private render(): void {
    const lock = this.state.get(this.name);
    fill(
      byId("panel-body"),
      h(
        "header",
        { class: "panel-head" },
        h("h2", { class: "mono", "data-panel-lock": this.name }, this.name),
        h("button", { class: "close", type: "button", title: "Close", "aria-label": "Close", onclick: () => this.onClose() }, "×"),
      ),
      summary(lock),
      h("h3", {}, "Holders"),
      lock === undefined || lock.holders.length === 0 ? h("p", { class: "muted" }, "Nobody holds it.") : holdersTable(lock),
      h("h3", {}, "Queue"),
      lock === undefined || lock.waiters.length === 0 ? h("p", { class: "muted" }, "Nobody waits.") : queueTable(lock),
      h("h3", {}, "Recent holds"),
      this.historyView(),
    );
  }

  private historyView(): Child {
    if (this.historyError !== "") return h("p", { class: "error" }, `Could not read the history: ${this.historyError}`);
    if (this.history === undefined) return h("p", { class: "muted" }, "Loading…");
    if (this.history.length === 0) return h("p", { class: "muted" }, "No holds seen since this server started.");
    return h(
      "div",
      {},
      table(
        ["holder", "fencing", "waited", "held", "ended"],
        this.history.map((hold) => [
          hold.owner,
          h("span", { class: "mono" }, `#${hold.fencing}`),
          hold.waitedMs === undefined ? "—" : duration(Number(hold.waitedMs)),
          // A hold still running grows each second, counted on the server's clock.
          duration(hold.end === HoldEnd.HELD ? serverNow() - (ms(hold.acquiredAt) ?? serverNow()) : Number(hold.heldMs)),
          h("span", { class: `end ${ENDS[hold.end]}`, title: clock(hold.endedAt ?? hold.acquiredAt) }, hold.end === HoldEnd.HELD ? "holding" : `${ENDS[hold.end]} ${ago(hold.endedAt)}`),
        ]),
        "history",
      ),
      h("p", { class: "note" }, `The server keeps the last ${this.keptPerLock} holds of each recently used lock.`),
    );
  }
}

function summary(lock: Lock | undefined): HTMLElement {
  if (lock === undefined) return h("p", { class: "muted" }, "Free: nobody holds it or waits for it.");
  const kind = isElection(lock) ? `election led by ${lock.holders[0]!.owner} (term #${lock.holders[0]!.fencing})` : lock.limit > 1 ? `semaphore of ${lock.limit} permits` : "mutex";
  const use = useText(lock);
  return h("p", { class: "summary" }, `${kind}${use === undefined ? "" : ` · ${use}`}${lock.reserved ? ", reserved" : ""} · last fencing token #${lock.lastFencing}`);
}

function holdersTable(lock: Lock): HTMLElement {
  return table(
    ["holder", "fencing", "held for", "expires", ""],
    lock.holders.map((holder) => [
      h("span", { class: "chip held" }, holder.owner),
      h("span", { class: "mono" }, `#${holder.fencing}`),
      ago(holder.acquiredAt).replace(/ ago$/, ""),
      until(holder.expiresAt),
      [...claimText(holder), ...extraFields(HolderSchema, holder, KNOWN_HOLDER).map(([k, v]) => `${k} ${v}`)].join(", "),
    ]),
    "holders",
  );
}

function queueTable(lock: Lock): HTMLElement {
  return table(
    ["#", "waiter", "waiting for", ""],
    lock.waiters.map((waiter) => [
      String(waiter.position),
      h("span", { class: "chip waiting" }, waiter.owner),
      ago(waiter.queuedAt).replace(/ ago$/, ""),
      [...claimText(waiter), ...extraFields(WaiterSchema, waiter, KNOWN_WAITER).map(([k, v]) => `${k} ${v}`)].join(", "),
    ]),
    "queue",
  );
}
