import { UsageError, type Command } from "./command.js";
import { serveCommand } from "./serve.js";
import { lockCommands } from "./locks/index.js";
import { rendezvousCommands } from "./rendezvous/index.js";
import { backupCommand, restoreCommand } from "./backup.js";

const commands: Command[] = [serveCommand, ...lockCommands, ...rendezvousCommands, backupCommand, restoreCommand];

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
    "Run `baton <command> --help` for a command's options. Client commands find the server by",
    "--server URL, else $BATON_URL, else http://127.0.0.1:7070.",
  ].join("\n");
}

/** The `baton` command: dispatches to a sub-command and resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(help() + "\n");
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`baton: unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    const dashdash = rest.indexOf("--");
    const helpAt = Math.max(rest.indexOf("--help"), rest.indexOf("-h"));
    if (dashdash === -1 || helpAt < dashdash) {
      process.stdout.write(command.usage + "\n");
      return 0;
    }
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`baton ${name}: ${error.message}\n(see baton ${name} --help)\n`);
      return 2;
    }
    process.stderr.write(`baton ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
