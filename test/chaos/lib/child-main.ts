/**
 * A child process that runs chaos workers, so the suite can SIGSTOP or SIGKILL clients as a
 * real machine would. It reports every grant, end and error to the parent over IPC and offers
 * its writes to the parent's fenced resource, waiting for the answer as a real write would.
 * Protocol: see child-clients.ts.
 */
import { Worker, type WorkerSink, type WorkerSpec } from "./worker.js";
import type { ChildMessage, ParentMessage } from "./child-clients.js";

const send = (m: ChildMessage): void => {
  process.send?.(m);
};

const pending = new Map<number, (accepted: boolean) => void>();
let nextWrite = 0;
const sink: WorkerSink = {
  grant: (r) => send({ t: "grant", r: { ...r, fencing: String(r.fencing) } }),
  end: (grant, at, how) => send({ t: "end", grant, at, how }),
  error: (kind, code) => send({ t: "error", kind, code }),
  write: (grant, lock, fencing) =>
    new Promise((resolve) => {
      const n = nextWrite++;
      pending.set(n, resolve);
      send({ t: "write", n, grant, lock, fencing: String(fencing) });
    }),
};

let workers: Worker[] = [];
process.on("message", (m: ParentMessage) => {
  if (m.t === "start") {
    workers = m.specs.map((s: WorkerSpec) => new Worker(s, sink));
    for (const w of workers) w.start();
  } else if (m.t === "ack") {
    pending.get(m.n)?.(m.accepted);
    pending.delete(m.n);
  } else if (m.t === "stop") {
    void Promise.all(workers.map((w) => w.stop())).then(() => {
      send({ t: "stopped" });
      process.disconnect();
    });
  }
});
send({ t: "ready" });
