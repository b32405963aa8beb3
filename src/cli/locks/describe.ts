import { createBatonClient } from "../../client/index.js";
import type { Command } from "../command.js";
import { SERVER_HELP, SERVER_OPTION, parse, serverUrl } from "./args.js";
import { explain } from "./errors.js";
import { describeText, lockJson } from "./format.js";

const usage = `Usage: baton describe NAME [options]

Shows the lock NAME: its limit, who holds it until when, and who waits in which order.
A lock nobody holds or waits for is shown as free.

Options:
  --json          print the lock as JSON
${SERVER_HELP}
  -h, --help      this help`;

const OPTIONS = { ...SERVER_OPTION, json: { type: "boolean" } } as const;

/** `baton describe NAME`: one lock's state. */
export const describeCommand: Command = {
  name: "describe",
  summary: "show who holds and who waits for a lock",
  usage,
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, { required: ["NAME"] });
    const url = serverUrl(values);
    const client = createBatonClient(url);
    try {
      const lock = await client.describe(positionals[0]!);
      process.stdout.write((values.json === true ? JSON.stringify(lockJson(lock)) : describeText(lock)) + "\n");
      return 0;
    } catch (error) {
      throw explain(error, url);
    } finally {
      client.close();
    }
  },
};
