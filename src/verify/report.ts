// Test-runner output for `switchyard test`: one line per Test and Invariant, failures with expected vs actual,
// the trace and the command that reproduces them; the summary `N passed, N failed` is always the last line.
import { escapeData, escapeProperty } from '../diagnostics.js';
import type { SourceLocation } from '../policy/model.js';
import { formatDecision } from '../engine/index.js';
import type { InvariantResult } from './invariants.js';
import type { TestResult } from './policy-tests.js';

export interface TestRun {
  readonly tests: readonly TestResult[];
  readonly invariants: readonly InvariantResult[];
}

export const countRun = (run: TestRun): { passed: number; failed: number } => {
  const all = [...run.tests.map((t) => t.ok), ...run.invariants.map((i) => i.ok)];
  const passed = all.filter(Boolean).length;
  return { passed, failed: all.length - passed };
};

export const summaryLine = (run: TestRun): string => {
  const { passed, failed } = countRun(run);
  return `${passed} passed, ${failed} failed`;
};

const at = (s: SourceLocation): string => `${s.file}:${s.line}`;
const indent = (text: string, by: string): string =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => by + l)
    .join('\n');
const fmtInt = (n: number): string => n.toLocaleString('en-US');

function invariantHow(r: InvariantResult): string {
  const scope = `${fmtInt(r.covered)} of ${fmtInt(r.checked)} requests in scope`;
  return r.method === 'proven' ? `proven exhaustively, ${scope}` : `sampled ${fmtInt(r.checked)} requests (seed ${r.seed ?? '?'}), ${fmtInt(r.covered)} in scope`;
}

export function formatRunText(run: TestRun): string {
  const out: string[] = [];
  for (const t of run.tests) {
    out.push(`${t.ok ? 'PASS' : 'FAIL'} ${t.rule}  ${at(t.source)}`);
    if (t.ok) continue;
    for (const m of t.mismatches) out.push(`     ${m.field}: expected ${m.expected}, got ${m.actual}  (${at(m.source)})`);
    out.push(indent(formatDecision(t.decision, 'text'), '     | '));
    out.push(`     reproduce: ${t.command}`);
  }
  for (const r of run.invariants) {
    out.push(`${r.ok ? 'PASS' : 'FAIL'} ${r.rule}  ${at(r.source)}  ${invariantHow(r)}${r.ok && r.covered === 0 ? ' (covers no request)' : ''}`);
    if (r.ok) continue;
    out.push(`     ${fmtInt(r.violations)} violating request${r.violations === 1 ? '' : 's'}${r.method === 'sampled' ? ' found' : ''}`);
    const c = r.counterexample;
    if (!c) continue;
    out.push(`     counterexample: ${JSON.stringify(c.ctx)}`);
    if (Object.keys(c.budgets).length > 0) out.push(`     budgets used (%): ${JSON.stringify(c.budgets)}`);
    out.push(`     violation: ${c.violation}`);
    out.push(indent(formatDecision(c.decision, 'text'), '     | '));
    out.push(`     reproduce: ${c.command}`);
  }
  out.push(summaryLine(run));
  return out.join('\n') + '\n';
}


/** GitHub workflow commands: an annotation per failure at the line that states the expectation. */
export function formatRunGithub(run: TestRun): string {
  const out: string[] = [];
  const annotate = (s: SourceLocation, title: string, message: string): void => {
    out.push(`::error file=${escapeProperty(s.file)},line=${s.line},col=${s.col},title=${escapeProperty(title)}::${escapeData(message)}`);
  };
  for (const t of run.tests) {
    for (const m of t.mismatches) annotate(m.source, t.rule, `${m.field}: expected ${m.expected}, got ${m.actual}. reproduce: ${t.command}`);
  }
  for (const r of run.invariants) {
    if (r.ok) continue;
    const c = r.counterexample;
    annotate(r.source, r.rule, c ? `${c.violation} for ${JSON.stringify(c.ctx)}. reproduce: ${c.command}` : `${r.violations} violating requests`);
  }
  out.push(summaryLine(run));
  return out.join('\n') + '\n';
}

export function formatRunJson(run: TestRun): string {
  const { passed, failed } = countRun(run);
  return JSON.stringify({ passed, failed, tests: run.tests, invariants: run.invariants }, null, 2) + '\n';
}
