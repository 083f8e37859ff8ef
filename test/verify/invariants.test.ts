import { describe, expect, it } from 'vitest';
import { loadPolicyFromSources } from '../../src/policy/index.js';
import { compile, decide, budgetStateFromPercents } from '../../src/engine/index.js';
import { checkInvariant, checkInvariants } from '../../src/verify/invariants.js';
import { requestSpace } from '../../src/verify/space.js';
import { BASE, PLANTED, PLANTED_MODEL } from './fixtures.js';

function build(text: string) {
  const loaded = loadPolicyFromSources([{ path: 'p/policy.yaml', text }]);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n'));
  return { policy: loaded.policy, graph: compile(loaded.policy) };
}

const byName = (results: ReturnType<typeof checkInvariants>, name: string) => {
  const r = results.find((x) => x.name === name);
  if (!r) throw new Error(`no result for ${name}`);
  return r;
};

describe('invariants', () => {
  it('proves the invariants of a sound policy over the whole space', () => {
    const { policy, graph } = build(BASE);
    const results = checkInvariants(policy, graph);
    expect(results.map((r) => [r.name, r.ok, r.method])).toEqual([
      ['phi-only-baa', true, 'proven'],
      ['cheap-is-small', true, 'proven'],
    ]);
    const phi = byName(results, 'phi-only-baa');
    expect(phi.checked).toBe(requestSpace(policy).size);
    expect(phi.covered).toBeGreaterThan(0);
    expect(phi.covered).toBeLessThan(phi.checked);
  });

  it('finds a violation planted at a prompt-size boundary, at the boundary itself', () => {
    const { policy, graph } = build(BASE + PLANTED.promptBoundary);
    const r = byName(checkInvariants(policy, graph), 'phi-only-baa');
    expect(r.ok).toBe(false);
    expect(r.method).toBe('proven');
    const c = r.counterexample;
    expect(c?.ctx.promptTokens).toBe(8001);
    expect(c?.ctx.dataClass).toBe('phi');
    expect(c?.decision.route).toBe('big-phi');
    expect(c?.violation).toContain('hipaa-baa');
    expect(c?.command).toMatch(/^switchyard explain policies --request '\{.*"promptTokens":8001.*\}'/);
  });

  it('finds a violation planted in one task only', () => {
    const { policy, graph } = build(BASE + PLANTED.oneTask);
    const r = byName(checkInvariants(policy, graph), 'phi-only-baa');
    expect(r.ok).toBe(false);
    expect(r.counterexample?.ctx.task).toBe('summarize');
    expect(r.counterexample?.ctx.promptTokens).toBe(0);
    // Every violating cell is a summarize request: the other tasks are untouched.
    const { policy: clean, graph: cleanGraph } = build(BASE);
    expect(byName(checkInvariants(clean, cleanGraph), 'phi-only-baa').violations).toBe(0);
  });

  it('finds a violation planted for one team only', () => {
    const { policy, graph } = build(BASE + PLANTED.oneTeam);
    const r = byName(checkInvariants(policy, graph), 'phi-only-baa');
    expect(r.ok).toBe(false);
    expect(r.counterexample?.ctx.team).toBe('gamma');
  });

  it('finds a violation planted for one requested model only', () => {
    const { policy, graph } = build(BASE + PLANTED_MODEL);
    const r = byName(checkInvariants(policy, graph), 'cheap-is-small');
    expect(r.ok).toBe(false);
    expect(r.counterexample?.ctx.model).toBe('safe');
  });

  it('counterexamples reproduce: deciding the printed request gives the printed decision', () => {
    const { policy, graph } = build(BASE + PLANTED.promptBoundary);
    const c = byName(checkInvariants(policy, graph), 'phi-only-baa').counterexample;
    expect(c).toBeDefined();
    if (!c) return;
    expect(decide(graph, c.ctx, budgetStateFromPercents(policy, c.budgets))).toEqual(c.decision);
  });

  it('samples with a fixed seed when the space exceeds the bound, and still finds the corner', () => {
    const { policy, graph } = build(BASE + PLANTED.promptBoundary);
    const a = byName(checkInvariants(policy, graph, { maxPoints: 10, numRuns: 3000, seed: 7 }), 'phi-only-baa');
    const b = byName(checkInvariants(policy, graph, { maxPoints: 10, numRuns: 3000, seed: 7 }), 'phi-only-baa');
    expect(a.method).toBe('sampled');
    expect(a.seed).toBe(7);
    expect(a.ok).toBe(false);
    // Shrinking lands on the boundary.
    expect(a.counterexample?.ctx.promptTokens).toBe(8001);
    expect(b.counterexample?.ctx).toEqual(a.counterexample?.ctx);
  });

  it('samples inside an invariant\'s forAll, so a narrow scope is not starved of samples', () => {
    // One team, one data class, large prompts only: a sliver of the space, where the planted route lives.
    const narrow = `
---
apiVersion: switchyard.dev/v1
kind: Invariant
metadata: { name: gamma-big-phi }
spec:
  forAll: { teams: [gamma], dataClasses: [phi], promptTokens: { gt: 8000, lte: 9000 } }
  assert: { certifications: [hipaa-baa] }
`;
    const { policy, graph } = build(BASE + PLANTED.promptBoundary + narrow);
    const r = byName(checkInvariants(policy, graph, { maxPoints: 10, numRuns: 40, seed: 3 }), 'gamma-big-phi');
    expect(r.method).toBe('sampled');
    expect(r.ok).toBe(false);
    // Every sample drawn was in scope (fast-check stops at the first failure, then shrinks inside the scope).
    expect(r.covered).toBe(r.checked);
    expect(r.counterexample?.ctx).toMatchObject({ team: 'gamma', dataClass: 'phi', promptTokens: 8001 });
    // The same policy without the planted route holds, and its samples still all fall in scope.
    const clean = build(BASE + narrow);
    const ok = byName(checkInvariants(clean.policy, clean.graph, { maxPoints: 10, numRuns: 40, seed: 3 }), 'gamma-big-phi');
    expect([ok.ok, ok.checked, ok.covered]).toEqual([true, 40, 40]);
  });

  it('a deny invariant holds only when every covered request is denied', () => {
    const deny = `
---
apiVersion: switchyard.dev/v1
kind: Invariant
metadata: { name: exhausted-denies }
spec:
  forAll: { teams: [alpha], dataClasses: [public] }
  assert: { deny: true }
`;
    const { policy, graph } = build(BASE + deny);
    const r = byName(checkInvariants(policy, graph), 'exhausted-denies');
    expect(r.ok).toBe(false);
    expect(r.counterexample?.violation).toMatch(/must be denied/);
    // The smallest counterexample uses no budget at all.
    expect(Object.values(r.counterexample?.budgets ?? {}).every((v) => v === 0)).toBe(true);
  });

  it('proves every invariant in one pass with the results of proving each alone', () => {
    // Violations in several corners and of two invariants, so counts and the chosen counterexamples all show.
    const { policy, graph } = build(BASE + PLANTED.promptBoundary + PLANTED.oneTeam + PLANTED_MODEL);
    const together = checkInvariants(policy, graph);
    expect(together.filter((r) => !r.ok).length).toBe(2);
    expect(together).toEqual([...policy.invariants.values()].map((entry) => checkInvariant(policy, graph, entry)));
    // A single entry is the same pass with one checker: it decides only the points it covers.
    const alone = checkInvariant(policy, graph, policy.invariants.get('cheap-is-small')!);
    expect(alone.checked).toBe(requestSpace(policy).size);
  });
});
