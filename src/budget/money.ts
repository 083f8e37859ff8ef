// Integer micro-dollars: prices are per million tokens, so cost in micros = tokens × price exactly when prices
// have at most 6 decimals; rounding happens once, up, so a reservation never undercounts.
import type { ModelSpec } from '../policy/generated/policy.js';
import type { Micros } from './ledger.js';

export const toMicros = (usd: number): Micros => Math.round(usd * 1_000_000);
export const fromMicros = (micros: Micros): number => micros / 1_000_000;

/** Cost of a call in micro-dollars: tokens × USD-per-MTok is exactly micro-dollars per token-million. */
export function costMicros(model: ModelSpec, inputTokens: number, outputTokens: number): Micros {
  return Math.ceil(inputTokens * model.pricing.inputPerMTok + outputTokens * model.pricing.outputPerMTok - 1e-9);
}
