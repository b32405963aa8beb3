import { createBatonClient, type LockInfo } from "../../client/index.js";
import type { Command } from "../command.js";
import { SERVER_HELP, SERVER_OPTION, parse, serverUrl } from "./args.js";
import { explain } from "./errors.js";
import { listTable, lockJson } from "./format.js";

const usage = `Usage: baton list [PREFIX] [options]

Lists the locks that are held, waited for or reserved, by name; with PREFIX only those whose
name starts with it.

Options:
  --json          print a JSON array of locks
${SERVER_HELP}
  -h, --help      this help`;

const OPTIONS = { ...SERVER_OPTION, json: { type: "boolean" } } as const;

/** `baton list [PREFIX]`: every busy lock, as a table or JSON. */
export const listCommand: Command = {
  name: "list",
  summary: "list the locks that are held or waited for",
  usage,
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, { required: [], optional: ["PREFIX"] });
    const url = serverUrl(values);
    const client = createBatonClient(url);
    try {
      const locks: LockInfo[] = [];
      for await (const lock of client.list(positionals[0] ?? "")) locks.push(lock);
      if (values.json === true) process.stdout.write(JSON.stringify(locks.map(lockJson)) + "\n");
      else if (locks.length === 0) process.stderr.write("no locks are held, waited for or reserved\n");
      else process.stdout.write(listTable(locks) + "\n");
      return 0;
    } catch (error) {
      throw explain(error, url);
    } finally {
      client.close();
    }
  },
};
