// Integer micro-dollars: prices are per million tokens, so cost in micros = tokens × price exactly when prices
// have at most 6 decimals; rounding happens once, up, so a reservation never undercounts.
import type { ModelSpec } from '../policy/generated/policy.js';
import type { Micros } from './ledger.js';
import { costMicros as engineCostMicros, usdToMicros } from '../engine/pricing.js';

export const toMicros: (usd: number) => Micros = usdToMicros;
export const fromMicros = (micros: Micros): number => micros / 1_000_000;

/** Cost of a call in micro-dollars: the engine's formula, so a reservation the decision let through fits the ledger. */
export const costMicros: (model: ModelSpec, inputTokens: number, outputTokens: number) => Micros = engineCostMicros;
