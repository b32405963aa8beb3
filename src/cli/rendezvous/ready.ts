import type { MessageInitShape } from "@bufbuild/protobuf";
import type { WaitReadyRequestSchema } from "../../gen/baton/rendezvous/v1/rendezvous_pb.js";
import { formatDuration } from "../../duration.js";
import { UsageError } from "../command.js";
import { errorInfo } from "../explain.js";
import { progress } from "../io.js";
import { SERVER_FLAG, defineCommand } from "../spec.js";
import { optionalMs, rendezvousClient } from "./connect.js";

/** `baton ready TARGET`: waits until a port, database or URL answers. */
export const readyCommand = defineCommand(
  {
    name: "ready",
    summary: "wait until a TCP port, Postgres database or HTTP URL answers",
    args: [{ name: "TARGET" }],
    description: `Waits until TARGET answers, probed by the Baton server (so it sees what the server sees):
  tcp://HOST:PORT     a TCP connection succeeds
  postgres://DB       the database DB on the server's configured Postgres answers SELECT 1
  http(s)://HOST/...  the URL answers 2xx (or --expect-status); redirects are not followed
Prints each failed attempt on stderr, then "ready: ..." on stdout, and exits 0. Exits 1 with the
last error when the timeout runs out first. The server probes only hosts on its allowlist.`,
    flags: {
      timeout: { kind: "duration", help: "give up after DUR; 0 tries once", default: "try as long as it takes", field: "wait_ms" },
      interval: { kind: "duration", help: "time between attempts", default: "500ms", field: "interval_ms" },
      "attempt-timeout": { kind: "duration", help: "how long one attempt may take", default: "2s", field: "attempt_timeout_ms" },
      "expect-status": { kind: "count", help: "for http(s): the status that means ready", default: "any 2xx", field: "http.expect_status" },
      quiet: { kind: "switch", help: "do not print failed attempts" },
      ...SERVER_FLAG,
    },
    notes: `Exit status: 0 when ready; 1 when the timeout ran out or on a server error; 2 for bad usage;
128+N when signal N interrupted it.`,
  },
  async (inv) => {
    const target = inv.arg("TARGET")!;
    const expectStatus = inv.count("expect-status");
    const probe = parseTarget(target, expectStatus ?? 0);
    if (expectStatus !== undefined && probe?.case !== "http") throw new UsageError("--expect-status applies to http(s) targets only");
    const timeoutMs = inv.duration("timeout");
    const request = {
      probe,
      waitMs: optionalMs(timeoutMs),
      intervalMs: optionalMs(inv.duration("interval")),
      attemptTimeoutMs: optionalMs(inv.duration("attempt-timeout")),
    };
    const stop = inv.interruptible();
    let lastError: string | undefined;
    try {
      for await (const message of rendezvousClient(inv.serverUrl(), inv.connection()).waitReady(request, { signal: stop.signal })) {
        if (message.event.case === "failed") {
          const { attempt, error } = message.event.value;
          lastError = error;
          if (!inv.switch("quiet")) progress(inv.io, `baton ready: attempt ${attempt}: ${error}`, true);
        } else if (message.event.case === "ready") {
          const { attempts, elapsedMs, detail } = message.event.value;
          const tries = `${attempts} attempt${attempts === 1 ? "" : "s"}`;
          inv.io.stdout.write(`ready: ${detail} (${tries}, ${formatDuration(Number(elapsedMs))})\n`);
          return 0;
        }
      }
      throw new Error("the server ended the wait before the target was ready");
    } catch (error) {
      const interrupted = stop.status();
      if (interrupted !== undefined) return interrupted;
      if (errorInfo(error)?.reason === "WAIT_TIMEOUT") {
        const within = timeoutMs === 0 ? "on its one try (--timeout 0)" : `within ${formatDuration(timeoutMs ?? 0)}`;
        throw new Error(`${target} was not ready ${within}${lastError === undefined ? "" : `; last error: ${lastError}`}`);
      }
      throw inv.explain(error);
    } finally {
      stop.release();
    }
  },
);

/** Reads a TARGET as the probe it names; anything else is a UsageError that shows the forms. */
export function parseTarget(target: string, expectStatus: number): MessageInitShape<typeof WaitReadyRequestSchema>["probe"] {
  const forms = "write tcp://HOST:PORT, postgres://DATABASE or http(s)://HOST/PATH";
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UsageError(`"${target}" is not a target; ${forms}`);
  }
  switch (url.protocol) {
    case "tcp:": {
      const port = Number(url.port);
      if (url.hostname === "" || url.port === "" || url.pathname.replace(/^\/$/, "") !== "") {
        throw new UsageError(`"${target}" needs a host and a port and nothing else, e.g. tcp://127.0.0.1:5432`);
      }
      return { case: "tcp", value: { host: url.hostname.replace(/^\[(.*)\]$/, "$1"), port } };
    }
    case "postgres:":
    case "postgresql:": {
      // postgres://DB names only the database: the server holds the rest of the DSN.
      const database = decodeURIComponent(url.host || url.pathname.replace(/^\/+/, ""));
      if (database === "" || url.username !== "" || url.port !== "" || (url.host !== "" && url.pathname.replace(/^\/$/, "") !== "")) {
        throw new UsageError(`"${target}" must name only a database, e.g. postgres://mydb (the server holds the DSN)`);
      }
      return { case: "postgres", value: { database } };
    }
    case "http:":
    case "https:":
      return { case: "http", value: { url: target, expectStatus } };
    default:
      throw new UsageError(`"${target}": unknown probe ${url.protocol}; ${forms}`);
  }
}
