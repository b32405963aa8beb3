import * as net from "node:net";
import { lockPath } from "./api.js";
import { nowMs } from "./history.js";
import { RawH2Connection, type RawCall } from "./raw-h2.js";
import type { Run } from "./run.js";
import { sleep } from "./specs.js";

/** How the victims of a burst wait: a Wait stream (hold), a Session acquire, or a unary JSON Acquire. */
export type VictimKind = "wait-hold" | "session" | "unary-json";
/** How they are cut off: TCP RST of their connection, or RST_STREAM of each call. */
export type CutKind = "socket-rst" | "rst-stream";

/** One burst of abrupt disconnects. */
export interface Burst {
  victim: VictimKind;
  cut: CutKind;
  /** Cut while they are queued, or once one of them holds each lock. */
  when: "queued" | "holding";
}

/** Victim leases are long, so one the server fails to release shows as a stuck lock. */
const VICTIM_TTL_MS = 30_000;

/** A unary JSON Acquire with a long wait over its own socket; resolves nothing, only occupies the queue. */
function unaryVictim(url: string, name: string, owner: string): net.Socket {
  const { hostname, port } = new URL(url);
  const body = JSON.stringify({ name, owner, ttlMs: "1000", waitMs: "30000" });
  const socket = net.connect(Number(port), hostname);
  socket.on("error", () => undefined);
  socket.write(`POST ${lockPath("Acquire")} HTTP/1.1\r\nHost: ${hostname}:${port}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  return socket;
}

/**
 * Opens `perLock` victims on each lock, waits until they are queued (or one per lock holds),
 * cuts them all at once and records the burst as a fault whose service is due back at once
 * (Wait, unary) or after the session grace (Session). Victims' grants go into the history.
 */
export async function runBurst(run: Run, url: string, locks: string[], perLock: number, burst: Burst, sessionTtlMs: number, n: number): Promise<void> {
  const conns = [new RawH2Connection(url), new RawH2Connection(url)];
  const calls: { call: RawCall; lock: string; id: string }[] = [];
  const sockets: net.Socket[] = [];
  const ids: string[] = [];
  for (const lock of locks) {
    for (let i = 0; i < perLock; i++) {
      const id = `victim-${n}-${lock.split("/").pop()}-${i}`;
      ids.push(id);
      run.history.worker({ id, kind: `${burst.victim}/${burst.cut}`, steady: false, startedAt: nowMs() });
      const conn = conns[i % conns.length]!;
      if (burst.victim === "unary-json") sockets.push(unaryVictim(url, lock, id));
      else if (burst.victim === "wait-hold") calls.push({ call: conn.wait({ name: lock, owner: id, ttlMs: VICTIM_TTL_MS, hold: true }), lock, id });
      else calls.push({ call: conn.sessionAcquire({ name: lock, owner: id, ttlMs: VICTIM_TTL_MS }), lock, id });
    }
  }
  const deadline = Date.now() + 5000;
  const ready = (): boolean =>
    burst.when === "queued"
      ? calls.every((c) => c.call.queued || c.call.grant !== undefined)
      : locks.every((lock) => calls.some((c) => c.lock === lock && c.call.grant !== undefined));
  if (burst.victim === "unary-json") await sleep(300);
  else while (!ready() && Date.now() < deadline) await sleep(5);
  if (!ready()) run.problem(`burst ${n} (${burst.victim}, ${burst.when}): victims not ${burst.when} within 5 s`);
  for (const c of calls) {
    const g = c.call.grant;
    if (g !== undefined) run.history.grant({ id: `${c.id}#0`, worker: c.id, lock: c.lock, fencing: g.fencing, sentAt: c.call.sentAt, grantedAt: g.grantedAt, expiresAt: g.expiresAt });
  }
  const grace = burst.victim === "session" ? sessionTtlMs : 0;
  const at = nowMs();
  await run.fault(`${burst.cut} of ${burst.victim} while ${burst.when}`, ids, () => {
    if (burst.cut === "socket-rst") {
      for (const c of conns) c.destroy();
      for (const s of sockets) s.resetAndDestroy();
    } else {
      for (const c of calls) c.call.reset();
      for (const s of sockets) s.resetAndDestroy();
    }
  }, undefined, () => at + grace);
  for (const c of calls) if (c.call.grant !== undefined) run.history.end(`${c.id}#0`, at, "abandoned");
  for (const id of ids) run.history.stopWorker(id, at);
  for (const c of conns) c.close();
}
