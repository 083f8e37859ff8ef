#!/usr/bin/env node
// Entry point: runs the compiled CLI (built into dist/ by `npm ci` through the `prepare` script).
import { main, processIO } from '../dist/cli/main.js';

main(process.argv.slice(2), processIO).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`switchyard: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
