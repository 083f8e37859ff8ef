// Two evaluators, one meaning, with a Classifier: for generated policies with a Classifier and requests with
// recorded features (partial, mistyped, in other keyword spellings), the compiled engine and the literal
// reference evaluator return the same Decision — the context step naming the same rule, the same task and
// complexity, and everything after it — on first use, from the class cache, and with the cache off.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile, decide, referenceDecide } from '../../src/engine/index.js';
import { classifierDefault } from '../../src/engine/text.js';
import { withClassifier } from '../support/classifier-arbitrary.js';
import { policyInputOf, spendState, type Scenario } from '../support/policy-arbitrary.js';
import { buildPolicy } from '../support/policy-builder.js';

function agree({ input, requests, spend }: Scenario, seen: Map<string, number>, classCacheLimit?: number): void {
  const policy = buildPolicy(input);
  const graph = compile(policy, { classCacheLimit });
  const budgets = spendState(policy, spend);
  const count = (label: string): void => void seen.set(label, (seen.get(label) ?? 0) + 1);
  for (const ctx of requests) {
    const expected = referenceDecide(policy, ctx, budgets);
    expect(decide(graph, ctx, budgets)).toStrictEqual(expected);
    expect(decide(graph, ctx, budgets)).toStrictEqual(expected);
    const context = expected.trace.find((s) => s.step === 'context');
    if (context?.effect === 'classify') {
      count(context.detail.startsWith(classifierDefault) ? 'default applied' : 'rule fired');
      if (ctx.task !== undefined) count('declared task kept');
      if (context.detail.includes('(classifier)') && expected.outcome === 'route') count('classified and routed');
    } else if (ctx.features !== undefined) {
      count('features, not classified');
    }
  }
}

describe('compiled decide ≡ reference evaluator, with a Classifier', () => {
  it('returns deep-equal decisions for classified requests', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(withClassifier(policyInputOf()), (s) => agree(s, seen)),
      { numRuns: 300 },
    );
    for (const label of ['rule fired', 'default applied', 'declared task kept', 'classified and routed', 'features, not classified'])
      expect(seen.get(label) ?? 0, label).toBeGreaterThan(10);
  });

  it('agrees with the class cache off, and once the cache is full', () => {
    const seen = new Map<string, number>();
    for (const limit of [0, 2]) fc.assert(fc.property(withClassifier(policyInputOf()), (s) => agree(s, seen, limit)), { numRuns: 60 });
    expect(seen.get('rule fired') ?? 0).toBeGreaterThan(10);
  });
});
