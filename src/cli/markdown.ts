// `--format markdown` of validate and test: a pull-request comment or a `$GITHUB_STEP_SUMMARY`, a headline
// then a table, with the details a reviewer needs to act on each failure. Long lists are cut: a comment holds
// at most 65,536 characters, and the text output has everything.
import { formatDecision } from '../engine/index.js';
import { countDiagnostics, formatDiagnostics, type DiagnosticFormat } from '../diagnostics.js';
import type { Diagnostic } from '../errors.js';
import type { SourceLocation } from '../policy/model.js';
import { countRun, type TestRun } from '../verify/report.js';
import { code, markdownTable, plural } from '../verify/present.js';

const MAX_ROWS = 200;
const MAX_DETAILS = 20;

const at = (s: SourceLocation): string => code(`${s.file}:${s.line}`);

/** A table cell's inline code: a backtick inside would end it early. */
const inline = (s: string): string => code(s.replace(/`/g, "'"));

function cut(rows: readonly (readonly string[])[], what: string, fullCommand: string): { rows: readonly (readonly string[])[]; note: string[] } {
  if (rows.length <= MAX_ROWS) return { rows, note: [] };
  return { rows: rows.slice(0, MAX_ROWS), note: ['', `…and ${plural(rows.length - MAX_ROWS, what)} more: run ${code(fullCommand)} for all of them.`] };
}

/** The diagnostics of a policy directory: headline (counts, and the files read when known), then one row per diagnostic. */
export function diagnosticsMarkdown(diagnostics: readonly Diagnostic[], root: string, files: number | undefined, command: string): string {
  const { errors, warnings } = countDiagnostics(diagnostics);
  const verdict = errors > 0 ? 'invalid' : 'valid';
  const out = [`### Switchyard policy check: ${code(root)} is ${verdict}`, ''];
  out.push(`**${plural(errors, 'error')}, ${plural(warnings, 'warning')}**${files === undefined ? '' : ` in ${plural(files, 'file')}`}.`, '');
  if (diagnostics.length === 0) return out.join('\n');
  const rows = diagnostics.map((d) => [d.severity, code(`${d.file}:${d.line}:${d.col}`), code(d.code), d.message]);
  const shown = cut(rows, 'diagnostic', command);
  out.push(...markdownTable(['severity', 'location', 'code', 'message'], shown.rows), ...shown.note, '');
  return out.join('\n');
}

// Rule ids are `Kind/dns-label`: nothing in them needs escaping as HTML.
function details(rule: string, lines: readonly string[]): string[] {
  return ['<details>', `<summary><code>${rule}</code></summary>`, '', ...lines, '', '</details>', ''];
}

const fence = (text: string, lang = 'text'): string[] => [`\`\`\`${lang}`, text.trimEnd(), '```'];
const reproduce = (command: string): string[] => ['Reproduce:', '', ...fence(command, 'sh'), ''];

/** A test run: headline, one row per Test and Invariant, and per failure (the first few) its trace and the command that reproduces it. */
export function testRunMarkdown(run: TestRun, dir: string): string {
  const { passed, failed } = countRun(run);
  const out = [`### Switchyard policy tests: ${code(dir)}`, '', `**${passed} passed, ${failed} failed**`, ''];
  const rows: string[][] = [];
  const failures: string[] = [];
  for (const t of run.tests) {
    const why = t.mismatches.map((m) => `${m.field}: expected ${inline(m.expected)}, got ${inline(m.actual)}`).join('; ');
    rows.push([t.ok ? 'pass' : '**fail**', code(t.rule), at(t.source), why]);
    if (t.ok || failures.length >= MAX_DETAILS) continue;
    failures.push(...details(t.rule, [...reproduce(t.command), ...fence(formatDecision(t.decision, 'text'))]));
  }
  for (const r of run.invariants) {
    const how = r.method === 'proven' ? `proven over ${plural(r.checked, 'request')}` : `sampled ${plural(r.checked, 'request')} (seed ${r.seed ?? '?'})`;
    const scope = r.covered === 0 ? '; covers no request' : `; ${r.covered.toLocaleString('en-US')} in scope`;
    const violations = r.ok ? '' : `; ${plural(r.violations, 'violating request')}`;
    rows.push([r.ok ? 'pass' : '**fail**', code(r.rule), at(r.source), `${how}${scope}${violations}`]);
    const c = r.counterexample;
    if (r.ok || c === undefined || failures.length >= MAX_DETAILS) continue;
    const budgets = Object.keys(c.budgets).length > 0 ? [`Budgets used (%): ${inline(JSON.stringify(c.budgets))}`, ''] : [];
    failures.push(
      ...details(r.rule, [`Violation: ${c.violation}`, '', `Counterexample: ${inline(JSON.stringify(c.ctx))}`, '', ...budgets, ...reproduce(c.command), ...fence(formatDecision(c.decision, 'text'))]),
    );
  }
  const shown = cut(rows, 'result', `switchyard test ${dir}`);
  if (rows.length > 0) out.push(...markdownTable(['result', 'rule', 'source', 'detail'], shown.rows), ...shown.note, '');
  if (failures.length > 0) out.push('#### Failures', '', ...failures);
  return out.join('\n');
}

/**
 * The diagnostics of a policy that did not load, in a command's output format (a command that decides or
 * classifies falls back to these when there is nothing to decide with).
 */
export function loadFailure(diagnostics: readonly Diagnostic[], format: DiagnosticFormat | 'markdown', root: string, dir: string): string {
  return format === 'markdown' ? diagnosticsMarkdown(diagnostics, root, undefined, `switchyard validate ${dir}`) : formatDiagnostics(diagnostics, format);
}
