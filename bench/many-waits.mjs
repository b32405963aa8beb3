// Opens N raw Wait streams on ONE HTTP/2 connection to a fresh `baton serve` and reports the
// server's heap and RSS per waiter (after a full GC), as a client multiplexing all its waits
// would: `node bench/many-waits.mjs 100000`. Plain node:http2 on the client side, so the client
// stays small enough to hold 100,000 streams (connect-es costs ~40 KiB per stream client-side).
import http2 from "node:http2";
import { spawn } from "node:child_process";

const N = Number(process.argv[2] ?? 100_000);
const child = spawn(process.execPath, ["--expose-gc", "bin/baton.js", "serve", "--port", "0", "--store", "memory", "--max-queue", String(N + 10)], {
  stdio: ["ignore", "ignore", "pipe"],
  env: { ...process.env, BATON_BENCH: "1" },
});
const url = await new Promise((resolve) => {
  let text = "";
  child.stderr.on("data", (d) => {
    text += d;
    const m = /serving on (\S+)/.exec(text);
    if (m) resolve(m[1]);
  });
});
const session = http2.connect(url, { maxSessionMemory: 1000 });
session.on("goaway", (code) => console.log("server sent GOAWAY", code));
/** A WaitRequest {name: "many-waits", owner: "w"} in a Connect envelope. */
const body = (() => {
  const name = Buffer.from("many-waits");
  const message = Buffer.concat([Buffer.from([10, name.length]), name, Buffer.from([18, 1, 119])]);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
})();
const open = () => {
  const stream = session.request({ ":method": "POST", ":path": "/baton.lock.v1.LockService/Wait", "content-type": "application/connect+proto" });
  stream.end(body);
  return stream;
};
open().on("data", () => {}); // the holder
await new Promise((r) => setTimeout(r, 300));
const memory = async () => (await fetch(`${url}/debug/memory`)).json();
const before = await memory();
let queued = 0;
let failed = 0;
const start = Date.now();
for (let i = 0; i < N; i++) {
  let first = true;
  const stream = open();
  stream.on("data", () => first && ((first = false), queued++));
  stream.on("error", () => failed++);
  if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
}
while (queued + failed < N && Date.now() - start < 120_000) await new Promise((r) => setTimeout(r, 200));
const openS = (Date.now() - start) / 1000;
const after = await memory();
const kib = (bytes) => (bytes / N / 1024).toFixed(2);
console.log(`${N} Wait streams on one connection: ${queued} queued, ${failed} failed, in ${openS.toFixed(1)} s`);
console.log(`server heap/waiter ${kib(after.heapUsed - before.heapUsed)} KiB, RSS/waiter ${kib(after.rss - before.rss)} KiB`);
child.kill();
process.exit(0);
