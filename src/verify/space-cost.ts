// The cost delta over the abstract request space: one estimate per request class, from the primary
// candidate's list prices at the class's representative prompt size and its max tokens (else the model's
// maxOutputTokens, what the proxy reserves). Classes carry no traffic, so the figures are unweighted: a mean
// per request over the classes whose decision changed, not a forecast of spend.
import type { Decision, DecisionGraph, RequestContext } from '../engine/index.js';
import { decisionCostUsd } from './traffic-cost.js';
import { sideKey, sideOf } from './decision-side.js';
import type { WeightedPair } from './sticky.js';

export interface SpaceCostDelta {
  /** Always `unweighted`: every class counts once, whatever share of real traffic it stands for. */
  readonly basis: 'unweighted';
  /** Classes whose route, primary model or denial changed (in any share of their requests). */
  readonly changedClasses: number;
  /** Mean per-request cost, base and head, over the changed classes. */
  readonly meanBaseUsd: number;
  readonly meanHeadUsd: number;
  /** meanHeadUsd − meanBaseUsd: the mean per-request delta over the changed classes. */
  readonly meanDeltaUsd: number;
  /** Classes that got cheaper, dearer: how the delta is spread. */
  readonly cheaper: number;
  readonly dearer: number;
}

/** USD one request of the class would cost with this decision; a denial costs nothing. */
export function classCostUsd(graph: DecisionGraph, decision: Decision, ctx: RequestContext): number {
  // The output a class is priced at depends on its primary model (what the proxy reserves without max_tokens).
  const primary = decision.candidates[0];
  const output = ctx.maxTokens ?? (primary === undefined ? undefined : graph.policy.models.get(primary.model)?.spec.maxOutputTokens) ?? 0;
  return decisionCostUsd(graph.policy, decision, { input: ctx.promptTokens ?? 0, output, outputSource: ctx.maxTokens === undefined ? 'none' : 'maxTokens' });
}

export class SpaceCostTally {
  private changed = 0;
  private baseUsd = 0;
  private headUsd = 0;
  private cheaper = 0;
  private dearer = 0;

  constructor(
    private readonly base: DecisionGraph,
    private readonly head: DecisionGraph,
  ) {}

  add(ctx: RequestContext, pairs: readonly WeightedPair[]): void {
    if (!pairs.some((p) => sideKey(sideOf(p.base)) !== sideKey(sideOf(p.head)))) return;
    let b = 0;
    let h = 0;
    for (const p of pairs) {
      b += p.weight * classCostUsd(this.base, p.base, ctx);
      h += p.weight * classCostUsd(this.head, p.head, ctx);
    }
    this.changed++;
    this.baseUsd += b;
    this.headUsd += h;
    // Below a millionth of a cent the two are the same price.
    if (h < b - 1e-8) this.cheaper++;
    else if (h > b + 1e-8) this.dearer++;
  }

  result(): SpaceCostDelta {
    const n = this.changed;
    const meanBaseUsd = n === 0 ? 0 : this.baseUsd / n;
    const meanHeadUsd = n === 0 ? 0 : this.headUsd / n;
    return { basis: 'unweighted', changedClasses: n, meanBaseUsd, meanHeadUsd, meanDeltaUsd: meanHeadUsd - meanBaseUsd, cheaper: this.cheaper, dearer: this.dearer };
  }
}
