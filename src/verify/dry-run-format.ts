// The dry-run report as text (terminals), markdown (job summaries, PR comments) or JSON (machines).
import type { DryRunReport } from './dry-run.js';
import { code, fmtCount, fmtShare, fmtUsd, markdownTable, plural, textTable } from './present.js';
import { describeDays, describeOutput } from './traffic-cost.js';

export interface DryRunSubject {
  /** The policy directory as the user named it. */
  readonly policy: string;
  /** The traffic file as the user named it. */
  readonly traffic: string;
}

const NUMERIC = new Set([2, 3, 4]);

function headline(r: DryRunReport): string {
  return `${plural(r.requests, 'request')}: ${fmtCount(r.routed)} routed (${fmtShare(r.requests === 0 ? 0 : r.routed / r.requests)}), ${fmtCount(r.denied)} denied (${fmtShare(r.requests === 0 ? 0 : r.denied / r.requests)}); est. ${fmtUsd(r.cost.perDayUsd)}/day`;
}

function recordedLine(r: DryRunReport): string | undefined {
  const { compared, matching } = r.recorded;
  if (compared === 0) return undefined;
  return `recorded decisions: ${fmtCount(matching)} of ${fmtCount(compared)} decided alike by this policy${compared > matching ? ` (${fmtCount(compared - matching)} differ)` : ''}`;
}

const skippedLine = (r: DryRunReport): string | undefined => (r.skipped > 0 ? `skipped ${plural(r.skipped, 'bad line')} (listed on stderr)` : undefined);

export function formatDryRunText(r: DryRunReport, subject: DryRunSubject): string {
  const out = [`dry-run of ${subject.policy} (policy ${r.policyVersion}) over ${subject.traffic}`, headline(r), ''];
  if (r.routes.length > 0) {
    const rows = r.routes.map((x) => [x.route, x.model, fmtCount(x.requests), fmtShare(x.share), fmtUsd(x.costPerDayUsd)]);
    out.push(...textTable(['route', 'model', 'requests', 'share', 'est. cost/day'], rows, NUMERIC), '');
  }
  if (r.denials.length > 0) {
    const rows = r.denials.flatMap((d) => [
      [d.code, '', fmtCount(d.requests), fmtShare(d.share)],
      ...d.rules.map((x) => ['', x.rule || '(no rule)', fmtCount(x.requests), fmtShare(r.requests === 0 ? 0 : x.requests / r.requests)]),
    ]);
    out.push('denials', ...textTable(['code', 'rule', 'requests', 'share'], rows, new Set([2, 3])), '');
  }
  out.push(`estimated cost: ${fmtUsd(r.cost.totalUsd)} in total, ${fmtUsd(r.cost.perDayUsd)} per day`);
  out.push(describeDays(r.cost.days));
  out.push(describeOutput(r.cost.output));
  const recorded = recordedLine(r);
  if (recorded !== undefined) out.push(recorded);
  for (const m of r.recorded.mismatches) out.push(`  line ${m.line}: recorded ${JSON.stringify(m.recorded)}, decided ${JSON.stringify(m.decided)}`);
  const skipped = skippedLine(r);
  if (skipped !== undefined) out.push(skipped);
  return `${out.join('\n')}\n`;
}

export function formatDryRunMarkdown(r: DryRunReport, subject: DryRunSubject): string {
  const out = [
    '### Switchyard dry-run',
    '',
    `**${headline(r)}**`,
    '',
    `Policy ${code(subject.policy)} (version ${code(r.policyVersion)}) over ${code(subject.traffic)}.`,
    '',
  ];
  if (r.routes.length > 0) {
    const rows = r.routes.map((x) => [code(x.route), code(x.model), fmtCount(x.requests), fmtShare(x.share), fmtUsd(x.costPerDayUsd)]);
    out.push('#### Where requests go', '', ...markdownTable(['route', 'model', 'requests', 'share', 'est. cost/day'], rows, NUMERIC), '');
  }
  if (r.denials.length > 0) {
    const rows = r.denials.flatMap((d) => d.rules.map((x) => [code(d.code), x.rule === '' ? '' : code(x.rule), fmtCount(x.requests), fmtShare(r.requests === 0 ? 0 : x.requests / r.requests)]));
    out.push('#### Denials', '', ...markdownTable(['code', 'rule', 'requests', 'share'], rows, new Set([2, 3])), '');
  }
  out.push('#### Estimated cost', '', `${fmtUsd(r.cost.totalUsd)} in total, **${fmtUsd(r.cost.perDayUsd)} per day**.`, '');
  out.push(`- ${describeDays(r.cost.days)}`, `- ${describeOutput(r.cost.output)}`);
  const recorded = recordedLine(r);
  if (recorded !== undefined) out.push(`- ${recorded}`);
  const skipped = skippedLine(r);
  if (skipped !== undefined) out.push(`- ${skipped}`);
  return `${out.join('\n')}\n`;
}

export function formatDryRunJson(r: DryRunReport, subject: DryRunSubject): string {
  return `${JSON.stringify({ policy: subject.policy, traffic: subject.traffic, ...r }, null, 2)}\n`;
}
