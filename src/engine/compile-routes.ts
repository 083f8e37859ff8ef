// Routes compiled for the index: sorted by priority, with their target orders, order and capability trace
// entries built once. Weighted routes get one order per possible sticky pick, so `decide` only hashes the key.
import type { Kind, RouteEntry, SourceLocation } from '../policy/model.js';
import { ruleId, sourceRef } from '../policy/model.js';
import { traceStep } from './decision.js';
import type { CModel, CRoute, CTarget, RuleRef } from './graph.js';
import { pricePerMTok } from './pricing.js';
import { needsOf, REQUEST_NEEDS } from './request-needs.js';
import type { TraceStep } from './types.js';
import * as text from './text.js';

export const refOf = (e: { readonly kind: Kind; readonly name: string; readonly source: SourceLocation }): RuleRef =>
  Object.freeze({ rule: ruleId(e), source: sourceRef(e.source) });

/** Routes in the order they are tried: priority descending, declaration order among equals. */
export function byPriority(routes: Iterable<RouteEntry>): RouteEntry[] {
  return [...routes]
    .map((route, declared) => ({ route, declared }))
    .sort((a, b) => b.route.spec.priority - a.route.spec.priority || a.declared - b.declared)
    .map((x) => x.route);
}

/** Indices 0..n-1 in a stable order by `key` ascending. */
function stableOrder(n: number, key: (i: number) => number): number[] {
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => key(a) - key(b) || a - b);
}

export function compileRoute(route: RouteEntry, modelOf: (name: string) => CModel): CRoute {
  const ref = refOf(route);
  const required = route.spec.requires?.capabilities ?? [];
  const targets: CTarget[] = route.spec.targets.map((t) => {
    const model = modelOf(t.model);
    const has = model.entry.spec.capabilities ?? [];
    const missing = required.filter((c) => !has.includes(c));
    let lacks = 0;
    for (const need of REQUEST_NEEDS) if (!has.includes(need.capability) && !required.includes(need.capability)) lacks |= need.bit;
    const capabilityStep =
      missing.length === 0
        ? null
        : traceStep('capability', ref, 'remove', text.targetRemoval(model.name, model.provider.name, [text.lacksCapabilities(missing)]));
    return Object.freeze({ model, missing: Object.freeze(missing), lacks, capabilityStep });
  });
  const n = targets.length;
  const names = (order: readonly CTarget[]): string[] => order.map((t) => t.model.name);
  // Plain arrays, not typed ones: a typed array costs a backing store per route, which dominates compile time.
  const weights: number[] = [];
  const cumulative: number[] = [];
  let total = 0;
  let lastPositive = -1;
  for (let i = 0; i < n; i++) {
    const w = route.spec.targets[i]!.weight ?? 1;
    weights.push(w);
    total += w;
    cumulative.push(total);
    if (w > 0) lastPositive = i;
  }
  const orders: (readonly CTarget[])[] = [];
  const steps: TraceStep[] = [];
  const strategy = route.spec.strategy ?? 'ordered';
  switch (strategy) {
    case 'ordered':
      orders.push(Object.freeze(targets));
      steps.push(traceStep('order', ref, 'order', text.orderedDetail(names(targets))));
      break;
    case 'cheapest': {
      const order = stableOrder(n, (i) => pricePerMTok(targets[i]!.model.entry.spec)).map((i) => targets[i]!);
      orders.push(Object.freeze(order));
      const prices = order.map((t) => pricePerMTok(t.model.entry.spec));
      steps.push(traceStep('order', ref, 'order', text.cheapestDetail(names(order), prices)));
      break;
    }
    case 'weighted': {
      const described = text.describeWeights(names(targets), weights);
      const rest = (pick: number): CTarget[] =>
        stableOrder(n, (i) => -weights[i]!)
          .filter((i) => i !== pick)
          .map((i) => targets[i]!);
      if (total > 0) {
        // INVARIANT: orders[i] puts target i first; pickOrder never returns a target of weight 0.
        for (let i = 0; i < n; i++) {
          const after = rest(i);
          orders.push(Object.freeze([targets[i]!, ...after]));
          steps.push(traceStep('order', ref, 'order', text.weightedDetail(targets[i]!.model.name, described, names(after))));
        }
      } else {
        const all = rest(-1);
        orders.push(Object.freeze(all));
        steps.push(traceStep('order', ref, 'order', text.weightedDetail(undefined, described, names(all))));
      }
      break;
    }
    default: {
      const unknown: never = strategy;
      throw new Error(`unknown strategy ${String(unknown)}`);
    }
  }
  return Object.freeze({
    entry: route,
    ref,
    matchStep: traceStep('route', ref, 'match', text.routeMatched(route.spec.priority, route.spec.match)),
    orders: Object.freeze(orders),
    orderSteps: Object.freeze(steps),
    weights: Object.freeze(weights),
    cumulative: Object.freeze(cumulative),
    totalWeight: strategy === 'weighted' ? total : 0,
    lastPositive,
  });
}

/**
 * The capability-step entry removing a target for a request with these needs, or null. Built when a request
 * class is first decided rather than per route and need mask at compile time: most masks never occur, and
 * eight entries per target made compiling 10,000 routes ten times slower.
 */
export function capabilityRemoval(route: CRoute, t: CTarget, needs: number): TraceStep | null {
  const unmet = needs & t.lacks;
  if (unmet === 0) return t.capabilityStep;
  const lacking = needsOf(unmet);
  const reasons = t.missing.length === 0 ? [] : [text.lacksCapabilities(t.missing)];
  reasons.push(text.lacksRequestCapabilities(lacking.map((n) => n.capability), lacking.map((n) => n.uses)));
  return traceStep('capability', route.ref, 'remove', text.targetRemoval(t.model.name, t.model.provider.name, reasons));
}
