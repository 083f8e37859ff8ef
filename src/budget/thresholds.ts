// Threshold crossings on the committed figure, reported once per bucket, window and threshold however many
// processes settle into the bucket: the ledger's `markThreshold` is the arbiter. `alert` thresholds exist for
// this event; `downgrade` and `deny` act through the next decision's budget state and are reported too, so the
// log shows when a budget started to bite.
import { percentUsed } from '../engine/index.js';
import type { BudgetThreshold } from '../policy/generated/policy.js';
import type { BudgetPlan, PlannedBudget } from './budget-plan.js';
import type { BucketUsage, Ledger, Micros } from './ledger.js';
import { fromMicros } from './money.js';

export type ThresholdAction = 'alert' | 'downgrade' | 'deny';

export interface ThresholdEvent {
  readonly budget: string;
  readonly rule: string;
  readonly bucket: string;
  readonly window: BucketUsage['window'];
  /** ISO 8601 start of the window (UTC). */
  readonly windowStart: string;
  readonly atPercent: number;
  readonly action: ThresholdAction;
  readonly committedUsd: number;
  readonly limitUsd: number;
  /** Committed spend as a percent of the limit. */
  readonly percentUsed: number;
}

export interface ThresholdLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A threshold a settlement's bucket has reached, not yet known to be marked. */
interface Crossing {
  readonly b: BucketUsage & { readonly limitMicros: Micros };
  readonly budget: PlannedBudget;
  readonly t: BudgetThreshold;
  readonly pct: number;
  /** The crossing's key in `marked`. */
  readonly id: string;
}

/** Known-marked crossings kept in memory so a bucket past its threshold does not ask the ledger on every settle. */
const MEMORY_LIMIT = 10_000;

export class ThresholdWatch {
  /** Events emitted by this process, per action. */
  readonly counts: Record<ThresholdAction, number> = { alert: 0, downgrade: 0, deny: 0 };
  private readonly marked = new Set<string>();

  constructor(
    private readonly ledger: Ledger,
    private readonly log: ThresholdLog,
    private readonly onEvent?: (event: ThresholdEvent) => void,
  ) {}

  /**
   * Checks the buckets a settlement returned; emits each crossing the ledger has not seen before. Undefined (no
   * promise) when there is none to ask the ledger about, as for nearly every settlement.
   */
  check(plan: BudgetPlan, buckets: readonly (BucketUsage & { readonly limitMicros: Micros })[]): Promise<void> | undefined {
    let crossed: Crossing[] | undefined;
    for (const b of buckets) {
      const budget = plan.budget(b.budget);
      if (budget === undefined || b.limitMicros <= 0) continue;
      const pct = percentUsed(b.committedMicros, b.limitMicros);
      for (const t of budget.thresholds) {
        if (!(t.atPercent <= pct)) continue;
        const id = `${b.budget}\u0000${b.bucket}\u0000${b.window}\u0000${b.windowStart}\u0000${t.atPercent}`;
        if (!this.marked.has(id)) (crossed ??= []).push({ b, budget, t, pct, id });
      }
    }
    return crossed === undefined ? undefined : this.mark(crossed);
  }

  /** Asks the ledger about each crossing in turn (the first process to mark one emits it). */
  private async mark(crossed: readonly Crossing[]): Promise<void> {
    for (const { b, budget, t, pct, id } of crossed) {
      if (this.marked.has(id)) continue;
      const first = await this.ledger.markThreshold(b, t.atPercent);
      if (this.marked.size >= MEMORY_LIMIT) this.marked.clear();
      this.marked.add(id);
      if (!first) continue;
      const event: ThresholdEvent = {
        budget: b.budget,
        rule: budget.rule,
        bucket: b.bucket,
        window: b.window,
        windowStart: new Date(b.windowStart).toISOString(),
        atPercent: t.atPercent,
        action: t.action,
        committedUsd: fromMicros(b.committedMicros),
        limitUsd: fromMicros(b.limitMicros),
        percentUsed: pct,
      };
      this.counts[t.action] += 1;
      this.log.warn({ event: 'budget_threshold', ...event }, `budget \`${b.budget}\` crossed ${t.atPercent}% (${t.action}) for bucket \`${b.bucket}\``);
      if (this.onEvent !== undefined) {
        try {
          this.onEvent(event);
        } catch (err) {
          this.log.error({ err }, 'the onThreshold hook threw');
        }
      }
    }
  }
}
