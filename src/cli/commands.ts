// Every CLI command, in the order `switchyard --help` lists them. One file per command.
import type { Command } from './command.js';
import { simulateUpstreamCommand } from './simulate-upstream.js';

export const COMMANDS: readonly Command[] = [
  simulateUpstreamCommand,
];
