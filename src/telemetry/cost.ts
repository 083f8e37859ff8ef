// What a settled request cost, by the same rule budgets settle by (src/budget/settle-cost.ts): the provider's
// reported usage wins, what it did not report is estimated, and nothing sent costs nothing. Computed once per
// request and shared by the audit record, the cost metric and the span attribute.
import { costMicros, fromMicros } from '../budget/money.js';
import { settledTokens } from '../budget/settle-cost.js';
import type { PolicySet } from '../policy/model.js';
import type { SettleRecord } from '../proxy/settle.js';

export interface RequestCost {
  readonly usd: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Some of the tokens are the proxy's estimate (the provider reported fewer, or none). */
  readonly estimated: boolean;
}

/** What a request's cost is worked out from: its record's fields, without the rest of the record. */
export type CostInput = Pick<SettleRecord, 'model' | 'outcome' | 'usage' | 'outputChars'> & { readonly promptTokens: number };

/** The cost of the request on the Model that answered (or was tried last); undefined when nothing was sent. */
export function requestCost(policy: PolicySet, record: SettleRecord): RequestCost | undefined {
  return costOf(policy, { model: record.model, outcome: record.outcome, usage: record.usage, outputChars: record.outputChars, promptTokens: record.context?.promptTokens ?? 0 });
}

/** `requestCost` from the fields it reads, for a caller that kept those and not the record (metrics' batch). */
export function costOf(policy: PolicySet, r: CostInput): RequestCost | undefined {
  if (r.model === undefined) return undefined;
  const model = policy.models.get(r.model);
  if (model === undefined) return undefined;
  const tokens = settledTokens({ outcome: r.outcome, sent: true, usage: r.usage, outputChars: r.outputChars, promptTokens: r.promptTokens });
  if (tokens === null) return undefined;
  // Field by field: on this V8 an object literal with a spread is built by a slow generic copy.
  const { inputTokens, outputTokens, estimated } = tokens;
  return { usd: fromMicros(costMicros(model.spec, inputTokens, outputTokens)), inputTokens, outputTokens, estimated };
}
