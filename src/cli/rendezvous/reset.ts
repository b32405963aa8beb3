import { type Command } from "../command.js";
import { SERVER_HELP, SERVER_OPTION, parse, serverUrl } from "../locks/args.js";
import { explain } from "../locks/errors.js";
import { rendezvousClient } from "./connect.js";

const usage = `Usage: baton reset KEY [options]

Clears KEY, so that later "baton wait KEY" calls block until it is signalled again.

Options:
${SERVER_HELP}
  -h, --help      this help`;

/** `baton reset KEY`: clears a key. */
export const resetCommand: Command = {
  name: "reset",
  summary: "clear a signalled key",
  usage,
  async run(args) {
    const { values, positionals } = parse(args, SERVER_OPTION, { required: ["KEY"] });
    const key = positionals[0] as string;
    const url = serverUrl(values);
    try {
      const { wasSet } = await rendezvousClient(url).reset({ key });
      process.stdout.write(wasSet ? `reset "${key}"\n` : `"${key}" was not set\n`);
      return 0;
    } catch (error) {
      throw explain(error, url);
    }
  },
};
