/** A figure tile of the header row; the page fills `.value` and `.sub`. */
function tile(name: string, label: string, sub = ""): string {
  return `<div class="tile" data-count="${name}"><div class="label">${label}</div><div class="value">–</div><div class="sub">${sub}</div></div>`;
}

/** A card of the rendezvous section; the page fills `#ID` and `#ID-count`. */
function card(id: string, title: string, hint: string): string {
  return `<section class="card"><header><h3>${title} <span class="count" id="${id}-count">0</span></h3><p class="hint">${hint}</p></header><div class="card-body" id="${id}"><p class="muted empty">Loading…</p></div></section>`;
}

/**
 * The live page's HTML: the static frame the bundled script (page/main.ts) fills. No inline
 * script or style, so the page runs under a strict content security policy.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Baton · live</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/app.css">
<script defer src="/ui/app.js"></script>
</head>
<body>
<header class="top">
  <div class="brand"><span class="logo" aria-hidden="true"></span>Baton</div>
  <span id="status" class="status" data-state="connecting" role="status">connecting…</span>
  <label class="filter">
    <span class="sr-only">Filter by prefix</span>
    <input id="filter" type="search" placeholder="Filter by prefix, e.g. deploy/" autocomplete="off" spellcheck="false">
    <span id="filter-error" class="filter-error" role="alert"></span>
  </label>
  <nav class="links"><a href="/healthz">health</a></nav>
</header>
<main>
  <section class="tiles" aria-label="Figures">
    ${tile("locks", "Locks", "held, queued or reserved")}
    ${tile("holders", "Holders")}
    ${tile("waiters", "Waiting")}
    ${tile("grants", "Grants/s")}
    ${tile("sessions", "Sessions")}
    ${tile("streams", "Streams")}
    ${tile("keys-set", "Keys set")}
    ${tile("keys-waited", "Waited keys")}
    ${tile("barriers", "Barriers")}
    ${tile("timeouts", "Timeouts", "recent")}
    ${tile("readiness", "Readiness", "probes polling")}
  </section>
  <section class="charts" aria-label="Charts">
    <figure class="chart"><figcaption>Grants per second</figcaption><div id="chart-grants"></div></figure>
    <figure class="chart"><figcaption>Wait for a permit</figcaption><div id="chart-wait"></div></figure>
    <figure class="chart"><figcaption>Hold time</figcaption><div id="chart-hold"></div></figure>
  </section>
  <section class="locks-area">
    <div class="card locks">
      <header><h2>Locks <span class="count" id="lock-count">0</span> <span class="scope" id="filter-scope"></span></h2><p class="hint">Click a lock for its holders, queue and recent holds.</p></header>
      <div class="lock-head" role="row"><div role="columnheader">lock</div><div role="columnheader">holders</div><div role="columnheader">queue</div></div>
      <div id="lock-scroll" class="lock-scroll" role="table" aria-label="Locks">
        <div id="lock-spacer" class="lock-spacer" role="rowgroup"></div>
        <p id="lock-empty" class="muted empty" hidden>No lock is held, waited for or reserved.</p>
      </div>
    </div>
    <aside id="panel" class="card panel" hidden><div id="panel-body"></div></aside>
  </section>
  <h2 class="section-title">Rendezvous</h2>
  <section class="cards">
    ${card("rv-set", "Keys set", "Signalled keys and their payloads.")}
    ${card("rv-waiting", "Keys waited for", "Waits blocked until someone signals the key.")}
    ${card("rv-barriers", "Barriers gathering", "Participants arrived so far.")}
    ${card("rv-timeouts", "Recent timeouts", "Waits that ran out of time.")}
    ${card("rv-readiness", "Readiness waits", "Probes polled until a port, database or URL answers.")}
  </section>
</main>
<noscript><p class="muted">The live page needs JavaScript.</p></noscript>
</body>
</html>
`;
