// The engine's invariants (issue 3, item 6) as properties over generated policies, requests and spend.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile, compileGlob, compileMatch, decide, NO_SPEND, percentUsed, teamLabelsHold, type Decision, type RequestContext, type ResolvedRequest } from '../../src/engine/index.js';
import { budgetThresholds, enforcementOf, tierRank, type PolicySet } from '../../src/policy/model.js';
import type { BudgetSpec, Complexity } from '../../src/policy/generated/policy.js';
import { buildPolicy, type PolicyInput } from '../support/policy-builder.js';
import { scenario, spendState, type Scenario } from '../support/policy-arbitrary.js';

const RUNS = { numRuns: 250 };

/** The request as rules see it, or undefined when admission fails (then no rule matches anything). */
function resolve(policy: PolicySet, ctx: RequestContext): ResolvedRequest | undefined {
  const team = policy.teams.get(ctx.team);
  if (!team) return undefined;
  return {
    team,
    dataClass: ctx.dataClass ?? team.spec.dataClasses.default,
    task: ctx.task ?? policy.organization.spec.defaults.task,
    complexity: ctx.complexity as Complexity | undefined,
    model: ctx.model,
    promptTokens: ctx.promptTokens ?? 0,
    stream: ctx.stream ?? false,
  };
}

function decisions({ input, requests, spend }: Scenario): { policy: PolicySet; pairs: [RequestContext, Decision][] } {
  const policy = buildPolicy(input);
  const graph = compile(policy);
  const budgets = spendState(policy, spend);
  return { policy, pairs: requests.map((ctx) => [ctx, decide(graph, ctx, budgets)]) };
}

describe('engine invariants', () => {
  it('never returns a candidate that violates an enforced Vetting or Residency rule matching the request', () => {
    let checked = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        const { policy, pairs } = decisions(s);
        for (const [ctx, d] of pairs) {
          const req = resolve(policy, ctx);
          if (!req) continue;
          for (const c of d.candidates) {
            const model = policy.models.get(c.model)!;
            const provider = policy.providers.get(c.provider)!;
            for (const v of policy.vettings.values()) {
              if (enforcementOf(v.spec) !== 'enforce' || !compileMatch(v.spec.match)(req)) continue;
              const r = v.spec.require ?? {};
              const dp = provider.spec.dataPolicy;
              if (r.zeroDataRetention !== undefined) expect(dp.zeroDataRetention).toBe(r.zeroDataRetention);
              if (r.trainsOnData !== undefined) expect(dp.trainsOnData).toBe(r.trainsOnData);
              if (r.maxRetentionDays !== undefined) expect(dp.retentionDays ?? Infinity).toBeLessThanOrEqual(r.maxRetentionDays);
              for (const cert of r.certifications ?? []) expect(provider.spec.certifications ?? []).toContain(cert);
              if (v.spec.allowProviders) expect(v.spec.allowProviders).toContain(provider.name);
              if (v.spec.denyProviders) expect(v.spec.denyProviders).not.toContain(provider.name);
              if (v.spec.allowModels) expect(v.spec.allowModels).toContain(model.name);
              if (v.spec.denyModels) expect(v.spec.denyModels).not.toContain(model.name);
              if (v.spec.maxTier) expect(tierRank(model.spec.tier)).toBeLessThanOrEqual(tierRank(v.spec.maxTier));
              checked++;
            }
            for (const r of policy.residencies.values()) {
              if (enforcementOf(r.spec) !== 'enforce' || !compileMatch(r.spec.match)(req)) continue;
              const globs = r.spec.allowRegions.map(compileGlob);
              for (const region of provider.spec.regions) expect(globs.some((g) => g(region)), `${region} in ${r.name}`).toBe(true);
              checked++;
            }
          }
        }
      }),
      RUNS,
    );
    expect(checked).toBeGreaterThan(30);
  });

  it('is deterministic: fresh graphs give the same decisions whatever order requests arrive in', () => {
    fc.assert(
      fc.property(scenario, ({ input, requests, spend }) => {
        const policy = buildPolicy(input);
        const budgets = spendState(policy, spend);
        const forward = compile(policy);
        const backward = compile(buildPolicy(input));
        const a = requests.map((ctx) => decide(forward, ctx, budgets));
        const b = [...requests].reverse().map((ctx) => decide(backward, ctx, budgets)).reverse();
        expect(a).toStrictEqual(b);
        expect(requests.map((ctx) => decide(forward, ctx, budgets))).toStrictEqual(a);
      }),
      RUNS,
    );
  });

  it('never lets a monitor-mode rule change the outcome, the candidates or the denial', () => {
    const withMonitor = scenario.filter(({ input }) =>
      [...(input.vettings ?? []), ...(input.residencies ?? []), ...(input.budgets ?? [])].some((d) => d.spec.enforcement === 'monitor'),
    );
    let compared = 0;
    fc.assert(
      fc.property(withMonitor, ({ input, requests, spend }) => {
        const enforced = <T extends { spec: { enforcement?: string } }>(docs: T[] | undefined): T[] =>
          (docs ?? []).filter((d) => d.spec.enforcement !== 'monitor');
        const without: PolicyInput = { ...input, vettings: enforced(input.vettings), residencies: enforced(input.residencies), budgets: enforced(input.budgets) };
        const p1 = buildPolicy(input);
        const p2 = buildPolicy(without);
        const g1 = compile(p1);
        const g2 = compile(p2);
        for (const ctx of requests) {
          const a = decide(g1, ctx, spendState(p1, spend));
          const b = decide(g2, ctx, spendState(p2, spend));
          expect({ outcome: a.outcome, route: a.route, candidates: a.candidates, deny: a.deny }).toStrictEqual({
            outcome: b.outcome,
            route: b.route,
            candidates: b.candidates,
            deny: b.deny,
          });
          compared++;
        }
      }),
      RUNS,
    );
    expect(compared).toBeGreaterThan(100);
  });

  it('downgrade never raises a tier: spend only removes candidates, and downgraded ones stay within the max tier', () => {
    let downgraded = 0;
    // Every budget gets a downgrade threshold at 50% on top of whatever it had, so downgrades happen often.
    const downgrading = fc.tuple(scenario, fc.constantFrom('small' as const, 'medium' as const, 'large' as const)).map(([s, maxTier]) => ({
      ...s,
      input: {
        ...s.input,
        budgets: (s.input.budgets ?? []).map((b) => ({
          ...b,
          spec: { ...b.spec, thresholds: [{ atPercent: 50, action: 'downgrade' as const, maxTier }, ...(b.spec.thresholds ?? [])] as BudgetSpec['thresholds'] },
        })),
      },
    }));
    fc.assert(
      fc.property(downgrading, ({ input, requests, spend }) => {
        const policy = buildPolicy(input);
        const graph = compile(policy);
        const budgets = spendState(policy, spend);
        for (const ctx of requests) {
          const spent = decide(graph, ctx, budgets);
          const free = decide(graph, ctx, NO_SPEND);
          // A subsequence: nothing added, nothing reordered.
          const freeModels = free.candidates.map((c) => c.model);
          let at = 0;
          for (const c of spent.candidates) {
            at = freeModels.indexOf(c.model, at) + 1;
            expect(at, `${c.model} is not among ${freeModels.join(', ')}`).toBeGreaterThan(0);
          }
          const team = policy.teams.get(ctx.team);
          if (!team || spent.outcome !== 'route') continue;
          for (const b of policy.budgets.values()) {
            if (enforcementOf(b.spec) !== 'enforce') continue;
            if (b.spec.match?.teams && !b.spec.match.teams.includes(team.name)) continue;
            if (b.spec.match?.teamLabels && !teamLabelsHold(b.spec.match.teamLabels, team)) continue;
            const bucket = b.spec.per === 'team' ? team.name : b.spec.per === 'key' ? (ctx.keyId ?? '') : '*';
            const pct = percentUsed(budgets.usedUsd(b.name, bucket), b.spec.limitUsd);
            const crossed = budgetThresholds(b.spec).filter((t) => t.atPercent <= pct);
            if (crossed.some((t) => t.action === 'deny')) continue;
            const downgrades = crossed.filter((t) => t.action === 'downgrade');
            if (downgrades.length === 0) continue;
            const maxTier = Math.min(...downgrades.map((t) => tierRank(t.maxTier ?? 'frontier')));
            for (const c of spent.candidates) {
              const model = policy.models.get(c.model)!;
              const applies = (!b.spec.match?.models || b.spec.match.models.includes(c.model)) && (!b.spec.match?.providers || b.spec.match.providers.includes(c.provider));
              if (!applies) continue;
              expect(tierRank(model.spec.tier)).toBeLessThanOrEqual(maxTier);
              downgraded++;
            }
          }
        }
      }),
      // Downgrades need a budget that applies, spend past 50% and no deny crossed: more runs keep them frequent.
      { numRuns: 600 },
    );
    expect(downgraded).toBeGreaterThan(20);
  });

  it('gives every denial a code and a rule that names a document, and ends every trace with the result', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { policy, pairs } = decisions(s);
        const exists = (rule: string): boolean => {
          const [kind, name] = rule.split('/');
          const maps: Record<string, ReadonlyMap<string, unknown>> = {
            Organization: new Map([[policy.organization.name, policy.organization]]),
            Team: policy.teams,
            Route: policy.routes,
            Budget: policy.budgets,
          };
          return name !== undefined && kind !== undefined && maps[kind]?.has(name) === true;
        };
        for (const [, d] of pairs) {
          const last = d.trace.at(-1)!;
          expect(last.step).toBe('result');
          for (const step of d.trace) if (step.rule !== undefined) expect(step.source).toMatch(/^policies\/[a-z]+\.yaml:\d+$/);
          if (d.outcome === 'deny') {
            expect(d.deny?.code).toMatch(/^(invalid_request|data_class_not_allowed|no_route|no_eligible_model|budget_exhausted)$/);
            expect(exists(d.deny!.rule!), d.deny!.rule).toBe(true);
            expect(d.deny!.message.length).toBeGreaterThan(0);
            expect(d.candidates).toEqual([]);
            expect(last.rule).toBe(d.deny!.rule);
          } else {
            expect(d.deny).toBeUndefined();
            expect(d.candidates.length).toBeGreaterThan(0);
            expect(last.rule).toBe(`Route/${d.route}`);
          }
        }
      }),
      RUNS,
    );
  });
});
