import { HolderSchema, LockSchema, type Lock } from "../../../gen/baton/lock/v1/lock_pb.js";
import { byId, h } from "./dom.js";
import { extraFields } from "./extras.js";
import { count, until } from "./format.js";
import type { LockState } from "./lock-state.js";
import { claimText, isElection, useText } from "./claims.js";

/** Height of one row in pixels (fixed, so that the visible rows follow from the scroll offset). */
export const ROW_PX = 52;

/** Rows rendered above and below the visible ones, so a fast scroll shows no blank band. */
const OVERSCAN = 8;

const KNOWN_LOCK = new Set(["name", "limit", "holders", "waiters", "reserved", "lastFencing"]);
const KNOWN_HOLDER = new Set(["owner", "fencing", "acquiredAt", "expiresAt", "value", "permits", "shared"]);

/** A row in the DOM, and what it was built from. */
interface Rendered {
  lock: Lock;
  index: number;
  selected: boolean;
  second: number;
  element: HTMLElement;
}

/**
 * The lock list, virtually scrolled: the scroll area is as tall as every row, but only the rows
 * in view (plus a few) exist in the DOM, so 10,000 locks cost about 30 rows.
 */
export class LockTable {
  private readonly scroller = byId("lock-scroll");
  private readonly spacer = byId("lock-spacer");
  private readonly empty = byId("lock-empty");
  private selected = "";
  private frame = 0;
  private rendered = new Map<string, Rendered>();

  constructor(
    private readonly state: LockState,
    private readonly onSelect: (name: string) => void,
  ) {
    this.scroller.addEventListener("scroll", () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(this.scroller);
  }

  /** Marks the lock whose panel is open. */
  select(name: string): void {
    this.selected = name;
    this.schedule();
  }

  /** Shows the lock at the top of the list (used for a linked lock). */
  reveal(name: string): void {
    const index = this.state.sortedNames().indexOf(name);
    if (index >= 0) this.scroller.scrollTop = index * ROW_PX;
  }

  /** Renders at the next frame; many calls in one frame render once. */
  schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const names = this.state.sortedNames();
    this.spacer.style.height = `${names.length * ROW_PX}px`;
    this.empty.hidden = names.length !== 0;
    byId("lock-count").textContent = count(names.length);
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW_PX) - OVERSCAN);
    const last = Math.min(names.length, Math.ceil((this.scroller.scrollTop + this.scroller.clientHeight) / ROW_PX) + OVERSCAN);
    // A row is rebuilt only when its lock, place, selection or second (for the countdowns) changed.
    const second = Math.floor(Date.now() / 1000);
    const next = new Map<string, Rendered>();
    for (let i = first; i < last; i++) {
      const name = names[i]!;
      const lock = this.state.get(name);
      if (lock === undefined) continue;
      const selected = name === this.selected;
      const old = this.rendered.get(name);
      if (old !== undefined && old.lock === lock && old.index === i && old.selected === selected && old.second === second) {
        next.set(name, old);
        this.rendered.delete(name);
        continue;
      }
      const element = this.row(lock, i);
      if (old !== undefined) {
        old.element.replaceWith(element);
        this.rendered.delete(name);
      } else this.spacer.appendChild(element);
      next.set(name, { lock, index: i, selected, second, element });
    }
    for (const gone of this.rendered.values()) gone.element.remove();
    this.rendered = next;
  }

  private row(lock: Lock, index: number): HTMLElement {
    const row = h(
      "div",
      {
        class: "lock-row",
        role: "row",
        "data-lock": lock.name,
        "aria-selected": lock.name === this.selected ? "true" : "false",
        style: `top:${index * ROW_PX}px`,
        tabindex: 0,
        onclick: () => this.onSelect(lock.name),
        onkeydown: (e) => (e as KeyboardEvent).key === "Enter" && this.onSelect(lock.name),
      },
      h("div", { class: "cell name", role: "cell" }, h("span", { class: "mono strong", title: lock.name }, lock.name), badges(lock)),
      h("div", { class: "cell holders", role: "cell" }, holders(lock)),
      h("div", { class: "cell queue", role: "cell" }, queue(lock)),
    );
    return row;
  }
}

function badges(lock: Lock): HTMLElement {
  const extras = extraFields(LockSchema, lock, KNOWN_LOCK).map(([k, v]) => h("span", { class: "badge" }, `${k} ${v}`));
  return h(
    "div",
    { class: "sub" },
    useText(lock) !== undefined ? h("span", { class: "badge" }, useText(lock)) : h("span", { class: "badge quiet" }, "mutex"),
    isElection(lock) ? h("span", { class: "badge leader" }, "election") : null,
    lock.reserved ? h("span", { class: "badge" }, "reserved") : null,
    ...extras,
  );
}

function holders(lock: Lock): HTMLElement | string {
  const first = lock.holders[0];
  if (first === undefined) return h("span", { class: "muted" }, "free");
  const extras = extraFields(HolderSchema, first, KNOWN_HOLDER).map(([k, v]) => ` · ${k} ${v}`).join("");
  return h(
    "div",
    {},
    h("span", { class: isElection(lock) ? "chip held leader" : "chip held", "data-holder": first.owner }, first.owner),
    lock.holders.length > 1 ? h("span", { class: "more" }, `+${lock.holders.length - 1}`) : null,
    h("div", { class: "sub mono" }, `#${first.fencing} · expires ${until(first.expiresAt)}${claimText(first).map((c) => ` · ${c}`).join("")}${extras}`),
  );
}

function queue(lock: Lock): HTMLElement | string {
  if (lock.waiters.length === 0) return h("span", { class: "muted" }, "no queue");
  const shown = lock.waiters.slice(0, 3).map((w) => `${w.position}. ${w.owner}`);
  return h(
    "div",
    {},
    h("span", { class: "chip waiting" }, `${lock.waiters.length} waiting`),
    h("div", { class: "sub", title: shown.join(", ") }, shown.join(" · ") + (lock.waiters.length > 3 ? " …" : "")),
  );
}
