// The diff as one headline ("moves 12% of support traffic from A to B, est. +$41/day, denies nothing new"),
// as text for terminals and as JSON for machines. Markdown (PR comments) is in diff-markdown.ts.
import { sideLabel } from './decision-side.js';
import type { SpaceCostDelta } from './space-cost.js';
import { diffSignals, newlyFailing, type ChangeSummary, type DenialChange, type DiffReport, type InvariantChange, type Move } from './diff.js';
import { fmtCount, fmtShare, fmtUsd, fmtUsdDelta, plural, share, textTable } from './present.js';
import { explainCommand } from './reproduce.js';
import { describeDays, describeOutput } from './traffic-cost.js';

export type Style = 'text' | 'markdown';

/** Both ends of a move; the route is named only when it changes. */
export function moveEnds(m: Move, style: Style): [string, string] {
  const q = (s: string): string => (style === 'markdown' ? `\`${s}\`` : s);
  if (m.from.kind === 'route' && m.to.kind === 'route' && m.from.route === m.to.route) return [q(m.from.model), q(m.to.model)];
  return [sideLabel(m.from, style), sideLabel(m.to, style)];
}

function moveText(m: Move, style: Style): string {
  const [from, to] = moveEnds(m, style);
  const only = m.teams.length === 1 ? m.teams[0] : undefined;
  const amount = only === undefined ? `${fmtShare(m.share)} of traffic` : `${fmtShare(only.teamShare)} of ${only.team} traffic`;
  return `moves ${amount} from ${from} to ${to}`;
}

const sum = (rows: readonly { count: number }[]): number => rows.reduce((n, r) => n + r.count, 0);

/** What was compared: recorded requests, or classes of the request space (which have no traffic shares). */
interface Unit {
  readonly kind: 'traffic' | 'space';
  readonly one: string;
  readonly many: string;
}
const REQUESTS: Unit = { kind: 'traffic', one: 'recorded request', many: 'recorded requests' };
const CLASSES: Unit = { kind: 'space', one: 'request class', many: 'request classes' };

function denialText(s: ChangeSummary, unit: Unit): string[] {
  const [one, many] = unit.kind === 'traffic' ? ['request', 'requests'] : [unit.one, unit.many];
  const denied = sum(s.newlyDenied);
  const allowed = sum(s.newlyAllowed);
  const out = [denied === 0 ? 'denies nothing new' : `newly denies ${plural(denied, one, many)} (${fmtShare(share(denied, s.compared))})`];
  if (allowed > 0) out.push(`newly allows ${plural(allowed, one, many)}`);
  return out;
}

function changeText(s: ChangeSummary, unit: Unit, style: Style): string {
  if (s.changed === 0) {
    const fallbacks = s.fallbacksChanged > 0 ? ` (${fmtCount(s.fallbacksChanged)} change only their fallbacks)` : '';
    return `changes no decision on ${plural(s.compared, unit.one, unit.many)}${fallbacks}`;
  }
  const top = s.moves.find((m) => m.from.kind === 'route' && m.to.kind === 'route');
  if (unit.kind === 'space') {
    const largest = top === undefined ? '' : ` (the most: ${plural(top.count, unit.one, unit.many)} from ${moveEnds(top, style).join(' to ')})`;
    return `changes ${fmtCount(s.changed)} of ${plural(s.compared, unit.one, unit.many)}${largest}`;
  }
  if (top === undefined) return `changes ${fmtShare(share(s.changed, s.compared))} of decisions (${plural(s.changed, unit.one, unit.many)})`;
  const rest = s.moves.filter((m) => m !== top);
  const others = rest.length === 0 ? '' : ` (and ${plural(rest.length, 'other change')}, ${fmtShare(share(sum(rest), s.compared))})`;
  return `${moveText(top, style)}${others}`;
}

/** The request space's cost delta in one line: a mean per request over the classes that changed, unweighted. */
export function spaceCostLine(c: SpaceCostDelta): string | undefined {
  if (c.changedClasses === 0) return undefined;
  const spread = `${fmtCount(c.dearer)} dearer, ${fmtCount(c.cheaper)} cheaper`;
  return `estimated cost per request, mean over the ${plural(c.changedClasses, 'changed class', 'changed classes')} (unweighted by traffic; prompt at each class's size, output at max tokens): base ${fmtUsd(c.meanBaseUsd)}, head ${fmtUsd(c.meanHeadUsd)}, change ${fmtUsdDelta(c.meanDeltaUsd)} (${spread})`;
}

/** One sentence for the top of a PR comment. */
export function diffHeadline(r: DiffReport, style: Style = 'text'): string {
  const parts: string[] = [];
  const space = r.space.skipped === undefined ? r.space : undefined;
  if (r.traffic !== undefined) {
    parts.push(changeText(r.traffic, REQUESTS, style));
    if (r.traffic.changed === 0 && space !== undefined && space.changed > 0) parts.push(`but ${plural(space.changed, 'request class', 'request classes')} outside the sample change`);
    parts.push(`est. ${fmtUsdDelta(r.traffic.cost.deltaPerDayUsd)}/day`);
    const deny = denialText(r.traffic, REQUESTS);
    const deniedClasses = space === undefined ? 0 : sum(space.newlyDenied);
    // A sample is not the whole space: a denial only the space shows must not read as "denies nothing new".
    if (sum(r.traffic.newlyDenied) === 0 && deniedClasses > 0) deny[0] = `denies no recorded request but ${plural(deniedClasses, 'request class', 'request classes')} outside the sample`;
    parts.push(...deny);
  } else if (space !== undefined) {
    parts.push(changeText(space, CLASSES, style));
    if (space.cost.changedClasses > 0) parts.push(`est. ${fmtUsdDelta(space.cost.meanDeltaUsd)} per request on the changed classes (unweighted)`);
    parts.push(...denialText(space, CLASSES));
  } else {
    parts.push('no traffic given and the request space is too large to compare');
  }
  const failing = newlyFailing(r.invariants).length;
  if (failing > 0) parts.push(`${plural(failing, 'invariant')} newly ${failing === 1 ? 'fails' : 'fail'}`);
  return parts.join(', ');
}

export const statusText = (c: InvariantChange): string =>
  c.status === 'new' ? 'new invariant, fails' : c.status === 'regressed' ? 'newly fails (holds on the base)' : 'fails on the base too';

function movesTable(s: ChangeSummary, unit: string): string[] {
  const rows = s.moves.map((m) => {
    const [from, to] = moveEnds(m, 'text');
    const teams = m.teams.map((t) => `${t.team} ${fmtShare(t.teamShare)}`).join(', ');
    return [from, to, fmtCount(m.count), fmtShare(m.share), teams];
  });
  return textTable(['from', 'to', unit, 'share', 'of each team'], rows, new Set([2, 3])).map((l) => `  ${l}`);
}

function denialsTable(title: string, rows: readonly DenialChange[], unit: string): string[] {
  if (rows.length === 0) return [];
  const body = rows.map((d) => [d.code, d.rule, fmtCount(d.count), fmtShare(d.share)]);
  return [`  ${title}`, ...textTable(['code', 'rule', unit, 'share'], body, new Set([2, 3])).map((l) => `    ${l}`)];
}

/** Whether a weighted route split a class: its moves then count shares of the class's requests. */
export const hasSplitClasses = (s: ChangeSummary): boolean => !Number.isInteger(s.changed) || !Number.isInteger(s.fallbacksChanged);

export const SPLIT_NOTE = 'a class on a weighted route counts by the share of its requests that moves (the weight that changed hands)';

function summaryLines(s: ChangeSummary, unit: string): string[] {
  const out = [`  changed: ${fmtCount(s.changed)} (${fmtShare(share(s.changed, s.compared))})${s.fallbacksChanged > 0 ? `; ${fmtCount(s.fallbacksChanged)} more change only their fallbacks` : ''}`];
  if (hasSplitClasses(s)) out.push(`  ${SPLIT_NOTE}`);
  if (s.moves.length > 0) out.push(...movesTable(s, unit));
  out.push(...denialsTable('newly denied', s.newlyDenied, unit), ...denialsTable('newly allowed (base denial)', s.newlyAllowed, unit));
  return out;
}

export function formatDiffText(r: DiffReport): string {
  const out = [`diff: base ${r.base.label} (policy ${r.base.version}) → head ${r.head.label} (policy ${r.head.version})`, diffHeadline(r, 'text'), ''];
  const t = r.traffic;
  if (t !== undefined) {
    out.push(`recorded traffic: ${t.label}, ${plural(t.compared, 'request')}${t.skipped > 0 ? ` (${plural(t.skipped, 'bad line')} skipped)` : ''}`);
    out.push(...summaryLines(t, 'requests'));
    for (const m of t.moves.slice(0, 5)) if (m.example.line !== undefined) out.push(`  e.g. line ${m.example.line}: ${moveEnds(m, 'text').join(' → ')}`);
    const c = t.cost;
    out.push(`  estimated cost per day: base ${fmtUsd(c.basePerDayUsd)}, head ${fmtUsd(c.headPerDayUsd)}, change ${fmtUsdDelta(c.deltaPerDayUsd)}`);
    out.push(`  ${describeDays(c.days)}`, `  ${describeOutput(c.output)}`, '');
  }
  if (r.space.skipped !== undefined) out.push(`request space: not compared (${r.space.skipped})`, '');
  else {
    out.push(`request space: ${plural(r.space.compared, 'request class', 'request classes')} (both versions' classes, nothing spent)`);
    out.push(...summaryLines(r.space, 'classes'));
    const sc = spaceCostLine(r.space.cost);
    if (sc !== undefined) out.push(`  ${sc}`);
    for (const m of r.space.moves.slice(0, 5)) out.push(`  e.g. ${explainCommand(r.head.label, m.example.ctx, {})}`);
    out.push('');
  }
  const inv = r.invariants;
  out.push(`invariants: ${fmtCount(inv.checked)} checked on the head, ${fmtCount(inv.passing)} hold`);
  for (const f of inv.failing) {
    out.push(`  FAIL ${f.result.rule}  ${f.result.source.file}:${f.result.source.line}  ${statusText(f)}`);
    const c = f.result.counterexample;
    if (c !== undefined) out.push(`    ${c.violation}`, `    reproduce: ${c.command}`);
  }
  return `${out.join('\n')}\n`;
}

/** The report for machines: everything, plus the headline and the signals `--fail-on` reads. */
export function formatDiffJson(r: DiffReport): string {
  return `${JSON.stringify({ headline: diffHeadline(r, 'text'), signals: diffSignals(r), ...r }, null, 2)}\n`;
}
