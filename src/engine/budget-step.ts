// The budget step, run per request on top of a cached outcome: spend changes between requests, so it cannot be
// cached. When no budget records anything (the usual case) the cached decision is returned as is and nothing
// is allocated; otherwise a new decision is built from the cached trace head plus the budget entries.
import { TIERS } from '../policy/model.js';
import { denyDecision, routeDecision, traceStep } from './decision.js';
import { ALERT, DENY, DOWNGRADE, type CBudget, type GraphCore, type Outcome, type RoutedClass } from './graph.js';
import { estimateCostUsd, overBudget, percentUsed } from './pricing.js';
import type { BudgetState, Decision, RequestContext, TraceStep } from './types.js';
import * as text from './text.js';

function append(list: TraceStep[] | null, step: TraceStep): TraceStep[] {
  if (list === null) return [step];
  list.push(step);
  return list;
}

export function applyBudgets(
  g: GraphCore,
  c: RoutedClass,
  outcome: Outcome,
  ctx: RequestContext,
  state: BudgetState,
  promptTokens: number,
): Decision {
  const plan = outcome.budgets;
  if (plan.length === 0) return outcome.decision;
  const survivors = outcome.survivors;
  let entries: TraceStep[] | null = null;
  let removed: Uint8Array | null = null;
  let removals: TraceStep[] | null = null;
  let firstRemover: CBudget | null = null;
  for (const budget of plan) {
    let applies = false;
    for (let i = 0; i < survivors.length && !applies; i++)
      applies = (removed === null || removed[i] === 0) && budget.appliesTo[survivors[i]!.id] === 1;
    if (!applies) continue;
    const bucket = budget.per === 'team' ? c.team.name : budget.per === 'key' ? (ctx.keyId ?? '') : '*';
    const limit = budget.limitUsd;
    const used = state.usedUsd(budget.entry.name, bucket);
    const pct = percentUsed(used, limit);
    let strongest = -1;
    let maxTier = TIERS.length - 1;
    for (let t = 0; t < budget.atPercent.length; t++) {
      if (!(budget.atPercent[t]! <= pct)) continue;
      const action = budget.action[t]!;
      if (action > strongest) strongest = action;
      if (action === DOWNGRADE && budget.maxTierRank[t]! < maxTier) maxTier = budget.maxTierRank[t]!;
    }
    // No closures here: this loop runs per request and allocates only once it has something to record.
    let usage: string | null = null;
    for (let i = 0; i < survivors.length; i++) {
      const m = survivors[i]!;
      if ((removed !== null && removed[i] === 1) || budget.appliesTo[m.id] === 0) continue;
      let effect = '';
      let detail = '';
      if (strongest === DENY) {
        effect = budget.enforce ? 'deny' : 'would-deny';
        detail = text.budgetDeny(m.name, (usage ??= text.budgetUsage(pct, limit, budget.entry.spec.window, bucket)));
      } else if (strongest === DOWNGRADE && m.tierRank > maxTier) {
        effect = budget.enforce ? 'remove' : 'would-remove';
        usage ??= text.budgetUsage(pct, limit, budget.entry.spec.window, bucket);
        detail = text.budgetDowngrade(m.name, m.tier, false, TIERS[maxTier]!, usage);
      } else {
        if (strongest === DOWNGRADE) {
          usage ??= text.budgetUsage(pct, limit, budget.entry.spec.window, bucket);
          entries = append(entries, traceStep('budget', budget.ref, 'downgrade', text.budgetDowngrade(m.name, m.tier, true, TIERS[maxTier]!, usage)));
        } else if (strongest === ALERT) {
          usage ??= text.budgetUsage(pct, limit, budget.entry.spec.window, bucket);
          entries = append(entries, traceStep('budget', budget.ref, 'alert', text.budgetAlert(m.name, usage)));
        }
        const spec = m.entry.spec;
        const output = ctx.maxTokens ?? spec.maxOutputTokens;
        if (overBudget(spec, promptTokens, output, used, budget.limitMicros)) {
          effect = budget.enforce ? 'remove' : 'would-remove';
          detail = text.budgetReservation(m.name, estimateCostUsd(spec, promptTokens, output), limit - used, bucket);
        }
      }
      if (effect === '') continue;
      const removal = traceStep('budget', budget.ref, effect, detail);
      entries = append(entries, removal);
      if (!budget.enforce) continue;
      (removed ??= new Uint8Array(survivors.length))[i] = 1;
      firstRemover ??= budget;
      removals = append(removals, removal);
    }
  }
  if (entries === null) return outcome.decision;
  const trace = [...outcome.head, ...entries];
  const kept = removed === null ? survivors : survivors.filter((_, i) => removed![i] === 0);
  if (kept.length === 0 && firstRemover !== null && removals !== null)
    return denyDecision(g.version, 'budget_exhausted', text.budgetExhausted(removals), firstRemover.ref, c.route, trace);
  return routeDecision(g.version, c.route, kept, trace);
}
