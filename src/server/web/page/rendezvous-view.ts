import type { Activity } from "../../../gen/baton/admin/v1/admin_pb.js";
import { byId, fill, h, table } from "./dom.js";
import { ago, clock, duration, until } from "./format.js";

/** Payloads are cut to this many characters in the table (the full text is in the tooltip). */
const PAYLOAD_CHARS = 60;

/**
 * The rendezvous cards (keys set, keys waited for, barriers gathering, recent timeouts) and the
 * readiness waits, from the Overview stream's activity. Re-rendered every second for the
 * relative times, and whenever the activity changes.
 */
export class RendezvousView {
  private activity: Activity | undefined;

  /** Takes the latest activity. */
  update(activity: Activity): void {
    this.activity = activity;
    this.render();
  }

  /** Forgets the activity (the stream is reopened). */
  clear(): void {
    this.activity = undefined;
  }

  /** Re-renders the relative times. */
  tick(): void {
    this.render();
  }

  private render(): void {
    const r = this.activity?.rendezvous;
    if (r === undefined) return;
    card(
      "rv-set",
      r.set.length,
      "No key is set.",
      table(
        ["key", "set by", "set", "expires", "payload"],
        r.set.map((s) => [
          h("span", { class: "mono strong", "data-key": s.key }, s.key),
          s.owner,
          h("span", { title: clock(s.signaledAt) }, ago(s.signaledAt)),
          until(s.expiresAt),
          s.payload === "" ? h("span", { class: "muted" }, "—") : h("code", { title: s.payload }, cut(s.payload)),
        ]),
        "set",
      ),
    );
    card(
      "rv-waiting",
      r.waiting.length,
      "Nobody waits for a key.",
      table(
        ["key", "waiters", "waiting for", "who"],
        r.waiting.map((w) => [
          h("span", { class: "mono strong", "data-key": w.key }, w.key),
          h("span", { class: "chip waiting" }, String(w.waiters)),
          ago(w.since).replace(/ ago$/, ""),
          w.owners.join(", "),
        ]),
        "waiting",
      ),
    );
    card(
      "rv-barriers",
      r.barriers.length,
      "No barrier is gathering.",
      table(
        ["barrier", "arrived", "generation", "who"],
        r.barriers.map((b) => [
          h("span", { class: "mono strong", "data-key": b.key }, b.key),
          h(
            "div",
            { class: "progress", title: `${b.arrived} of ${b.parties}` },
            h("meter", { min: 0, max: b.parties, value: b.arrived }),
            h("span", {}, `${b.arrived} / ${b.parties}`),
          ),
          String(b.generation),
          b.owners.join(", "),
        ]),
        "barriers",
      ),
    );
    card(
      "rv-timeouts",
      r.timedOut.length,
      "No wait timed out lately.",
      table(
        ["key", "timed out", "had waited", "who", "times"],
        r.timedOut.map((t) => [
          h("span", { class: "mono strong", "data-key": t.key }, t.key),
          h("span", { title: clock(t.at) }, ago(t.at)),
          duration(Number(t.waitedMs)),
          t.owner,
          String(t.count),
        ]),
        "timeouts",
      ),
    );
    const readiness = this.activity?.readiness ?? [];
    card(
      "rv-readiness",
      readiness.length,
      "No readiness wait is polling.",
      table(
        ["target", "waiting for", "attempts", "last error"],
        readiness.map((w) => [
          h("span", { class: "mono strong", "data-target": w.target }, w.target),
          ago(w.since).replace(/ ago$/, ""),
          String(w.attempts),
          w.lastError === "" ? h("span", { class: "muted" }, "—") : h("span", { class: "error" }, w.lastError),
        ]),
        "readiness",
      ),
    );
  }
}

function card(id: string, n: number, none: string, content: HTMLElement): void {
  byId(`${id}-count`).textContent = String(n);
  fill(byId(id), n === 0 ? h("p", { class: "muted empty" }, none) : content);
}

function cut(text: string): string {
  return text.length <= PAYLOAD_CHARS ? text : `${text.slice(0, PAYLOAD_CHARS)}…`;
}
