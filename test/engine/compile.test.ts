// compile(): named timed stages, a frozen graph, priority order, cut points; decide(): cached decisions are
// shared per request class, deeply frozen, and never disturbed by budget-specific answers.
import { describe, expect, it } from 'vitest';
import { budgetStateFromPercents, compile, compileWithTimings, decide, type Decision } from '../../src/engine/index.js';
import { buildPolicy, model, provider, route, team } from '../support/policy-builder.js';
import { fixturePolicy } from '../support/engine-fixture.js';

describe('compile', () => {
  it('runs as named, timed stages', () => {
    const { graph, timings } = compileWithTimings(fixturePolicy());
    expect(timings.map((t) => t.stage)).toEqual(['intern', 'index-routes', 'precompute-eligibility', 'index-budgets', 'classifier', 'freeze']);
    for (const t of timings) expect(t.ms).toBeGreaterThanOrEqual(0);
    expect(graph.version).toBe('test-version');
  });

  it('produces a frozen graph with routes in priority order (ties in declaration order) and the prompt-token cut points', () => {
    const policy = buildPolicy({
      providers: [provider('p')],
      models: [model('a', 'p')],
      teams: [team('t')],
      routes: [
        route('low', { priority: 1, targets: [{ model: 'a' }] }),
        route('high', { priority: 9, match: { promptTokens: { lte: 99 } }, targets: [{ model: 'a' }] }),
        route('tie-first', { priority: 5, match: { promptTokens: { gt: 1000, lt: 4000 } }, targets: [{ model: 'a' }] }),
        route('tie-second', { priority: 5, match: { promptTokens: { gte: 4000 } }, targets: [{ model: 'a' }] }),
      ],
    });
    const graph = compile(policy);
    expect(Object.isFrozen(graph)).toBe(true);
    expect(graph.routeOrder).toEqual(['high', 'tie-first', 'tie-second', 'low']);
    expect(graph.promptTokenCuts).toEqual([100, 1001, 4000]);
    expect(graph.namedModels).toEqual(['a', 'auto']);
    expect(() => (graph.routeOrder as string[]).push('x')).toThrow(TypeError);
  });
});

describe('decision cache', () => {
  const policy = fixturePolicy();

  function deeplyFrozen(d: Decision): boolean {
    return [d, d.candidates, d.trace, ...d.candidates, ...d.trace, ...(d.deny ? [d.deny] : [])].every((o) => Object.isFrozen(o));
  }

  it('shares one frozen decision among requests of the same class', () => {
    const graph = compile(policy);
    const first = decide(graph, { team: 'support', model: 'x', promptTokens: 10 });
    expect(decide(graph, { team: 'support', model: 'x', promptTokens: 20_000, requestId: 'r2' })).toBe(first);
    expect(decide(graph, { team: 'support', model: 'x', promptTokens: 60_000 })).not.toBe(first);
    expect(deeplyFrozen(first)).toBe(true);
    expect(() => {
      first.candidates.push({ model: 'evil', provider: 'evil', upstreamModel: 'evil' });
    }).toThrow(TypeError);
    expect(() => {
      first.trace[0]!.detail = 'tampered';
    }).toThrow(TypeError);
  });

  it('freezes denials and budget-specific decisions too', () => {
    const graph = compile(policy);
    expect(deeplyFrozen(decide(graph, { team: 'ghost', model: 'x' }))).toBe(true);
    expect(deeplyFrozen(decide(graph, { team: 'eng', model: 'x' }, budgetStateFromPercents(policy, { 'eng-monthly': 100 })))).toBe(true);
  });

  it('keeps the cached decision intact when budgets act on a request of the same class', () => {
    const graph = compile(policy);
    const ctx = { team: 'eng', model: 'x', task: 'code' };
    const cached = decide(graph, ctx);
    const snapshot = structuredClone(cached);
    const downgraded = decide(graph, ctx, budgetStateFromPercents(policy, { 'eng-monthly': 85 }));
    expect(downgraded).not.toBe(cached);
    expect(downgraded.candidates.map((c) => c.model)).toEqual(['mini']);
    expect(decide(graph, ctx)).toBe(cached);
    expect(cached).toStrictEqual(snapshot);
  });

  it('stops memoising past the class cache limit, and decides the same', () => {
    const graph = compile(policy, { classCacheLimit: 1 });
    const a = decide(graph, { team: 'support', model: 'x' });
    expect(decide(graph, { team: 'support', model: 'x' })).toBe(a);
    const b = decide(graph, { team: 'eng', model: 'x' });
    const again = decide(graph, { team: 'eng', model: 'x' });
    expect(again).not.toBe(b);
    expect(again).toStrictEqual(b);
  });

  it('returns the cached decision itself when the applicable budgets record nothing', () => {
    const graph = compile(policy);
    const ctx = { team: 'eng', model: 'x' };
    expect(decide(graph, ctx, budgetStateFromPercents(policy, { 'eng-monthly': 10 }))).toBe(decide(graph, ctx));
  });
});
