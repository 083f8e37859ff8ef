// The proxy's side of budgets: refusals in the error shape, the per-candidate admission that reserves before
// forwarding, and the settlement fed from the request's one settle record.
import type { Admission, RequestBudget, Refusal } from '../budget/request-budget.js';
import type { Candidate } from '../engine/index.js';
import type { PolicySet } from '../policy/index.js';
import type { ProxyError } from './errors.js';
import type { AdmitResult } from './failover.js';
import type { SettleRecord } from './settle.js';

const ADMITTED: AdmitResult = Object.freeze({ ok: true });

export const refusalError = (r: Refusal): ProxyError => ({ code: r.code, message: r.message, rule: r.rule, retryAfter: r.retryAfterSec });

/** Admission of each candidate before it is sent: its budgets' rate limits and the reservation of its worst case. */
export function admitHook(budget: RequestBudget, policy: PolicySet, promptTokens: number, maxTokens: number | undefined): (c: Candidate) => AdmitResult | Promise<AdmitResult> {
  return (c) => {
    // INVARIANT: candidates name models of the snapshot they were decided on.
    const model = policy.models.get(c.model)!;
    const r = budget.admit(model, promptTokens, maxTokens);
    return r instanceof Promise ? r.then(admitResult) : admitResult(r);
  };
}

const admitResult = (r: Admission): AdmitResult => (r.ok ? ADMITTED : { ok: false, error: refusalError(r.refusal) });

/** Settles the request's reservation from its record; returns at once (the ledger write is in the background). */
export function finishBudget(budget: RequestBudget, record: SettleRecord): void {
  budget.finish(record.model, {
    outcome: record.outcome,
    sent: record.attempts.some((a) => a.result !== 'skipped'),
    usage: record.usage,
    outputChars: record.outputChars,
    promptTokens: record.context?.promptTokens ?? 0,
  });
}
