import { defaultOwner } from "../../client/index.js";
import { formatDuration } from "../../duration.js";
import { errorInfo } from "../explain.js";
import { progress } from "../io.js";
import { SERVER_FLAG, defineCommand } from "../spec.js";
import { optionalMs, rendezvousClient } from "./connect.js";

/** `baton arrive KEY --parties N`: a barrier for shell scripts. */
export const arriveCommand = defineCommand(
  {
    name: "arrive",
    summary: "wait at a barrier until N participants have arrived",
    args: [{ name: "KEY", field: "key" }],
    description: `Joins the barrier KEY and waits until N participants (this one included) have arrived; then all
of them return at once. Prints "generation=G index=I parties=N" on stdout (I is this
participant's place in the arrival order, 1 first) and exits 0. Interrupting it, or its timeout,
leaves the barrier, so it is no longer counted.`,
    flags: {
      parties: { kind: "count", help: "how many participants the barrier gathers (the same for everyone)", field: "parties", required: true },
      timeout: { kind: "duration", help: "give up after DUR; 0 does not wait", default: "wait as long as it takes", field: "wait_ms" },
      owner: { kind: "text", help: "who arrives, shown to others", default: "user@host:pid", field: "owner" },
      verbose: { kind: "switch", help: "report arrivals on stderr", default: "only when stderr is a terminal" },
      ...SERVER_FLAG,
    },
    notes: `Exit status: 0 when the barrier tripped; 1 when the timeout ran out or on a server error; 2 for
bad usage; 128+N when signal N interrupted it.`,
  },
  async (inv) => {
    const key = inv.arg("KEY")!;
    const parties = inv.count("parties")!;
    const timeoutMs = inv.duration("timeout");
    const stop = inv.interruptible();
    let arrived = 0;
    try {
      const request = { key, parties, waitMs: optionalMs(timeoutMs), owner: inv.text("owner") ?? defaultOwner() };
      for await (const message of rendezvousClient(inv.serverUrl(), inv.connection()).arrive(request, { signal: stop.signal })) {
        if (message.event.case === "progress") {
          const { generation } = message.event.value;
          arrived = message.event.value.arrived;
          progress(inv.io, `baton arrive: ${arrived} of ${parties} arrived at ${key} (generation ${generation})`, inv.switch("verbose"));
        } else if (message.event.case === "tripped") {
          const { generation, index } = message.event.value;
          inv.io.stdout.write(`generation=${generation} index=${index} parties=${message.event.value.parties}\n`);
          return 0;
        }
      }
      throw new Error("the server ended the barrier before it tripped");
    } catch (error) {
      const interrupted = stop.status();
      if (interrupted !== undefined) return interrupted;
      if (errorInfo(error)?.reason === "WAIT_TIMEOUT") {
        const waited = timeoutMs === 0 ? "at once (--timeout 0 does not wait)" : `within ${formatDuration(timeoutMs ?? 0)}`;
        throw new Error(`the barrier ${key} did not gather ${parties} parties ${waited}: ${arrived} of ${parties} had arrived; you have left it`);
      }
      throw inv.explain(error);
    } finally {
      stop.release();
    }
  },
);
