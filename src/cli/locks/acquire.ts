import { createBatonClient } from "../../client/index.js";
import type { Command } from "../command.js";
import { LEASE_OPTIONS, SERVER_HELP, SERVER_OPTION, leaseRequest, parse, serverUrl } from "./args.js";
import { explain } from "./errors.js";
import { leaseJson, leaseShell } from "./format.js";
import { acquireShowingQueue } from "./progress.js";

const usage = `Usage: baton acquire NAME [options]

Takes a permit of the lock NAME and prints the lease, token included, so that a script can
release or refresh it later. Nothing refreshes it: it ends at its TTL unless released first.

Options:
  --ttl DUR       lease TTL (default: the server's, 30s)
  --wait DUR      give up after waiting this long; 0 tries once (default: wait until granted)
  --limit N       permits of the lock, for a semaphore (default: the lock's limit, or 1)
  --owner TEXT    who holds it, shown to others (default: user@host:pid)
  --json          print the lease as JSON instead of shell assignments
  -q, --quiet     do not print the queue position
${SERVER_HELP}
  -h, --help      this help

Without --json the output is shell assignments (BATON_LOCK, BATON_TOKEN, BATON_FENCING,
BATON_EXPIRES), so that this works:
  eval "$(baton acquire deploy --ttl 5m)"
  ... work, passing $BATON_FENCING to what you protect ...
  baton release "$BATON_LOCK" "$BATON_TOKEN"

Exit status: 0 with a lease; 1 when none was had (held with --wait 0, the wait ran out, or a
server error); 2 for bad usage.`;

const OPTIONS = {
  ...SERVER_OPTION,
  ...LEASE_OPTIONS,
  json: { type: "boolean" },
} as const;

/** `baton acquire NAME`: takes a lease and prints it for a script to keep. */
export const acquireCommand: Command = {
  name: "acquire",
  summary: "take a lease and print it (token included) for a script",
  usage,
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, { required: ["NAME"] });
    const request = leaseRequest(values, positionals[0]!);
    const url = serverUrl(values);
    const client = createBatonClient(url);
    try {
      const lease = await acquireShowingQueue(client, request, new AbortController().signal, "baton acquire", values.quiet === true);
      process.stdout.write((values.json === true ? JSON.stringify(leaseJson(lease)) : leaseShell(lease)) + "\n");
      return 0;
    } catch (error) {
      throw explain(error, url);
    } finally {
      client.close();
    }
  },
};
