// Two evaluators, one meaning: the compiled engine and the literal reference evaluator return the same Decision
// (outcome, route, candidates, denial, every trace entry) for generated policies, requests and budget states —
// on a class's first request (computed) and on repeats (served from the class cache).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile, decide, NO_SPEND, referenceDecide } from '../../src/engine/index.js';
import { buildPolicy } from '../support/policy-builder.js';
import { scenario, scenarioOf, spendState, type Scenario } from '../support/policy-arbitrary.js';

/** Decide every request of the scenario on both evaluators; returns how often each outcome was seen. */
function agree({ input, requests, spend }: Scenario, seen: Map<string, number>, classCacheLimit?: number): void {
  const policy = buildPolicy(input);
  const graph = compile(policy, { classCacheLimit });
  const budgets = spendState(policy, spend);
  for (const ctx of requests) {
    const expected = referenceDecide(policy, ctx, budgets);
    expect(decide(graph, ctx, budgets)).toStrictEqual(expected);
    // The second call is served from the class cache.
    expect(decide(graph, ctx, budgets)).toStrictEqual(expected);
    expect(decide(graph, ctx, NO_SPEND)).toStrictEqual(referenceDecide(policy, ctx, NO_SPEND));
    const label = expected.deny?.code ?? 'route';
    seen.set(label, (seen.get(label) ?? 0) + 1);
    if (expected.trace.some((s) => s.step === 'budget')) seen.set('budget-step', (seen.get('budget-step') ?? 0) + 1);
    if (expected.trace.some((s) => s.effect.startsWith('would-'))) seen.set('monitor', (seen.get('monitor') ?? 0) + 1);
    // An owner past the first 32 routes in priority order was found in a later word of the index.
    if (expected.route !== undefined && graph.routeOrder.indexOf(expected.route) >= 32) seen.set('deep-route', (seen.get('deep-route') ?? 0) + 1);
    if (expected.trace.some((s) => s.step === 'capability' && s.detail.includes('which the request needs'))) seen.set('request-needs', (seen.get('request-needs') ?? 0) + 1);
  }
}

describe('compiled decide ≡ reference evaluator', () => {
  it('returns deep-equal decisions for arbitrary policies, requests and budget states', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(scenario, (s) => agree(s, seen)),
      { numRuns: 400 },
    );
    // The generators reach every outcome, so agreement above covers every step.
    for (const label of ['route', 'invalid_request', 'data_class_not_allowed', 'no_route', 'no_eligible_model', 'budget_exhausted', 'budget-step', 'monitor', 'request-needs'])
      expect(seen.get(label) ?? 0, label).toBeGreaterThan(10);
  });

  it('agrees with the class cache off, and once the cache is full', () => {
    const seen = new Map<string, number>();
    for (const limit of [0, 2]) fc.assert(fc.property(scenario, (s) => agree(s, seen, limit)), { numRuns: 60 });
    expect(seen.get('route') ?? 0).toBeGreaterThan(10);
  });

  it('agrees on policies with enough routes and rules to span several index words', () => {
    const seen = new Map<string, number>();
    const manyRoutes = scenarioOf({ routes: [33, 90], vettings: [0, 3], residencies: [0, 2], narrowRoutes: true });
    fc.assert(
      fc.property(manyRoutes, (s) => agree(s, seen)),
      { numRuns: 60 },
    );
    expect(seen.get('deep-route') ?? 0).toBeGreaterThan(10);
    // Many rules remove most targets; the trace still names every matching rule, so the rule index is compared.
    seen.clear();
    const manyRules = scenarioOf({ routes: [1, 6], vettings: [33, 40], residencies: [33, 36] });
    fc.assert(
      fc.property(manyRules, (s) => agree(s, seen)),
      { numRuns: 30 },
    );
    expect((seen.get('route') ?? 0) + (seen.get('no_eligible_model') ?? 0)).toBeGreaterThan(10);
  });
});
