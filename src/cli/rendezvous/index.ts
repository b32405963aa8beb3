import type { Command } from "../command.js";

/** The rendezvous commands: signal, wait, subscribe, arrive, ready. */
export const rendezvousCommands: Command[] = [];
