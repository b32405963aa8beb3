import type { Command } from "../command.js";
import { arriveCommand } from "./arrive.js";
import { keysCommand } from "./keys.js";
import { readyCommand } from "./ready.js";
import { resetCommand } from "./reset.js";
import { signalCommand } from "./signal.js";
import { subscribeCommand } from "./subscribe.js";
import { waitCommand } from "./wait.js";

/** The rendezvous commands: signal, reset, wait, subscribe, arrive, ready, keys. */
export const rendezvousCommands: Command[] = [
  signalCommand,
  resetCommand,
  waitCommand,
  subscribeCommand,
  arriveCommand,
  readyCommand,
  keysCommand,
];
