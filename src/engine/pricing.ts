// The one pricing formula and the one way to read a budget's percent used, shared by the engine, the reference
// evaluator, the budget ledger and the dry-run cost estimates.
import type { ModelSpec } from '../policy/generated/policy.js';
import type { PolicySet } from '../policy/model.js';
import type { BudgetState } from './types.js';

/** USD cost of `promptTokens` in and `outputTokens` out at the model's list prices (USD per million tokens). */
export function estimateCostUsd(model: ModelSpec, promptTokens: number, outputTokens: number): number {
  return (promptTokens * model.pricing.inputPerMTok) / 1e6 + (outputTokens * model.pricing.outputPerMTok) / 1e6;
}

/**
 * Worst-case cost in integer micro-dollars, as the ledger reserves it: tokens × USD-per-MTok is exactly
 * micro-dollars, rounded up once (the `- 1e-9` keeps an exact product from rounding up by float noise).
 */
export function costMicros(model: ModelSpec, promptTokens: number, outputTokens: number): number {
  return Math.ceil(promptTokens * model.pricing.inputPerMTok + outputTokens * model.pricing.outputPerMTok - 1e-9);
}

/**
 * Whether a reservation of this worst case does not fit what is left of the limit, compared in micro-dollars as
 * the ledger does (in USD, 0.3 − 0.022 is 0.27799999999999997, and a reservation that fits exactly was refused).
 */
export function overBudget(model: ModelSpec, promptTokens: number, outputTokens: number, usedUsd: number, limitMicros: number): boolean {
  return costMicros(model, promptTokens, outputTokens) + usdToMicros(usedUsd) > limitMicros;
}

/** USD as integer micro-dollars (the ledger's unit). */
export const usdToMicros = (usd: number): number => Math.round(usd * 1e6);

/** Input + output price per million tokens: what `strategy: cheapest` sorts by. */
export const pricePerMTok = (model: ModelSpec): number => model.pricing.inputPerMTok + model.pricing.outputPerMTok;

/**
 * Percent of `limitUsd` that `usedUsd` represents, rounded to a millionth of a percent so that a state built
 * from percentages (tests, `explain --budgets`) lands exactly on the threshold it names: 80% of a limit stored
 * as USD and divided back is 80.00000000000001 or 79.99999999999999 otherwise.
 */
export function percentUsed(usedUsd: number, limitUsd: number): number {
  return Math.round((usedUsd / limitUsd) * 100 * 1e6) / 1e6;
}

/**
 * A budget state from percentages per Budget name, applied to whatever bucket a request falls in (how Test
 * documents and `explain --budgets` state spend). Budgets not named have spent nothing; names that are not
 * Budgets of the policy are ignored.
 */
export function budgetStateFromPercents(policy: PolicySet, percents: Readonly<Record<string, number | undefined>>): BudgetState {
  const used = new Map<string, number>();
  for (const [name, pct] of Object.entries(percents)) {
    const budget = policy.budgets.get(name);
    if (budget && pct !== undefined && Number.isFinite(pct)) used.set(name, (pct / 100) * budget.spec.limitUsd);
  }
  return { usedUsd: (budget) => used.get(budget) ?? 0 };
}
