import "./style.css";
import type { OverviewResponse } from "../../../gen/baton/admin/v1/admin_pb.js";
import type { WatchResponse } from "../../../gen/baton/lock/v1/lock_pb.js";
import { adminClient, lockClient } from "./api.js";
import { Charts } from "./charts.js";
import { byId } from "./dom.js";
import { Follower } from "./follow.js";
import { ms, serverTimeIs } from "./format.js";
import { readHash, writeHash, type PageState } from "./hash-state.js";
import { LockPanel } from "./lock-panel.js";
import { LockState } from "./lock-state.js";
import { LockTable } from "./lock-table.js";
import { RendezvousView } from "./rendezvous-view.js";
import { StatusLight } from "./status.js";
import { ACTIVITY_PAGE_SIZE, Tiles } from "./tiles.js";

/** A filter the server accepts: the alphabet of names, at most 256 bytes. */
const PREFIX_RE = /^[A-Za-z0-9._:/@-]{0,256}$/;

/** A hidden tab gives its streams back after this long (a browser allows few connections per host over HTTP/1.1). */
const HIDDEN_PAUSE_MS = 30_000;

let page: PageState = readHash();
let revealPending = page.lock;
const state = new LockState();
const status = new StatusLight(["locks", "overview"]);
const tiles = new Tiles();
const charts = new Charts();
const rendezvous = new RendezvousView();
const table = new LockTable(state, (name) => select(name === page.lock ? "" : name));
const panel = new LockPanel(state, () => select(""));

let totalsFrame = 0;
state.onChange((name) => {
  table.schedule();
  if (name === revealPending) {
    revealPending = "";
    table.reveal(name);
  }
  totalsFrame ||= requestAnimationFrame(() => {
    totalsFrame = 0;
    tiles.locks(state.totals());
  });
});

const locks = new Follower<WatchResponse>(
  {
    name: "locks",
    open: (signal, onHeader) => lockClient.watch({ prefix: page.prefix, initial: true }, { signal, onHeader }),
    reset: () => {
      state.clear();
      table.schedule();
      tiles.locks(state.totals());
    },
    message: (event) => state.apply(event),
  },
  status,
);

const overview = new Follower<OverviewResponse>(
  {
    name: "overview",
    open: (signal, onHeader) => adminClient.overview({ prefix: page.prefix, pageSize: ACTIVITY_PAGE_SIZE }, { signal, onHeader }),
    reset: () => {
      charts.clear();
      rendezvous.clear();
    },
    message: (frame) => {
      const at = ms(frame.at);
      if (at !== undefined) serverTimeIs(at);
      charts.add(frame.seconds);
      tiles.traffic(frame.seconds.at(-1));
      tiles.load(frame.load);
      if (frame.activity !== undefined) {
        rendezvous.update(frame.activity);
        tiles.activity(frame.activity);
      }
    },
  },
  status,
);

/** Opens a lock's panel ("" closes it), remembered in the address. */
function select(name: string): void {
  page = { ...page, lock: name };
  writeHash(page, "push");
  panel.show(name);
  table.select(name);
}

const filter = byId<HTMLInputElement>("filter");
let filterTimer: number | undefined;
filter.value = page.prefix;
filter.addEventListener("input", () => {
  clearTimeout(filterTimer);
  const ok = PREFIX_RE.test(filter.value);
  filter.setCustomValidity(ok ? "" : "Names use only A–Z a–z 0–9 . _ : / @ - (at most 256)");
  byId("filter-error").textContent = ok ? "" : filter.validationMessage;
  if (!ok) return;
  filterTimer = window.setTimeout(() => applyPrefix(filter.value, "replace"), 250);
});

function applyPrefix(prefix: string, mode: "push" | "replace"): void {
  if (prefix === page.prefix) return;
  page = { ...page, prefix };
  writeHash(page, mode);
  byId("filter-scope").textContent = prefix === "" ? "" : `starting with “${prefix}”`;
  locks.restart();
  overview.restart();
}

window.addEventListener("hashchange", () => {
  const next = readHash();
  if (next.prefix !== page.prefix && PREFIX_RE.test(next.prefix)) {
    filter.value = next.prefix;
    applyPrefix(next.prefix, "replace");
  }
  if (next.lock !== page.lock) {
    page = { ...page, lock: next.lock };
    panel.show(next.lock);
    table.select(next.lock);
    table.reveal(next.lock);
  }
});

let hiddenTimer: number | undefined;
document.addEventListener("visibilitychange", () => {
  clearTimeout(hiddenTimer);
  if (document.visibilityState === "hidden") {
    hiddenTimer = window.setTimeout(() => {
      locks.stop();
      overview.stop();
      status.paused();
    }, HIDDEN_PAUSE_MS);
  } else if (byId("status").dataset.state === "paused") {
    locks.restart();
    overview.restart();
  }
});

setInterval(() => {
  table.schedule();
  panel.tick();
  rendezvous.tick();
}, 1000);

byId("filter-scope").textContent = page.prefix === "" ? "" : `starting with “${page.prefix}”`;
panel.show(page.lock);
table.select(page.lock);
locks.restart();
overview.restart();
