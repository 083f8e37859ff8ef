// The spend report as a markdown table (job summaries, chat) and as GitHub workflow annotations: a summary
// line, a warning for each bucket past an alert or downgrade threshold and an error for each at a deny one.
import { workflowCommands, type Annotation } from '../verify/github.js';
import { markdownTable } from '../verify/present.js';
import { money, type BucketSpend, type SpendReport } from './spend.js';

const crossedText = (k: BucketSpend): string => k.thresholdsCrossed.map((t) => `${t.action} at ${t.atPercent}%`).join(', ');

export function formatSpendMarkdown(report: SpendReport): string {
  const out = ['### Switchyard spend', '', `At ${report.at}, policy \`${report.policyVersion}\`, ${report.ledger} ledger.`, ''];
  const rows = report.budgets.flatMap((b) =>
    b.buckets.map((k) => [
      `\`${b.budget}\`${b.enforcement === 'monitor' ? ' (monitor)' : ''}`,
      `${money(b.limitUsd)} / ${b.window}`,
      `\`${k.bucket}\``,
      money(k.committedUsd),
      money(k.reservedUsd),
      money(k.remainingUsd),
      `${k.percentUsed.toFixed(1)}%`,
      crossedText(k) || '-',
    ]),
  );
  if (rows.length === 0) out.push('No budget covers any bucket.');
  else out.push(...markdownTable(['budget', 'limit', 'bucket', 'committed', 'reserved', 'left', 'used', 'crossed'], rows, new Set([3, 4, 5, 6])));
  const uncovered = report.budgets.filter((b) => b.buckets.length === 0).map((b) => `\`${b.budget}\``);
  if (rows.length > 0 && uncovered.length > 0) out.push('', `No buckets (no team covered): ${uncovered.join(', ')}.`);
  return `${out.join('\n')}\n`;
}

export function spendAnnotations(report: SpendReport): Annotation[] {
  const buckets = report.budgets.reduce((n, b) => n + b.buckets.length, 0);
  const out: Annotation[] = [{ level: 'notice', title: 'Switchyard spend', message: `${report.budgets.length} budgets, ${buckets} buckets at ${report.at} (policy ${report.policyVersion}, ${report.ledger} ledger)` }];
  for (const b of report.budgets) {
    for (const k of b.buckets) {
      const top = k.thresholdsCrossed.at(-1);
      if (top === undefined) continue;
      const monitor = b.enforcement === 'monitor' ? ' (monitor: recorded, not enforced)' : '';
      out.push({
        level: top.action === 'deny' ? 'error' : 'warning',
        title: `Budget ${b.budget}: ${top.action} at ${top.atPercent}%`,
        message: `${k.bucket} has used ${k.percentUsed.toFixed(1)}% of ${money(b.limitUsd)} per ${b.window} (${money(k.committedUsd)} committed, ${money(k.reservedUsd)} reserved); crossed ${crossedText(k)}${monitor}`,
      });
    }
  }
  return out;
}

export const formatSpendGithub = (report: SpendReport): string => workflowCommands(spendAnnotations(report));
