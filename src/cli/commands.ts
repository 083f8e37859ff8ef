// Every CLI command, in the order `switchyard --help` lists them. One file per command.
import { classifyCommand } from './classify.js';
import type { Command } from './command.js';
import { diffCommand } from './diff.js';
import { dryRunCommand } from './dry-run.js';
import { explainCommand } from './explain.js';
import { keysCommand } from './keys.js';
import { serveCommand } from './serve.js';
import { simulateUpstreamCommand } from './simulate-upstream.js';
import { spendCommand } from './spend.js';
import { testCommand } from './test.js';
import { validateCommand } from './validate.js';

export const COMMANDS: readonly Command[] = [
  validateCommand,
  explainCommand,
  classifyCommand,
  testCommand,
  dryRunCommand,
  diffCommand,
  serveCommand,
  keysCommand,
  spendCommand,
  simulateUpstreamCommand,
];
