import { describe, expect, it } from 'vitest';
import { emptyCountRange, emptyShareRange } from '../../src/analyze/ranges.js';
import { analyze, docs, only, spot, where } from './fixture.js';

describe('empty ranges', () => {
  it('decides emptiness over whole token counts', () => {
    expect(emptyCountRange({ gt: 100, lt: 50 })).toBe(true);
    expect(emptyCountRange({ gt: 100, lte: 100 })).toBe(true);
    expect(emptyCountRange({ gte: 101, lt: 101 })).toBe(true);
    expect(emptyCountRange({ gt: 99, lt: 101 })).toBe(false); // exactly 100
    expect(emptyCountRange({ gte: 50, lte: 50 })).toBe(false);
    expect(emptyCountRange({ lt: 0 })).toBe(true); // no count is negative
    expect(emptyCountRange({ lte: 0 })).toBe(false);
    expect(emptyCountRange({ gt: 5 })).toBe(false);
  });

  it('decides emptiness over shares between 0 and 1', () => {
    expect(emptyShareRange({ gt: 0.8, lt: 0.5 })).toBe(true);
    expect(emptyShareRange({ gt: 0.5, lte: 0.5 })).toBe(true);
    expect(emptyShareRange({ gte: 0.5, lte: 0.5 })).toBe(false);
    expect(emptyShareRange({ gt: 1 })).toBe(true);
    expect(emptyShareRange({ lt: 0 })).toBe(true);
    expect(emptyShareRange({ gte: 1 })).toBe(false);
  });

  it('reports an empty prompt-token range of a route at the range, as an error, and nothing else about the route', () => {
    const routes = docs(
      'Route',
      ['default', 'priority: 0\ntargets: [{ model: small }]'],
      ['narrow', 'priority: 1\nmatch: { teams: [support], promptTokens: { gt: 100, lt: 50 } }\ntargets: [{ model: small }]'],
    );
    const { diagnostics } = analyze({ 'routes.yaml': routes });
    const d = only(diagnostics, 'empty_range');
    expect(`${d.file}:${d.line}:${d.col}`).toBe(spot('routes.yaml', routes, 'promptTokens: { gt: 100'));
    expect(d).toMatchObject({ severity: 'error', pointer: '/spec/match/promptTokens' });
    expect(d.message).toContain('`gt: 100, lt: 50`');
    // The route matches nothing because of the range: that is said once, not again as shadowed or empty.
    expect(diagnostics.map((x) => x.code)).toEqual(['empty_range']);
  });

  it('reports empty ranges in Vetting, Residency, Invariant and Classifier conditions', () => {
    const rules = [
      docs('Vetting', ['v', 'match: { promptTokens: { gte: 10, lte: 9 } }\nrequire: { zeroDataRetention: true }']),
      docs('Residency', ['r', 'match: { promptTokens: { lt: 0 } }\nallowRegions: [eu-*]']),
      docs('Invariant', ['i', 'forAll: { promptTokens: { gt: 7, lt: 8 } }\nassert: { zeroDataRetention: true }']),
      docs('Classifier', ['c', 'rules:\n  - when: { turns: { gt: 3, lt: 2 } }\n    task: chat\n  - when: { codeDensity: { gt: 0.9, lte: 0.2 } }\n    task: code']),
    ].join('---\n');
    const files = { 'routes.yaml': docs('Route', ['default', 'priority: 0\ntargets: [{ model: small }]']), 'rules.yaml': rules };
    const { diagnostics } = analyze(files);
    expect(where(diagnostics, 'empty_range')).toEqual([
      spot('rules.yaml', rules, 'promptTokens: { gte: 10'),
      spot('rules.yaml', rules, 'promptTokens: { lt: 0'),
      spot('rules.yaml', rules, 'promptTokens: { gt: 7'),
      spot('rules.yaml', rules, 'turns:'),
      spot('rules.yaml', rules, 'codeDensity:'),
    ]);
    expect(diagnostics.filter((d) => d.code !== 'empty_range')).toEqual([]);
  });

  it('does not report ranges that hold for exactly one value', () => {
    const routes = docs(
      'Route',
      ['default', 'priority: 0\ntargets: [{ model: small }]'],
      ['one', 'priority: 1\nmatch: { promptTokens: { gt: 99, lt: 101 } }\ntargets: [{ model: small }]'],
    );
    expect(analyze({ 'routes.yaml': routes }).diagnostics).toEqual([]);
  });
});
