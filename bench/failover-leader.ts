import { createBatonClient } from "../src/client/index.js";

/**
 * The leader process of bench/failover.ts (a separate process, so the bench can kill it):
 * campaigns in an election and prints "leading <term>" once elected, then holds until killed,
 * or, in "resign" mode, until a line on stdin tells it to shut down gracefully.
 *
 * Usage: node failover-leader.js URL NAME MODE SESSION_TTL_MS, MODE one of
 * - "session": campaigns on the client's session (HTTP/2); leadership lives as long as it;
 * - "stream": campaigns on a Wait stream with hold; leadership lives as long as the stream;
 * - "resign": as "session", and when told to, resigns, closes its client and exits (a graceful
 *   shutdown).
 */
async function main(): Promise<void> {
  const [url, name, mode, ttl] = process.argv.slice(2);
  if (url === undefined || name === undefined || mode === undefined) throw new Error("usage: failover-leader URL NAME MODE SESSION_TTL_MS");
  const client = createBatonClient(url, { transport: "connect", httpVersion: "2", owner: `leader-${process.pid}`, sessionTtlMs: Number(ttl ?? 2000) });
  if (mode === "stream") {
    for await (const event of client.wait(name, { hold: true, limit: 1, value: `pid ${process.pid}` })) {
      if (event.type === "granted") process.stdout.write(`leading ${event.lease.fencing}\n`);
    }
    return;
  }
  const lease = await client.campaign(name, { value: `pid ${process.pid}` });
  process.stdout.write(`leading ${lease.fencing}\n`);
  if (mode === "resign") {
    process.stdin.once("data", () => {
      void client.resign(lease).finally(() => {
        client.close();
        process.exit(0);
      });
    });
  } else setInterval(() => undefined, 1 << 30);
}

main().catch((error: unknown) => {
  process.stderr.write(`failover-leader: ${String(error)}\n`);
  process.exit(1);
});
