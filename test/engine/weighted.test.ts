// Weighted routes: the sticky pick converges to the weights over many keys and never moves for one key.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile, decide, referenceDecide, type DecisionGraph } from '../../src/engine/index.js';
import type { RouteTarget } from '../../src/policy/generated/policy.js';
import { buildPolicy, model, provider, route, team } from '../support/policy-builder.js';

const KEYS = 20_000;

function weightedGraph(weights: (number | undefined)[]): DecisionGraph {
  const names = weights.map((_, i) => `m${i}`);
  const targets = weights.map((weight, i): RouteTarget => (weight === undefined ? { model: names[i]! } : { model: names[i]!, weight }));
  return compile(
    buildPolicy({
      providers: [provider('p')],
      models: names.map((n) => model(n, 'p')),
      teams: [team('t')],
      routes: [route('split', { strategy: 'weighted', targets: targets as [RouteTarget, ...RouteTarget[]] })],
    }),
  );
}

function primaryShares(graph: DecisionGraph, n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < KEYS; i++) {
    const primary = decide(graph, { team: 't', model: 'auto', stickyKey: `user-${i}` }).candidates[0]!.model;
    counts.set(primary, (counts.get(primary) ?? 0) + 1);
  }
  return new Map(Array.from({ length: n }, (_, i) => [`m${i}`, (counts.get(`m${i}`) ?? 0) / KEYS]));
}

describe('weighted strategy', () => {
  it('converges to 60/30/10 over 20,000 sticky keys and never picks a weight-0 target first', () => {
    const shares = primaryShares(weightedGraph([60, 30, 10, 0]), 4);
    expect(Math.abs(shares.get('m0')! - 0.6)).toBeLessThan(0.015);
    expect(Math.abs(shares.get('m1')! - 0.3)).toBeLessThan(0.015);
    expect(Math.abs(shares.get('m2')! - 0.1)).toBeLessThan(0.015);
    expect(shares.get('m3')).toBe(0);
  });

  it('converges to arbitrary weights (a missing weight counts as 1)', () => {
    const weights = fc.array(fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constant(undefined), fc.constant(0)), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(weights.filter((w) => w.some((x) => x !== 0)), (ws) => {
        const effective = ws.map((w) => w ?? 1);
        const total = effective.reduce((a, b) => a + b, 0);
        const shares = primaryShares(weightedGraph(ws), ws.length);
        effective.forEach((w, i) => expect(Math.abs(shares.get(`m${i}`)! - w / total), `m${i} of ${JSON.stringify(ws)}`).toBeLessThan(0.02));
      }),
      { numRuns: 12 },
    );
  });

  it('is sticky per key whatever else the request carries, and falls back to the request id', () => {
    const graph = weightedGraph([5, 3, 2]);
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 10_000 }), fc.boolean(), fc.string(), (key, promptTokens, stream, requestId) => {
        const a = decide(graph, { team: 't', model: 'auto', stickyKey: key });
        const b = decide(graph, { team: 't', model: 'gpt', stickyKey: key, promptTokens, stream, requestId });
        expect(b.candidates).toStrictEqual(a.candidates);
        expect(decide(graph, { team: 't', model: 'auto', requestId: key }).candidates).toStrictEqual(a.candidates);
      }),
    );
  });

  it('puts the sticky pick first, then the rest by weight descending, ties in declared order', () => {
    const policy = buildPolicy({
      providers: [provider('p')],
      models: ['a', 'b', 'c', 'd'].map((n) => model(n, 'p')),
      teams: [team('t')],
      routes: [route('split', { strategy: 'weighted', targets: [{ model: 'a', weight: 1 }, { model: 'b', weight: 5 }, { model: 'c', weight: 5 }, { model: 'd', weight: 2 }] })],
    });
    const graph = compile(policy);
    const orders = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const ctx = { team: 't', model: 'auto', stickyKey: `k${i}` };
      const order = decide(graph, ctx).candidates.map((c) => c.model).join(',');
      expect(referenceDecide(policy, ctx).candidates.map((c) => c.model).join(',')).toBe(order);
      orders.add(order);
    }
    expect([...orders].sort()).toEqual(['a,b,c,d', 'b,c,d,a', 'c,b,d,a', 'd,b,c,a']);
  });

  it('orders by weight without a sticky pick when every weight is 0', () => {
    const d = decide(weightedGraph([0, 0, 0]), { team: 't', model: 'auto', stickyKey: 'x' });
    expect(d.candidates.map((c) => c.model)).toEqual(['m0', 'm1', 'm2']);
    expect(d.trace.find((s) => s.step === 'order')?.detail).toContain('no sticky pick');
  });
});
