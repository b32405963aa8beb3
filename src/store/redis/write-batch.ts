import type { Cluster, Redis } from "ioredis";

type Sender = Redis["sendCommand"];

const PATCHED = Symbol("baton.batchWrites");

/**
 * Makes the commands a client sends in one turn of the event loop leave in one socket write.
 * ioredis writes every command to its socket at once, i.e. one `write` syscall per command, and
 * on loopback or a LAN such a syscall costs more than everything else the store does for a
 * command (a third of a busy server's CPU in profiles at 64 sessions). The first command of a
 * turn corks the connection's socket and a `setImmediate` uncorks it once this turn's I/O
 * callbacks have run: the commands go out together in one `writev`, in the order they were
 * sent, and none waits longer than the rest of the turn. Unlike ioredis's `enableAutoPipelining`,
 * no batch waits for the answers of the one before it.
 */
export function batchWrites(client: Redis | Cluster): void {
  if ("isCluster" in client && client.isCluster) {
    // A cluster sends each command on its slot's node connection: batch per node.
    const cluster = client as Cluster;
    cluster.on("+node", (node: Redis) => patch(node));
    for (const node of cluster.nodes()) patch(node);
  } else {
    patch(client as Redis);
  }
}

function patch(node: Redis): void {
  const tagged = node as Redis & { [PATCHED]?: true };
  if (tagged[PATCHED]) return;
  tagged[PATCHED] = true;
  const send: Sender = node.sendCommand.bind(node);
  let corked: Redis["stream"] | undefined;
  const flush = (): void => {
    const stream = corked;
    corked = undefined;
    stream?.uncork();
  };
  node.sendCommand = ((command, stream) => {
    // Like Nagle's algorithm: a command to an idle connection goes out at once (the lone
    // hand-off or cycle pays no delay); while answers are outstanding Redis is busy anyway, and
    // the commands of this turn wait for the turn's end to leave together. Only a ready
    // connection writes at once; otherwise ioredis refuses or queues the command itself.
    if (corked === undefined && node.commandQueue.length > 0 && node.status === "ready" && node.stream !== undefined) {
      corked = node.stream;
      corked.cork();
      setImmediate(flush);
    }
    return send(command, stream);
  }) as Sender;
}
