// Reports as GitHub workflow commands (`::notice`, `::warning`, `::error title=…::message`): what a CI job
// prints to annotate a run. One summary line, then one annotation per thing a reviewer should see.
import { escapeData, escapeProperty } from '../diagnostics.js';
import { newlyFailing, type ChangeSummary, type DiffReport } from './diff.js';
import { diffHeadline, moveEnds, statusText } from './diff-report.js';
import type { DryRunReport } from './dry-run.js';
import { fmtCount, fmtShare, plural, share } from './present.js';

export type AnnotationLevel = 'notice' | 'warning' | 'error';

export interface Annotation {
  readonly level: AnnotationLevel;
  readonly title: string;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
}


export function workflowCommand(a: Annotation): string {
  const props = [
    ...(a.file === undefined ? [] : [`file=${escapeProperty(a.file)}`]),
    ...(a.line === undefined ? [] : [`line=${a.line}`]),
    `title=${escapeProperty(a.title)}`,
  ];
  return `::${a.level} ${props.join(',')}::${escapeData(a.message)}`;
}

export const workflowCommands = (annotations: readonly Annotation[]): string => annotations.map((a) => `${workflowCommand(a)}\n`).join('');

/** Annotations beyond this many per kind are summed up in one. */
const MAX_PER_KIND = 10;

function capped(annotations: Annotation[], what: string, level: AnnotationLevel, title: string): Annotation[] {
  if (annotations.length <= MAX_PER_KIND) return annotations;
  return [...annotations.slice(0, MAX_PER_KIND), { level, title, message: `and ${plural(annotations.length - MAX_PER_KIND, what)} more` }];
}

export function dryRunAnnotations(r: DryRunReport, subject: { readonly policy: string; readonly traffic: string }): Annotation[] {
  const summary = `${plural(r.requests, 'request')} of ${subject.traffic}: ${fmtCount(r.routed)} routed, ${fmtCount(r.denied)} denied; policy ${subject.policy} (${r.policyVersion})`;
  const out: Annotation[] = [{ level: 'notice', title: 'Switchyard dry-run', message: summary }];
  for (const d of r.denials) {
    const rules = d.rules.map((x) => `${x.rule === '' ? '(no rule)' : x.rule} (${fmtCount(x.requests)})`).join(', ');
    out.push({ level: 'warning', title: `Denied: ${d.code}`, message: `${plural(d.requests, 'request')} (${fmtShare(d.share)}) denied with ${d.code} by ${rules}` });
  }
  const mismatches = r.recorded.mismatches.map((m): Annotation => ({
    level: 'warning',
    title: 'Decided unlike the record',
    file: subject.traffic,
    line: m.line,
    message: `recorded ${JSON.stringify(m.recorded)}, decided ${JSON.stringify(m.decided)}`,
  }));
  out.push(...capped(mismatches, 'differing record', 'warning', 'Decided unlike the record'));
  if (r.skipped > 0) out.push({ level: 'warning', title: 'Bad traffic lines', message: `${plural(r.skipped, 'bad line')} skipped (listed on stderr)` });
  return out;
}

function changeAnnotations(s: ChangeSummary, where: 'traffic' | 'space'): Annotation[] {
  const unit = where === 'traffic' ? ['request', 'requests'] as const : ['request class', 'request classes'] as const;
  const scope = where === 'traffic' ? 'recorded traffic' : 'request space';
  const denied = s.newlyDenied.map((d): Annotation => ({
    level: 'error',
    title: `Newly denied: ${d.code}`,
    message: `${plural(d.count, unit[0], unit[1])} (${fmtShare(d.share)} of the ${scope}) newly denied with ${d.code} by ${d.rule === '' ? '(no rule)' : d.rule}${d.example.line === undefined ? '' : `, e.g. line ${d.example.line}`}`,
  }));
  const moves = s.moves
    .filter((m) => !(m.from.kind === 'route' && m.to.kind === 'deny'))
    .map((m): Annotation => {
      const [from, to] = moveEnds(m, 'text');
      return { level: 'notice', title: 'Decision change', message: `${scope}: ${fmtShare(share(m.count, s.compared))} (${plural(m.count, unit[0], unit[1])}) from ${from} to ${to}` };
    });
  return [...capped(denied, 'newly denied group', 'error', 'Newly denied'), ...capped(moves, 'decision change', 'notice', 'Decision change')];
}

export function diffAnnotations(r: DiffReport): Annotation[] {
  const out: Annotation[] = [{ level: 'notice', title: 'Switchyard policy diff', message: `${r.base.label} (${r.base.version}) → ${r.head.label} (${r.head.version}): ${diffHeadline(r, 'text')}` }];
  if (r.traffic !== undefined) out.push(...changeAnnotations(r.traffic, 'traffic'));
  if (r.space.skipped === undefined) out.push(...changeAnnotations(r.space, 'space'));
  for (const f of newlyFailing(r.invariants)) {
    const c = f.result.counterexample;
    const detail = c === undefined ? '' : `: ${c.violation}; reproduce: ${c.command}`;
    out.push({ level: 'error', title: `${f.result.rule} ${statusText(f)}`, file: f.result.source.file, line: f.result.source.line, message: `${f.result.rule} ${statusText(f)}${detail}` });
  }
  return out;
}
