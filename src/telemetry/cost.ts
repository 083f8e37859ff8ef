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

/** The cost of the request on the Model that answered (or was tried last); undefined when nothing was sent. */
export function requestCost(policy: PolicySet, record: SettleRecord): RequestCost | undefined {
  if (record.model === undefined) return undefined;
  const model = policy.models.get(record.model);
  if (model === undefined) return undefined;
  const tokens = settledTokens({
    outcome: record.outcome,
    sent: true,
    usage: record.usage,
    outputChars: record.outputChars,
    promptTokens: record.context?.promptTokens ?? 0,
  });
  if (tokens === null) return undefined;
  return { usd: fromMicros(costMicros(model.spec, tokens.inputTokens, tokens.outputTokens)), ...tokens };
}
