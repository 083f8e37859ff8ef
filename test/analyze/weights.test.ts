import { describe, expect, it } from 'vitest';
import { analyze, docs, only, spot } from './fixture.js';

describe('weights', () => {
  it('reports a weighted route whose weights sum to 0 as an error, at `targets`', () => {
    const routes = docs('Route', ['ab', 'priority: 0\nstrategy: weighted\ntargets: [{ model: small, weight: 0 }, { model: big, weight: 0 }]']);
    const d = only(analyze({ 'routes.yaml': routes }).diagnostics, 'weighted_zero_weight');
    expect(`${d.file}:${d.line}:${d.col}`).toBe(spot('routes.yaml', routes, 'targets'));
    expect(d).toMatchObject({ severity: 'error', pointer: '/spec/targets' });
    expect(d.message).toBe('every target of weighted route `ab` has weight 0, so no request gets a sticky pick; give at least one target a positive weight');
  });

  it('does not report a weighted route with one positive or one missing weight (a missing weight counts as 1)', () => {
    const routes = docs(
      'Route',
      ['ab', 'priority: 1\nmatch: { tasks: [chat] }\nstrategy: weighted\ntargets: [{ model: small, weight: 0 }, { model: big, weight: 0.5 }]'],
      ['cd', 'priority: 0\nstrategy: weighted\ntargets: [{ model: small, weight: 0 }, { model: big }]'],
    );
    expect(analyze({ 'routes.yaml': routes }).diagnostics).toEqual([]);
  });

  it('warns once per route about weights on a route that is not weighted, at the first weight', () => {
    const routes = docs(
      'Route',
      ['ordered', 'priority: 1\nmatch: { tasks: [chat] }\ntargets: [{ model: small }, { model: big, weight: 3 }, { model: gratis, weight: 1 }]'],
      ['cheap', 'priority: 0\nstrategy: cheapest\ntargets: [{ model: small, weight: 1 }, { model: big }]'],
    );
    const { diagnostics } = analyze({ 'routes.yaml': routes });
    expect(diagnostics.map((d) => [d.code, d.severity, `${d.file}:${d.line}:${d.col}`, d.pointer])).toEqual([
      ['weight_ignored', 'warning', spot('routes.yaml', routes, 'weight: 3', 1, 'weight: '.length), '/spec/targets/1/weight'],
      ['weight_ignored', 'warning', spot('routes.yaml', routes, 'weight: 1', 2, 'weight: '.length), '/spec/targets/0/weight'],
    ]);
    expect(diagnostics[0]?.message).toBe(
      '`weight` is set on 2 targets of route `ordered` but its strategy is `ordered`, which ignores weights; set `strategy: weighted` or remove the weights',
    );
    expect(diagnostics[1]?.message).toContain('is set on a target of route `cheap` but its strategy is `cheapest`');
  });

  it('warns about `stickyKey` on a route that is not weighted, at the key', () => {
    const routes = docs(
      'Route',
      ['ordered', 'priority: 1\nmatch: { tasks: [chat] }\nstickyKey: x-user\ntargets: [{ model: small }, { model: big }]'],
      ['ab', 'priority: 0\nstrategy: weighted\nstickyKey: x-user\ntargets: [{ model: small }, { model: big }]'],
    );
    const d = only(analyze({ 'routes.yaml': routes }).diagnostics, 'sticky_key_ignored');
    expect([d.severity, `${d.file}:${d.line}:${d.col}`, d.pointer]).toEqual(['warning', spot('routes.yaml', routes, 'x-user', 1), '/spec/stickyKey']);
    expect(d.message).toBe('`stickyKey` is set on route `ordered` but its strategy is `ordered`, which makes no sticky pick; set `strategy: weighted` or remove `stickyKey`');
  });
});
