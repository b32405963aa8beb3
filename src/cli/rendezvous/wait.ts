import { defaultOwner } from "../../client/index.js";
import { formatDuration } from "../../duration.js";
import { errorInfo } from "../explain.js";
import { progress } from "../io.js";
import { SERVER_FLAG, defineCommand } from "../spec.js";
import { optionalMs, rendezvousClient } from "./connect.js";

/** `baton wait KEY`: blocks until a key is signalled and prints its payload. */
export const waitCommand = defineCommand(
  {
    name: "wait",
    summary: "wait until a key is signalled, then print its payload",
    args: [{ name: "KEY", field: "key" }],
    description: `Waits until KEY is signalled ("baton signal KEY"), then prints its payload exactly as sent and
exits 0. Returns at once when KEY is already set. Exits 1 with a message when the timeout runs
out first.`,
    flags: {
      timeout: { kind: "duration", help: "give up after DUR; 0 only looks once", default: "wait as long as it takes", field: "wait_ms" },
      owner: { kind: "text", help: "who waits, shown to others", default: "user@host:pid", field: "owner" },
      verbose: { kind: "switch", help: "report every heartbeat on stderr", default: "only when stderr is a terminal" },
      ...SERVER_FLAG,
    },
    notes: `Exit status: 0 when signalled; 1 when the timeout ran out or on a server error; 2 for bad
usage; 128+N when signal N interrupted it.`,
  },
  async (inv) => {
    const key = inv.arg("KEY")!;
    const timeoutMs = inv.duration("timeout");
    const stop = inv.interruptible();
    try {
      const request = { key, waitMs: optionalMs(timeoutMs), owner: inv.text("owner") ?? defaultOwner() };
      for await (const message of rendezvousClient(inv.serverUrl(), inv.connection()).wait(request, { signal: stop.signal })) {
        if (message.event.case === "waiting") {
          progress(inv.io, `baton wait: waiting for ${key} (${formatDuration(Number(message.event.value.elapsedMs))})`, inv.switch("verbose"));
        } else if (message.event.case === "signaled") {
          const { payload } = message.event.value;
          // The payload exactly as sent; a newline only for a person reading it on a terminal.
          inv.io.stdout.write(payload + (inv.io.stdout.isTTY === true && payload !== "" && !payload.endsWith("\n") ? "\n" : ""));
          return 0;
        }
      }
      throw new Error("the server ended the wait without a signal");
    } catch (error) {
      const interrupted = stop.status();
      if (interrupted !== undefined) return interrupted;
      if (errorInfo(error)?.reason === "WAIT_TIMEOUT") {
        throw new Error(timeoutMs === 0 ? `${key} is not set (--timeout 0 only looks once)` : `${key} was not signalled within ${formatDuration(timeoutMs ?? 0)}`);
      }
      throw inv.explain(error);
    } finally {
      stop.release();
    }
  },
);
