import type { Command } from "../command.js";
import { acquireCommand } from "./acquire.js";
import { describeCommand } from "./describe.js";
import { listCommand } from "./list.js";
import { lockCommand } from "./lock.js";
import { refreshCommand } from "./refresh.js";
import { releaseCommand } from "./release.js";
import { reserveCommand } from "./reserve.js";
import { watchCommand } from "./watch.js";

/** The lock commands: lock, acquire, release, refresh, describe, list, reserve, watch. */
export const lockCommands: Command[] = [
  lockCommand,
  acquireCommand,
  releaseCommand,
  refreshCommand,
  describeCommand,
  listCommand,
  reserveCommand,
  watchCommand,
];
