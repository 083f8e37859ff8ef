// The spend report of `switchyard spend` and `GET /admin/spend`: for every Budget of the policy, its current
// window and each bucket's committed and reserved spend, percent used and the thresholds crossed. Percent used
// is (committed + reserved) ÷ limit, the figure decisions act on. Buckets the policy names (each covered team
// for `per: team`, each of their keys for `per: key`, `*` for `per: shared`) are listed even at zero; buckets
// the ledger holds beyond those (a key since removed) are listed too.
import { percentUsed, teamConditionsHold } from '../engine/index.js';
import type { BudgetThreshold } from '../policy/generated/policy.js';
import type { PolicySet } from '../policy/model.js';
import { planOf, type PlannedBudget } from './budget-plan.js';
import type { BucketUsage, Ledger, Micros } from './ledger.js';
import { usdDecimals } from '../verify/present.js';
import { fromMicros } from './money.js';
import { windowEnd, windowStart } from './window.js';

export interface BucketSpend {
  readonly bucket: string;
  readonly committedMicros: Micros;
  readonly reservedMicros: Micros;
  readonly committedUsd: number;
  readonly reservedUsd: number;
  readonly remainingUsd: number;
  readonly percentUsed: number;
  readonly thresholdsCrossed: readonly BudgetThreshold[];
}

export interface BudgetSpend {
  readonly budget: string;
  readonly per: PlannedBudget['per'];
  readonly window: PlannedBudget['window'];
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly limitUsd: number;
  readonly enforcement: 'enforce' | 'monitor';
  readonly buckets: readonly BucketSpend[];
}

export interface SpendReport {
  /** When the figures were read (ISO 8601). */
  readonly at: string;
  readonly ledger: Ledger['kind'];
  readonly policyVersion: string;
  readonly budgets: readonly BudgetSpend[];
}

/** The buckets the policy itself names for a budget, in team and key declaration order. */
function namedBuckets(policy: PolicySet, b: PlannedBudget): string[] {
  if (b.per === 'shared') return ['*'];
  // INVARIANT: the plan's budgets are the policy's.
  const match = policy.budgets.get(b.name)!.spec.match;
  const out: string[] = [];
  for (const team of policy.teams.values()) {
    if (!teamConditionsHold(match, team)) continue;
    if (b.per === 'team') out.push(team.name);
    else for (const key of team.spec.keys ?? []) out.push(key.id);
  }
  return out;
}

function bucketSpend(b: PlannedBudget, bucket: string, committed: Micros, reserved: Micros): BucketSpend {
  const pct = percentUsed(committed + reserved, b.limitMicros);
  return {
    bucket,
    committedMicros: committed,
    reservedMicros: reserved,
    committedUsd: fromMicros(committed),
    reservedUsd: fromMicros(reserved),
    remainingUsd: fromMicros(Math.max(0, b.limitMicros - committed - reserved)),
    percentUsed: pct,
    thresholdsCrossed: b.thresholds.filter((t) => t.atPercent <= pct),
  };
}

/** Reads the ledger once (`listCurrent`) and reports every budget of the policy at `now`. */
export async function spendReport(policy: PolicySet, ledger: Ledger, now: number): Promise<SpendReport> {
  const rows = await ledger.listCurrent(now);
  const byBudget = new Map<string, BucketUsage[]>();
  for (const row of rows) {
    const list = byBudget.get(row.budget);
    if (list === undefined) byBudget.set(row.budget, [row]);
    else list.push(row);
  }
  const budgets = planOf(policy).budgets.map((b): BudgetSpend => {
    const start = windowStart(b.window, now);
    const current = new Map<string, BucketUsage>();
    // A budget whose window was changed in the policy leaves rows of the old window behind: not this window's.
    for (const row of byBudget.get(b.name) ?? []) if (row.window === b.window && row.windowStart === start) current.set(row.bucket, row);
    const names = namedBuckets(policy, b);
    for (const bucket of current.keys()) if (!names.includes(bucket)) names.push(bucket);
    return {
      budget: b.name,
      per: b.per,
      window: b.window,
      windowStart: new Date(start).toISOString(),
      windowEnd: new Date(windowEnd(b.window, now)).toISOString(),
      limitUsd: b.limitUsd,
      enforcement: b.enforce ? 'enforce' : 'monitor',
      buckets: names.map((bucket) => {
        const row = current.get(bucket);
        return bucketSpend(b, bucket, row?.committedMicros ?? 0, row?.reservedMicros ?? 0);
      }),
    };
  });
  return { at: new Date(now).toISOString(), ledger: ledger.kind, policyVersion: policy.version.id, budgets };
}

/** Cents from a dollar up; small amounts (one request's cost) keep four decimals, more below a cent. JSON has the exact figures. */
export const money = (usd: number): string => `$${usd.toFixed(usd === 0 || usd >= 1 ? 2 : usdDecimals(usd, 4))}`;

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const right = new Set([1, 2, 3, 4]);
  return rows.map((r) => r.map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** The text form: one block per budget, one row per bucket. */
export function formatSpendText(report: SpendReport): string {
  const out: string[] = [`spend at ${report.at} (policy ${report.policyVersion}, ${report.ledger} ledger)`];
  for (const b of report.budgets) {
    const day = (iso: string): string => (b.window === 'hour' ? iso.slice(0, 16).replace('T', ' ') : iso.slice(0, 10));
    out.push('');
    out.push(`${b.budget}: ${money(b.limitUsd)} per ${b.window}, ${b.per === 'shared' ? 'shared' : `per ${b.per}`}, ${day(b.windowStart)} to ${day(b.windowEnd)} UTC${b.enforcement === 'monitor' ? ' (monitor)' : ''}`);
    if (b.buckets.length === 0) {
      out.push('  no buckets: no team is covered');
      continue;
    }
    const rows = [['bucket', 'committed', 'reserved', 'left', 'used', 'crossed']];
    for (const k of b.buckets) {
      const crossed = k.thresholdsCrossed.map((t) => `${t.action} at ${t.atPercent}%`).join(', ');
      rows.push([k.bucket, money(k.committedUsd), money(k.reservedUsd), money(k.remainingUsd), `${k.percentUsed.toFixed(1)}%`, crossed === '' ? '-' : crossed]);
    }
    for (const line of table(rows)) out.push(`  ${line}`);
  }
  return `${out.join('\n')}\n`;
}
