import { parseArgs } from "node:util";
import { backupDataDir, restoreDataDir } from "../store/durable/backup.js";
import { DEFAULT_DATA_DIR } from "../store/durable/spec.js";
import { UsageError, type Command } from "./command.js";

const backupUsage = `Usage: baton backup --to FILE [--data-dir DIR]

Writes a consistent, compacted snapshot of the durable store's database to FILE, while Baton
keeps serving from DIR (default ./baton-data, or $BATON_DATA_DIR). Run it on the machine that
holds the data dir. Start from a snapshot with \`baton restore\`.`;

const restoreUsage = `Usage: baton restore --from FILE [--data-dir DIR]

Checks the snapshot FILE (made by \`baton backup\`) and makes it the database of DIR (default
./baton-data, or $BATON_DATA_DIR), which must not hold one yet; then \`baton serve --data-dir DIR\`
starts from it. Leases in the snapshot whose TTL has run out expire when Baton starts.`;

function parse(args: string[], required: "to" | "from"): { file: string; dataDir: string } {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args, options: { [required]: { type: "string" }, "data-dir": { type: "string" } }, strict: true }).values as Record<
      string,
      string | undefined
    >;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const file = values[required];
  if (file === undefined || file === "") throw new UsageError(`--${required} FILE is required`);
  return { file, dataDir: values["data-dir"] ?? process.env.BATON_DATA_DIR ?? DEFAULT_DATA_DIR };
}

/** `baton backup`: a snapshot of a data dir while Baton serves from it. */
export const backupCommand: Command = {
  name: "backup",
  summary: "snapshot the durable store's data dir to a file",
  usage: backupUsage,
  async run(args) {
    const { file, dataDir } = parse(args, "to");
    await backupDataDir(dataDir, file);
    process.stderr.write(`baton: backed up ${dataDir} to ${file}\n`);
    return 0;
  },
};

/** `baton restore`: a data dir from a snapshot. */
export const restoreCommand: Command = {
  name: "restore",
  summary: "make a data dir start from a backup file",
  usage: restoreUsage,
  async run(args) {
    const { file, dataDir } = parse(args, "from");
    const found = await restoreDataDir(file, dataDir, (m) => process.stderr.write(m + "\n"));
    process.stderr.write(`baton: restored ${file} into ${dataDir} (${found.locks} active lock(s), ${found.signals} signal(s))\n`);
    return 0;
  },
};
