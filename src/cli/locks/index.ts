import type { Command } from "../command.js";

/** The lock commands: lock, acquire, release, refresh, describe, list, watch. */
export const lockCommands: Command[] = [];
