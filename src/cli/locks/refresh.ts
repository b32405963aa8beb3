import { createBatonClient } from "../../client/index.js";
import type { Command } from "../command.js";
import { SERVER_HELP, SERVER_OPTION, durationFlag, parse, serverUrl } from "./args.js";
import { explain } from "./errors.js";
import { leaseJson, when } from "./format.js";

const usage = `Usage: baton refresh NAME TOKEN [options]

Extends the lease on the lock NAME that TOKEN names to now + its TTL (or --ttl).

Options:
  --ttl DUR       the new TTL from now (default: the lease's own)
  --json          print the extended lease as JSON
${SERVER_HELP}
  -h, --help      this help

Exit status: 0 when extended; 1 when the token holds nothing (the lease is gone: stop the work
it protected) or on a server error; 2 for bad usage.`;

const OPTIONS = { ...SERVER_OPTION, ttl: { type: "string" }, json: { type: "boolean" } } as const;

/** `baton refresh NAME TOKEN`: extends a lease. */
export const refreshCommand: Command = {
  name: "refresh",
  summary: "extend a lease by its token",
  usage,
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, { required: ["NAME", "TOKEN"] });
    const [name, token] = positionals as [string, string];
    const ttlMs = durationFlag(values, "ttl");
    const url = serverUrl(values);
    const client = createBatonClient(url);
    try {
      const lease = await client.refresh({ name, token }, ttlMs);
      const text = values.json === true ? JSON.stringify(leaseJson(lease)) : `refreshed ${name} (fencing ${lease.fencing}) until ${when(lease.expiresAt)}`;
      process.stdout.write(text + "\n");
      return 0;
    } catch (error) {
      throw explain(error, url);
    } finally {
      client.close();
    }
  },
};
