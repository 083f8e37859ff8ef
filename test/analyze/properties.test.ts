// The analysis against the engine on generated policies: every verdict the analysis reaches symbolically is
// checked by deciding every point of the request space with `decide` (and the match predicates). Decisions are
// taken on the policy without its budgets: the checks are about what routing and filters leave (budgets only
// remove, and spend is state), and without budgets a decision's candidates are exactly that.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzePolicyDetailed } from '../../src/analyze/index.js';
import { compile, compileMatch, decide, teamConditionsHold, type Decision, type ResolvedRequest } from '../../src/engine/index.js';
import type { Diagnostic } from '../../src/errors.js';
import type { PolicySet } from '../../src/policy/model.js';
import { points, requestSpace, type SpacePoint } from '../../src/verify/space.js';
import { policyInputOf, type Sizes } from '../support/policy-arbitrary.js';
import { buildPolicy, syntheticSource, type PolicyInput } from '../support/policy-builder.js';
import type { Complexity } from '../../src/policy/generated/policy.js';

const SIZES: Sizes = { routes: [1, 6], vettings: [0, 3], residencies: [0, 2] };
const policies = policyInputOf(SIZES);

function resolve(policy: PolicySet, { ctx }: SpacePoint): ResolvedRequest {
  return {
    team: policy.teams.get(ctx.team)!,
    dataClass: ctx.dataClass!,
    task: ctx.task!,
    complexity: ctx.complexity as Complexity | undefined,
    model: ctx.model,
    promptTokens: ctx.promptTokens ?? 0,
    stream: ctx.stream ?? false,
  };
}

/** The policy with every context window so large that no request exceeds one: what rules alone leave. */
function withoutWindows(input: PolicyInput): PolicySet {
  return buildPolicy({ ...input, models: input.models?.map((m) => ({ ...m, spec: { ...m.spec, contextWindow: 1e12 } })) });
}

interface Facts {
  readonly names: string[];
  readonly byRoute: Map<string, Diagnostic[]>;
}

/** Diagnostics of each document of a kind: the builder starts document i at line 1 + 10 i of its kind's file. */
function facts(kind: 'Route' | 'Budget', names: readonly string[], diagnostics: readonly Diagnostic[]): Facts {
  const byRoute = new Map(names.map((n) => [n, [] as Diagnostic[]]));
  for (const d of diagnostics) {
    const index = names.findIndex((_, i) => syntheticSource(kind, i).file === d.file && syntheticSource(kind, i).line === d.line);
    if (index >= 0) byRoute.get(names[index]!)!.push(d);
  }
  return { names: [...names], byRoute };
}

const has = (ds: readonly Diagnostic[] | undefined, code: string): boolean => (ds ?? []).some((d) => d.code === code);

function check(input: PolicyInput, seen: Map<string, number>): void {
  const analysis = analyzePolicyDetailed(buildPolicy(input));
  expect(analysis.skipped).toEqual([]);
  const plain = { ...input, budgets: [] };
  const policy = buildPolicy(plain);
  const { names, byRoute } = facts('Route', [...policy.routes.keys()], analysis.diagnostics);
  const graph = compile(policy);
  const rulesOnly = compile(withoutWindows(plain));
  const predicates = new Map(names.map((n) => [n, compileMatch(policy.routes.get(n)!.spec.match)]));
  const owned = new Map<string, { decision: Decision; emptyByRules: boolean }[]>(names.map((n) => [n, []]));
  const overlapping = new Set<string>();
  const priority = (n: string): number => policy.routes.get(n)!.spec.priority;
  /** Per team: every (model, provider) some request of the team is sent to. */
  const sentTo = new Map<string, Set<string>>();

  for (const point of points(requestSpace(policy), { withBudgets: false })) {
    const decision = decide(graph, point.ctx);
    for (const c of decision.candidates) {
      const set = sentTo.get(point.ctx.team) ?? new Set<string>();
      sentTo.set(point.ctx.team, set.add(`${c.model} ${c.provider}`));
    }
    if (decision.route !== undefined) {
      const emptyByRules = decide(rulesOnly, point.ctx).deny?.code === 'no_eligible_model';
      owned.get(decision.route)!.push({ decision, emptyByRules });
    }
    const req = resolve(policy, point);
    const matching = names.filter((n) => predicates.get(n)!(req));
    // Ambiguous: the route that owns the point is matched by a later route of its own priority.
    for (const b of matching) if (decision.route !== undefined && b !== decision.route && priority(b) === priority(decision.route)) overlapping.add(`${decision.route}|${b}`);
  }

  for (const name of names) {
    const ds = byRoute.get(name);
    const decisions = owned.get(name)!;
    // Owns nothing ⇔ shadowed, or its match holds for no request at all.
    const ownsNothing = has(ds, 'route_shadowed') || has(ds, 'rule_matches_nothing') || has(ds, 'empty_range');
    expect(ownsNothing, `route ${name} owns ${decisions.length} points`).toBe(decisions.length === 0);
    if (decisions.length === 0) continue;
    // Ambiguous with an earlier route ⇔ some point that route owns matches both.
    const flagged = new Set((ds ?? []).flatMap((d) => (d.code === 'route_ambiguous' ? [/overlaps route `([^`]+)`/.exec(d.message)![1]!] : [])));
    for (const other of names.slice(0, names.indexOf(name))) expect(flagged.has(other), `${name} vs ${other}`).toBe(overlapping.has(`${other}|${name}`));
    // Dead ⇔ every owned point is denied for want of a target; can be empty ⇔ not dead, and rules alone empty some point.
    const dead = decisions.every((o) => o.decision.deny?.code === 'no_eligible_model');
    expect(has(ds, 'route_dead'), `dead ${name}`).toBe(dead);
    expect(has(ds, 'route_can_be_empty'), `can be empty ${name}`).toBe(!dead && decisions.some((o) => o.emptyByRules));
    // A target is unreachable ⇔ the route is not dead and no owned point has it among the candidates.
    const used = new Set(decisions.flatMap((o) => o.decision.candidates.map((c) => c.model)));
    policy.routes.get(name)!.spec.targets.forEach((t, i) => {
      const reported = (ds ?? []).some((d) => d.code === 'target_unreachable' && d.pointer === `/spec/targets/${i}/model`);
      expect(reported, `target ${i} (${t.model}) of ${name}`).toBe(!dead && !used.has(t.model));
    });
  }
  // A budget applies to no team ⇔ no team satisfies its team conditions; with models/providers, it counts no spend
  // ⇔ no request of its teams is sent to a model it names.
  const budgets = input.budgets ?? [];
  const byBudget = facts('Budget', budgets.map((b) => b.name), analysis.diagnostics).byRoute;
  for (const b of budgets) {
    const ds = byBudget.get(b.name);
    const m = b.spec.match;
    const teams = [...policy.teams.values()].filter((t) => teamConditionsHold(m, t)).map((t) => t.name);
    expect(has(ds, 'rule_matches_nothing'), `budget ${b.name} teams`).toBe(teams.length === 0);
    if (teams.length === 0 || (m?.models === undefined && m?.providers === undefined)) {
      expect(has(ds, 'budget_matches_nothing')).toBe(false);
      continue;
    }
    const counted = teams.some((t) =>
      [...(sentTo.get(t) ?? [])].some((pair) => {
        const [model, provider] = pair.split(' ');
        return (m.models === undefined || m.models.includes(model!)) && (m.providers === undefined || m.providers.includes(provider!));
      }),
    );
    expect(has(ds, 'budget_matches_nothing'), `budget ${b.name} spend`).toBe(!counted);
  }
  for (const d of analysis.diagnostics) seen.set(d.code, (seen.get(d.code) ?? 0) + 1);
}

describe('analysis ≡ deciding every point of the request space', () => {
  it('reports shadowed, ambiguous, dead and can-be-empty routes, unreachable targets and idle budgets exactly when the engine shows them', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(policies, (input) => check(input, seen)),
      { numRuns: 150 },
    );
    // The generated policies reach every verdict, so the equivalences above are exercised both ways.
    for (const code of ['route_shadowed', 'route_ambiguous', 'route_dead', 'route_can_be_empty', 'target_unreachable', 'rule_matches_nothing', 'budget_matches_nothing'])
      expect(seen.get(code) ?? 0, code).toBeGreaterThan(3);
  });

  it('holds as well for policies with more routes than one index word, each naming one requested model', () => {
    const many = policyInputOf({ routes: [33, 45], vettings: [0, 3], residencies: [0, 2], narrowRoutes: true });
    fc.assert(
      fc.property(many, (input) => check(input, new Map())),
      { numRuns: 15 },
    );
  });
});
