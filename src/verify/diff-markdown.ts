// The diff as a pull-request comment / job summary: the headline, tables of changed decisions, a Mermaid
// flowchart of the moves (old → new route and model, with counts), the cost delta and failing invariants.
import type { Side } from './decision-side.js';
import { newlyFailing, type ChangeSummary, type DenialChange, type DiffReport, type Move } from './diff.js';
import { diffHeadline, hasSplitClasses, moveEnds, SPLIT_NOTE, statusText } from './diff-report.js';
import { code, fmtCount, fmtShare, fmtUsd, fmtUsdDelta, markdownTable, plural, share } from './present.js';
import { explainCommand } from './reproduce.js';
import { describeDays, describeOutput } from './traffic-cost.js';

/** Edges drawn at most; smaller moves are listed in the tables only. */
const MAX_EDGES = 15;
const MAX_ROWS = 25;

/** `requests` → `request`, `classes` → `class`. */
const singular = (unit: string): string => unit.replace(/(ss)es$|s$/, '$1');

const mermaidText = (s: string): string => s.replace(/"/g, '#quot;');

function nodeLabel(side: Side): string {
  return side.kind === 'route' ? `${side.model}<br/>${side.route}` : `denied: ${side.code}<br/>${side.rule}`;
}

/** A flowchart of the largest moves; a route/model that both loses and gains requests is one node. */
export function mermaidMoves(moves: readonly Move[], unit: string, limit = MAX_EDGES): string[] {
  const ids = new Map<string, string>();
  const nodes: string[] = [];
  const id = (side: Side): string => {
    const label = nodeLabel(side);
    let found = ids.get(label);
    if (found === undefined) {
      found = `n${ids.size}`;
      ids.set(label, found);
      // Denials are drawn as hexagons so they stand out from routes.
      nodes.push(side.kind === 'route' ? `  ${found}["${mermaidText(label)}"]` : `  ${found}{{"${mermaidText(label)}"}}`);
    }
    return found;
  };
  const edges = moves.slice(0, limit).map((m) => `  ${id(m.from)} -->|"${plural(m.count, singular(unit), unit)} (${fmtShare(m.share)})"| ${id(m.to)}`);
  return ['```mermaid', 'flowchart LR', ...nodes, ...edges, '```'];
}

function movesTable(s: ChangeSummary, unit: string): string[] {
  const rows = s.moves.slice(0, MAX_ROWS).map((m) => {
    const [from, to] = moveEnds(m, 'markdown');
    const teams = m.teams.map((t) => `${t.team} ${fmtShare(t.teamShare)}`).join(', ');
    return [from, to, fmtCount(m.count), fmtShare(m.share), teams];
  });
  const out = markdownTable(['from', 'to', unit, 'share', 'of each team'], rows, new Set([2, 3]));
  if (s.moves.length > MAX_ROWS) out.push('', `…and ${plural(s.moves.length - MAX_ROWS, 'smaller change')}.`);
  return out;
}

function denialsTable(title: string, rows: readonly DenialChange[], unit: string): string[] {
  if (rows.length === 0) return [];
  const body = rows.map((d) => [code(d.code), d.rule === '' ? '' : code(d.rule), fmtCount(d.count), fmtShare(d.share)]);
  return [`**${title}**`, '', ...markdownTable(['code', 'rule', unit, 'share'], body, new Set([2, 3])), ''];
}

function changes(s: ChangeSummary, unit: string): string[] {
  const out: string[] = [];
  const fallbacks = s.fallbacksChanged > 0 ? ` ${plural(s.fallbacksChanged, singular(unit), unit)} keep their primary but change fallbacks.` : '';
  if (s.changed === 0) return [`No decision changes.${fallbacks}`, ''];
  out.push(`${fmtCount(s.changed)} of ${fmtCount(s.compared)} ${unit} (${fmtShare(share(s.changed, s.compared))}) change route, model or denial.${fallbacks}`, '');
  if (hasSplitClasses(s)) out.push(`${SPLIT_NOTE.charAt(0).toUpperCase()}${SPLIT_NOTE.slice(1)}.`, '');
  out.push(...movesTable(s, unit), '', ...mermaidMoves(s.moves, unit), '');
  out.push(...denialsTable('Newly denied', s.newlyDenied, unit), ...denialsTable('Newly allowed (denied by the base)', s.newlyAllowed, unit));
  return out;
}

export function formatDiffMarkdown(r: DiffReport): string {
  const out = ['### Switchyard policy diff', '', `**${diffHeadline(r, 'markdown')}**`, ''];
  out.push(`Base ${code(r.base.label)} (policy ${code(r.base.version)}) → head ${code(r.head.label)} (policy ${code(r.head.version)}).`, '');
  const t = r.traffic;
  if (t !== undefined) {
    const skipped = t.skipped > 0 ? `, ${plural(t.skipped, 'bad line')} skipped` : '';
    out.push(`#### Recorded traffic: ${code(t.label)} (${plural(t.compared, 'request')}${skipped})`, '', ...changes(t, 'requests'));
    const c = t.cost;
    const pct = c.basePerDayUsd > 0 ? ` (${c.deltaPerDayUsd >= 0 ? '+' : ''}${((c.deltaPerDayUsd / c.basePerDayUsd) * 100).toFixed(1)}%)` : '';
    out.push('#### Estimated cost', '');
    out.push(...markdownTable(['', 'per day', 'over the sample'], [
      ['base', fmtUsd(c.basePerDayUsd), fmtUsd(c.baseUsd)],
      ['head', fmtUsd(c.headPerDayUsd), fmtUsd(c.headUsd)],
      ['change', `**${fmtUsdDelta(c.deltaPerDayUsd)}**${pct}`, fmtUsdDelta(c.headUsd - c.baseUsd)],
    ], new Set([1, 2])));
    out.push('', `List prices of each decision's primary model; ${describeDays(c.days)}; ${describeOutput(c.output)}.`, '');
  }
  if (r.space.skipped !== undefined) out.push('#### Request space', '', `Not compared: ${r.space.skipped}.`, '');
  else {
    out.push(`#### Request space (${plural(r.space.compared, 'request class', 'request classes')}, both versions, nothing spent)`, '', ...changes(r.space, 'classes'));
    const c = r.space.cost;
    if (c.changedClasses > 0) {
      out.push(`**Estimated cost per request** over the ${plural(c.changedClasses, 'changed class', 'changed classes')}, unweighted by traffic (each class once, its prompt size, output at max tokens):`, '');
      out.push(...markdownTable(['', 'mean per request'], [['base', fmtUsd(c.meanBaseUsd)], ['head', fmtUsd(c.meanHeadUsd)], ['change', `**${fmtUsdDelta(c.meanDeltaUsd)}**`]], new Set([1])));
      out.push('', `${fmtCount(c.dearer)} classes dearer, ${fmtCount(c.cheaper)} cheaper.`, '');
    }
    const examples = r.space.moves.slice(0, 5);
    if (examples.length > 0) {
      out.push('<details><summary>Reproduce an example of each change</summary>', '', '```sh');
      for (const m of examples) out.push(`# ${moveEnds(m, 'text').join(' → ')}`, explainCommand(r.head.label, m.example.ctx, {}));
      out.push('```', '', '</details>', '');
    }
  }
  const inv = r.invariants;
  out.push('#### Invariants', '');
  if (inv.failing.length === 0) out.push(`All ${fmtCount(inv.checked)} invariants of the head hold.`, '');
  else {
    const newly = newlyFailing(inv).length;
    out.push(`${fmtCount(inv.passing)} of ${fmtCount(inv.checked)} hold; ${newly === 0 ? 'none newly fails' : `${plural(newly, 'newly failing', 'newly failing')}`}.`, '');
    const rows = inv.failing.map((f) => [code(f.result.rule), `${f.result.source.file}:${f.result.source.line}`, statusText(f), f.result.counterexample?.violation ?? '']);
    out.push(...markdownTable(['invariant', 'at', 'status', 'violation'], rows), '');
    const commands = inv.failing.flatMap((f) => (f.result.counterexample === undefined ? [] : [f.result.counterexample.command]));
    if (commands.length > 0) out.push('```sh', ...commands, '```', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
