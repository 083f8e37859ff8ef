import { describe, expect, it } from 'vitest';
import { loadPolicyFromSources } from '../../src/policy/index.js';
import { compile } from '../../src/engine/index.js';
import { runPolicyTests } from '../../src/verify/policy-tests.js';
import { BASE } from './fixtures.js';

function build(text: string) {
  const loaded = loadPolicyFromSources([{ path: 'p/policy.yaml', text }]);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n'));
  return { policy: loaded.policy, graph: compile(loaded.policy) };
}

describe('policy Test documents', () => {
  it('pass when the decision meets every expectation', () => {
    const { policy, graph } = build(BASE);
    const results = runPolicyTests(policy, graph, 'p');
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['phi-goes-to-safe', true],
      ['budget-denies', true],
    ]);
  });

  it('report each mismatching field with expected, actual and the line of the expectation', () => {
    const wrong = BASE.replace('expect: { model: safe, provider: baa, route: phi, fallbacks: [] }', 'expect: { model: cheapo, provider: baa, route: default, fallbacks: [safe] }');
    const { policy, graph } = build(wrong);
    const [r] = runPolicyTests(policy, graph, 'p');
    expect(r?.ok).toBe(false);
    expect(r?.mismatches.map((m) => [m.field, m.expected, m.actual])).toEqual([
      ['model', 'cheapo', 'safe'],
      ['route', 'default', 'phi'],
      ['fallbacks', '[safe]', '[]'],
    ]);
    const line = wrong.split('\n').findIndex((l) => l.includes('expect: { model: cheapo')) + 1;
    expect(r?.mismatches[0]?.source.line).toBe(line);
    expect(r?.command).toContain(`switchyard explain p --request '{"team":"alpha","model":"auto","dataClass":"phi"}'`);
  });

  it('a deny expectation fails when the request is routed, naming where it went', () => {
    const wrong = BASE.replace('budgets: { monthly: 95 }', 'budgets: { monthly: 10 }');
    const { policy, graph } = build(wrong);
    const r = runPolicyTests(policy, graph, 'p').find((x) => x.name === 'budget-denies');
    expect(r?.mismatches).toEqual([expect.objectContaining({ field: 'deny', expected: 'deny budget_exhausted', actual: 'route to cheapo' })]);
  });
});
