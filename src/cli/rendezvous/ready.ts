import { Code, ConnectError } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { WaitReadyRequestSchema } from "../../gen/baton/rendezvous/v1/rendezvous_pb.js";
import { formatDuration } from "../../duration.js";
import { UsageError, type Command } from "../command.js";
import { SERVER_HELP, SERVER_OPTION, countFlag, durationFlag, parse, serverUrl } from "../locks/args.js";
import { explain } from "../locks/errors.js";
import { interruptible, progress, rendezvousClient } from "./connect.js";

const usage = `Usage: baton ready TARGET [options]

Waits until TARGET answers, probed by the Baton server (so it sees what the server sees):
  tcp://HOST:PORT     a TCP connection succeeds
  postgres://DB       the database DB on the server's configured Postgres answers SELECT 1
  http(s)://HOST/...  the URL answers 2xx (or --expect-status); redirects are not followed
Prints each failed attempt on stderr, then "ready" on stdout, and exits 0. Exits 1 with the
last error when the timeout runs out first. The server probes only hosts on its allowlist.

Options:
  --timeout DUR          give up after DUR (500ms, 20s, 5m, 1h); default: try as long as it takes
  --interval DUR         time between attempts (default 500ms)
  --attempt-timeout DUR  how long one attempt may take (default 2s)
  --expect-status N      for http(s): the status that means ready (default: any 2xx)
  --quiet                do not print failed attempts
${SERVER_HELP}
  -h, --help             this help`;

const OPTIONS = {
  ...SERVER_OPTION,
  timeout: { type: "string" },
  interval: { type: "string" },
  "attempt-timeout": { type: "string" },
  "expect-status": { type: "string" },
  quiet: { type: "boolean" },
} as const;

/** `baton ready TARGET`: waits until a port, database or URL answers. */
export const readyCommand: Command = {
  name: "ready",
  summary: "wait until a TCP port, Postgres database or HTTP URL answers",
  usage,
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, { required: ["TARGET"] });
    const target = positionals[0] as string;
    const expectStatus = countFlag(values, "expect-status");
    const probe = parseTarget(target, expectStatus ?? 0);
    if (expectStatus !== undefined && probe?.case !== "http") throw new UsageError("--expect-status applies to http(s) targets only");
    const timeoutMs = durationFlag(values, "timeout");
    const url = serverUrl(values);
    const stop = interruptible();
    try {
      const stream = rendezvousClient(url).waitReady(
        {
          probe,
          waitMs: timeoutMs === undefined ? undefined : BigInt(timeoutMs),
          intervalMs: optionalBig(durationFlag(values, "interval")),
          attemptTimeoutMs: optionalBig(durationFlag(values, "attempt-timeout")),
        },
        { signal: stop.signal },
      );
      for await (const message of stream) {
        if (message.event.case === "failed") {
          const { attempt, error } = message.event.value;
          if (values.quiet !== true) progress(`baton ready: attempt ${attempt}: ${error}`, true);
        } else if (message.event.case === "ready") {
          const { attempts, elapsedMs, detail } = message.event.value;
          const tries = `${attempts} attempt${attempts === 1 ? "" : "s"}`;
          process.stdout.write(`ready: ${detail} (${tries}, ${formatDuration(Number(elapsedMs))})\n`);
          return 0;
        }
      }
      throw new Error("the server ended the wait before the target was ready");
    } catch (error) {
      if (stop.signal.aborted) return 130;
      if (error instanceof ConnectError && error.code === Code.DeadlineExceeded) throw new Error(error.rawMessage);
      throw explain(error, url);
    } finally {
      stop.release();
    }
  },
};

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

function optionalBig(ms: number | undefined): bigint | undefined {
  return ms === undefined ? undefined : BigInt(ms);
}
