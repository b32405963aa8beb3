import { closeSync, constants, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Name of the file that says which process owns a data dir. */
export const OWNER_FILE = "baton.pid";

/** Thrown when a data dir cannot be used; the message says why and what to do. */
export class DataDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataDirError";
  }
}

/** True while `pid` names a live process (a zombie, dead but not reaped, counts as dead). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.charAt(stat.lastIndexOf(")") + 2) !== "Z";
  } catch {
    return true;
  }
}

/**
 * Creates the data dir if needed and takes ownership of it with an exclusive pid file, so a
 * second Baton on the same dir refuses to start instead of sharing LMDB files with a stranger
 * (LMDB itself allows many processes; Baton's in-memory state does not). A pid file left by a
 * process that died (kill -9, power loss) is taken over. Returns the function that releases it.
 */
export function claimDataDir(dir: string, log: (message: string) => void): () => void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new DataDirError(`data dir ${dir}: cannot be created (${describe(error)})`);
  }
  if (!statSync(dir).isDirectory()) throw new DataDirError(`data dir ${dir}: is not a directory`);
  const file = join(dir, OWNER_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EACCES" || code === "EROFS" || code === "EPERM") {
        throw new DataDirError(`data dir ${dir}: is not writable (${describe(error)}); Baton writes its state there`);
      }
      if (code !== "EEXIST") throw new DataDirError(`data dir ${dir}: cannot create ${OWNER_FILE} (${describe(error)})`);
      const owner = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
      if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
        throw new DataDirError(
          `data dir ${dir}: in use by another Baton (pid ${owner}, see ${file}). ` +
            `One process owns a data dir: stop that one, or give this one its own --data-dir.`,
        );
      }
      log(`baton: data dir ${dir}: taking over from pid ${Number.isNaN(owner) ? "?" : owner}, which is gone`);
      rmSync(file, { force: true });
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    return () => {
      try {
        if (readFileSync(file, "utf8").trim() === String(process.pid)) rmSync(file, { force: true });
      } catch {
        // Already gone: nothing to release.
      }
    };
  }
  throw new DataDirError(`data dir ${dir}: another process keeps claiming ${OWNER_FILE}`);
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? e.message;
}
