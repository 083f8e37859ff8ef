// Estimated cost of replayed traffic: the tokens a record stands for, priced at the primary candidate's list
// prices with the engine's one formula, and the number of days the totals are divided by.
import { estimateCostUsd, type Decision } from '../engine/index.js';
import type { PolicySet } from '../policy/model.js';
import { assertNever, fmtCount } from './present.js';
import type { TrafficRecord } from './traffic.js';

/** Where a record's output token count came from. */
export type OutputSource = 'usage' | 'maxTokens' | 'none';

export interface RecordTokens {
  readonly input: number;
  readonly output: number;
  readonly outputSource: OutputSource;
}

/** Input: usage.inputTokens, else the context's promptTokens, else 0. Output: usage.outputTokens, else maxTokens, else 0. */
export function recordTokens(record: TrafficRecord): RecordTokens {
  const input = record.usage?.inputTokens ?? record.ctx.promptTokens ?? 0;
  const recorded = record.usage?.outputTokens;
  if (recorded !== undefined) return { input, output: recorded, outputSource: 'usage' };
  if (record.ctx.maxTokens !== undefined) return { input, output: record.ctx.maxTokens, outputSource: 'maxTokens' };
  return { input, output: 0, outputSource: 'none' };
}

/** USD the decision's primary candidate would charge for these tokens; a denial costs nothing. */
export function decisionCostUsd(policy: PolicySet, decision: Decision, tokens: RecordTokens): number {
  const primary = decision.candidates[0];
  if (decision.outcome !== 'route' || primary === undefined) return 0;
  const model = policy.models.get(primary.model);
  return model === undefined ? 0 : estimateCostUsd(model.spec, tokens.input, tokens.output);
}

export interface OutputCounts {
  /** Records whose output tokens were recorded (usage.outputTokens). */
  readonly usage: number;
  /** Records priced at their requested maxTokens. */
  readonly maxTokens: number;
  /** Records with neither: priced at 0 output tokens. */
  readonly none: number;
}

export class OutputTally {
  usage = 0;
  maxTokens = 0;
  none = 0;
  add(source: OutputSource): void {
    this[source]++;
  }
  counts(): OutputCounts {
    return { usage: this.usage, maxTokens: this.maxTokens, none: this.none };
  }
}

/** What the per-day figures are divided by, and why. */
export type DayBasis =
  | { readonly kind: 'flag'; readonly days: number }
  | { readonly kind: 'time-span'; readonly days: number; readonly from: string; readonly to: string }
  | { readonly kind: 'assumed'; readonly days: 1; readonly noRecords?: true };

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Earliest and latest `time` seen. */
export class TimeSpan {
  first = Infinity;
  last = -Infinity;
  records = 0;
  /** One record, with its `time` when it has one. */
  add(ms: number | undefined): void {
    this.records++;
    if (ms === undefined) return;
    if (ms < this.first) this.first = ms;
    if (ms > this.last) this.last = ms;
  }
  /** `--days` wins; else the span of the times (at least an hour); else the file counts as one day. */
  basis(days: number | undefined): DayBasis {
    if (days !== undefined) return { kind: 'flag', days };
    if (this.records === 0) return { kind: 'assumed', days: 1, noRecords: true };
    if (this.first > this.last) return { kind: 'assumed', days: 1 };
    const span = Math.max(this.last - this.first, HOUR_MS);
    return { kind: 'time-span', days: span / DAY_MS, from: new Date(this.first).toISOString(), to: new Date(this.last).toISOString() };
  }
}

/** One line saying what a day is, for every output format. */
export function describeDays(basis: DayBasis): string {
  switch (basis.kind) {
    case 'flag':
      return `per day: totals divided by --days ${basis.days}`;
    case 'time-span': {
      const hours = basis.days * 24;
      return `per day: the traffic spans ${hours < 48 ? `${hours.toFixed(1)} h` : `${basis.days.toFixed(1)} days`} (${basis.from} to ${basis.to})`;
    }
    case 'assumed':
      if (basis.noRecords === true) return 'per day: no record was read, so the file is taken as one day';
      return 'per day: the records carry no `time`, so the file is taken as one day (use --days to say otherwise)';
    default:
      return assertNever(basis);
  }
}

export function describeOutput(counts: OutputCounts): string {
  const parts = [`${fmtCount(counts.usage)} recorded`];
  if (counts.maxTokens > 0) parts.push(`${fmtCount(counts.maxTokens)} taken from maxTokens`);
  if (counts.none > 0) parts.push(`${fmtCount(counts.none)} without an output count (priced at 0 output tokens)`);
  return `output tokens: ${parts.join(', ')}`;
}
