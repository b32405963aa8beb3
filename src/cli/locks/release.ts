import { createBatonClient } from "../../client/index.js";
import type { Command } from "../command.js";
import { SERVER_HELP, SERVER_OPTION, parse, serverUrl } from "./args.js";
import { explain } from "./errors.js";

const usage = `Usage: baton release NAME TOKEN [options]

Gives back the lease on the lock NAME that TOKEN (from "baton acquire") names.

Options:
${SERVER_HELP}
  -h, --help      this help

Exit status: 0 when released; 1 when the token holds nothing (the lease expired, was released,
or the token is wrong) or on a server error; 2 for bad usage.`;

/** `baton release NAME TOKEN`: gives a lease back. */
export const releaseCommand: Command = {
  name: "release",
  summary: "give back a lease by its token",
  usage,
  async run(args) {
    const { values, positionals } = parse(args, SERVER_OPTION, { required: ["NAME", "TOKEN"] });
    const [name, token] = positionals as [string, string];
    const url = serverUrl(values);
    const client = createBatonClient(url);
    try {
      const fencing = await client.release({ name, token });
      process.stdout.write(`released ${name} (fencing ${fencing})\n`);
      return 0;
    } catch (error) {
      throw explain(error, url);
    } finally {
      client.close();
    }
  },
};
