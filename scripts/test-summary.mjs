#!/usr/bin/env node
// Prints the last test run's totals as one plain line, `N passed, N failed` (`, N skipped` when any), from the
// json report vitest writes to .test-results/vitest.json. Exit 1 when the report is missing or shows failures.
import { readFileSync } from 'node:fs';

let report;
try {
  report = JSON.parse(readFileSync(new URL('../.test-results/vitest.json', import.meta.url), 'utf8'));
} catch (error) {
  console.error(`no test report: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
