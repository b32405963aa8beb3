import { readFileSync } from "node:fs";
import { closestMatch } from "leven";
import { UsageError, type Command } from "./command.js";
import { lockCommands } from "./locks/index.js";
import { electionCommands } from "./elections/index.js";
import { rendezvousCommands } from "./rendezvous/index.js";
import type { CliIo } from "./io.js";

export { processIo, type CliIo } from "./io.js";

/** A command by name and summary; its module loads only when it runs. */
interface Entry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

const loaded = (command: Command): Entry => ({ name: command.name, summary: command.summary, load: async () => command });

// The server and the durable store load a lot (the whole app, LMDB); a client command, which
// starts once per shell line, does not wait for them.
const commands: Entry[] = [
  { name: "serve", summary: "run the Baton server", load: async () => (await import("./serve.js")).serveCommand },
  ...lockCommands.map(loaded),
  ...electionCommands.map(loaded),
  ...rendezvousCommands.map(loaded),
  { name: "key", summary: "make a new API key (baton key new NAME)", load: async () => (await import("./key.js")).keyCommand },
  { name: "backup", summary: "snapshot the durable store's data dir to a file", load: async () => (await import("./backup.js")).backupCommand },
  { name: "restore", summary: "make a data dir start from a backup file", load: async () => (await import("./backup.js")).restoreCommand },
];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "baton: locks, semaphores and rendezvous over HTTP",
    "",
    "Usage: baton <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run `baton <command> --help` for a command's options, `baton --version` for the version.",
    "Client commands find the server by --server URL, else $BATON_URL, else http://127.0.0.1:7070.",
  ].join("\n");
}

/** "baton 0.1.0 (from the build in dist/)": which code runs matters, since bin/baton.js picks one. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  const from = import.meta.url.endsWith(".ts") ? "from the TypeScript sources" : "from the build in dist/";
  return `baton ${pkg.version} (${from})`;
}

/** True when `--help` or `-h` comes before any `--` (after it, the words are CMD's). */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/**
 * The `baton` command: runs the sub-command `argv[0]` with the rest, reading and writing only
 * through `io`, and resolves with the exit code. It never throws: a bad command line exits 2, a
 * failure 1 (one line on stderr), and commands may return others (see their --help).
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(help() + "\n");
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    io.stdout.write(version() + "\n");
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (entry === undefined) {
    const guess = closestMatch(name, commands.map((c) => c.name), { maxDistance: 2 });
    io.stderr.write(`baton: unknown command "${name}"${guess === undefined ? "" : `; did you mean "${guess}"?`}\n\n${help()}\n`);
    return 2;
  }
  try {
    const command = await entry.load();
    if (asksForHelp(rest)) {
      io.stdout.write(command.usage + "\n");
      return 0;
    }
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`baton ${name}: ${error.message}\n(see baton ${name} --help)\n`);
      return 2;
    }
    io.stderr.write(`baton ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
