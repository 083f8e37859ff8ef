// The engine's public shapes. Decision and RequestContext are generated from schema/ (the contract).
export type { Candidate, Decision, Denial, TraceStep } from '../policy/generated/decision.js';
export type { RequestContext, RequestFeatures } from '../policy/generated/request-context.js';

/**
 * Spend already committed + reserved in the current window, per budget and bucket.
 * The bucket is the team name for `per: team`, the key id for `per: key`, and `*` for `per: shared`.
 * The engine turns it into percent used (thresholds) and remaining USD (reservation fit).
 */
export interface BudgetState {
  usedUsd(budget: string, bucket: string): number;
}

/** No spend anywhere: the state `decide` assumes when given none. */
export const NO_SPEND: BudgetState = { usedUsd: () => 0 };
