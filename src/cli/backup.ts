import { backupDataDir, restoreDataDir } from "../store/durable/backup.js";
import { DEFAULT_DATA_DIR } from "../store/durable/spec.js";
import type { Invocation } from "./invocation.js";
import { defineCommand, type FlagSpec } from "./spec.js";

const DATA_DIR_FLAG = {
  "data-dir": { kind: "text", value: "DIR", help: "the durable store's data dir", default: `$BATON_DATA_DIR, else ${DEFAULT_DATA_DIR}` },
} as const satisfies Record<string, FlagSpec>;

function dataDir(inv: Invocation): string {
  return inv.text("data-dir") ?? (inv.io.env.BATON_DATA_DIR || DEFAULT_DATA_DIR);
}

/** `baton backup`: a snapshot of a data dir while Baton serves from it. */
export const backupCommand = defineCommand(
  {
    name: "backup",
    summary: "snapshot the durable store's data dir to a file",
    args: [],
    description: `Writes a consistent, compacted snapshot of the durable store's database to FILE, while Baton
keeps serving from the data dir. Run it on the machine that holds the data dir. Start from a
snapshot with "baton restore".`,
    flags: { to: { kind: "text", value: "FILE", help: "where to write the snapshot", required: true }, ...DATA_DIR_FLAG },
  },
  async (inv) => {
    const [file, dir] = [inv.text("to")!, dataDir(inv)];
    await backupDataDir(dir, file);
    inv.io.stderr.write(`baton: backed up ${dir} to ${file}\n`);
    return 0;
  },
);

/** `baton restore`: a data dir from a snapshot. */
export const restoreCommand = defineCommand(
  {
    name: "restore",
    summary: "make a data dir start from a backup file",
    args: [],
    description: `Checks the snapshot FILE (made by "baton backup") and makes it the database of the data dir,
which must not hold one yet; then "baton serve --data-dir DIR" starts from it. Leases in the
snapshot whose TTL has run out expire when Baton starts.`,
    flags: { from: { kind: "text", value: "FILE", help: "the snapshot to start from", required: true }, ...DATA_DIR_FLAG },
  },
  async (inv) => {
    const [file, dir] = [inv.text("from")!, dataDir(inv)];
    const found = await restoreDataDir(file, dir, (m) => inv.io.stderr.write(m + "\n"));
    inv.io.stderr.write(`baton: restored ${file} into ${dir} (${found.locks} active lock(s), ${found.signals} signal(s))\n`);
    return 0;
  },
);
