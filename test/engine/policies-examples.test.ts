// The example organisation in policies/ states its expected decisions as Test documents; both evaluators must
// give every one of them, and agree with each other on each.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { budgetStateFromPercents, compile, decide, referenceDecide, type Decision, type RequestContext } from '../../src/engine/index.js';
import { loadPolicy, type PolicySet, type TestEntry } from '../../src/policy/index.js';

const root = resolve(import.meta.dirname, '../..');
const loaded = await loadPolicy(resolve(root, 'policies'), { cwd: root, env: {} });
if (!loaded.ok) throw new Error(`policies/ does not load: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
const policy: PolicySet = loaded.policy;
const graph = compile(policy);

function expectation(d: Decision): Record<string, unknown> {
  const [primary, ...fallbacks] = d.candidates;
  return {
    route: d.route,
    model: primary?.model,
    provider: primary?.provider,
    fallbacks: fallbacks.map((c) => c.model),
    deny: d.deny?.code,
  };
}

describe('the Test documents of policies/', () => {
  const tests: TestEntry[] = [...policy.tests.values()];
  it('are there to check', () => expect(tests.length).toBeGreaterThan(5));
  it.each(tests.map((t) => [t.name, t] as const))('%s', (_, t) => {
    const budgets = budgetStateFromPercents(policy, t.spec.budgets ?? {});
    const { features, ...request } = t.spec.request;
    const ctx: RequestContext = features === undefined ? request : { ...request, features: { ...features } };
    const d = decide(graph, ctx, budgets);
    expect(d).toStrictEqual(referenceDecide(policy, ctx, budgets));
    const got = expectation(d);
    const want = Object.fromEntries(Object.keys(t.spec.expect).map((k) => [k, got[k]]));
    expect(want, `${t.source.file}:${t.source.line}`).toStrictEqual(t.spec.expect);
  });
});
