import type { Command } from "../command.js";
import { electCommand } from "./elect.js";
import { leaderCommand } from "./leader.js";
import { observeCommand } from "./observe.js";

/** The election commands: elect, leader, observe. */
export const electionCommands: Command[] = [electCommand, leaderCommand, observeCommand];
