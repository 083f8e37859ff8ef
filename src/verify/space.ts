// The finite abstraction of the request space: every request the policy can tell apart, as one representative
// each. Decisions are constant inside a cell because every condition of the language is an exact value, a list
// of them, or a prompt-token bound — and the bounds (plus context windows) are the cut points of the intervals.
import type { Complexity, RequestMatch } from '../policy/generated/policy.js';
import { budgetThresholds, modelAliases, type PolicySet } from '../policy/model.js';
import type { RequestContext } from '../engine/types.js';

/** One cell of the space: a representative request and the percent used of each budget that applies to it. */
export interface SpacePoint {
  readonly ctx: RequestContext;
  readonly budgets: Readonly<Record<string, number>>;
}

export interface RequestSpace {
  readonly teams: readonly string[];
  readonly dataClassesByTeam: ReadonlyMap<string, readonly string[]>;
  readonly tasks: readonly string[];
  readonly complexities: readonly (Complexity | undefined)[];
  /** Every model name a rule can match, plus one name no rule mentions. */
  readonly models: readonly string[];
  /** Interval lower bounds, ascending, starting at 0: [0, c1), [c1, c2), … */
  readonly promptTokenCuts: readonly number[];
  readonly streams: readonly boolean[];
  /** Per team: the budgets that can apply to its requests and the percent-used bands to try for each. */
  readonly budgetBandsByTeam: ReadonlyMap<string, readonly { budget: string; bands: readonly number[] }[]>;
  /** Number of points `points()` yields. */
  readonly size: number;
}

function allRequestMatches(policy: PolicySet): RequestMatch[] {
  const out: RequestMatch[] = [];
  for (const r of policy.routes.values()) if (r.spec.match) out.push(r.spec.match);
  for (const v of policy.vettings.values()) if (v.spec.match) out.push(v.spec.match);
  for (const r of policy.residencies.values()) if (r.spec.match) out.push(r.spec.match);
  for (const i of policy.invariants.values()) if (i.spec.forAll) out.push(i.spec.forAll);
  return out;
}

/** Cut points c: requests with promptTokens < c and ≥ c may be decided differently. */
export function promptTokenCutPoints(policy: PolicySet): number[] {
  const cuts = new Set<number>([0]);
  for (const m of allRequestMatches(policy)) {
    const b = m.promptTokens;
    if (!b) continue;
    if (b.lt !== undefined) cuts.add(b.lt);
    if (b.gte !== undefined) cuts.add(b.gte);
    if (b.lte !== undefined) cuts.add(b.lte + 1);
    if (b.gt !== undefined) cuts.add(b.gt + 1);
  }
  // A model whose context window is exceeded is dropped (capability step), so each window is a boundary too.
  for (const m of policy.models.values()) cuts.add(m.spec.contextWindow + 1);
  return [...cuts].sort((a, b) => a - b);
}

/** A model name that no rule and no Model uses, standing for every such name. */
export function unknownModelName(known: ReadonlySet<string>): string {
  let name = 'unlisted-model';
  for (let i = 2; known.has(name); i++) name = `unlisted-model-${i}`;
  return name;
}

function budgetCanApplyToTeam(policy: PolicySet, budgetName: string, team: string): boolean {
  const budget = policy.budgets.get(budgetName);
  const entry = policy.teams.get(team);
  if (!budget || !entry) return false;
  const m = budget.spec.match;
  if (m?.teams && !m.teams.includes(team)) return false;
  if (m?.teamLabels) {
    const labels = entry.metadata.labels ?? {};
    for (const [key, want] of Object.entries(m.teamLabels)) {
      const have = labels[key];
      if (have === undefined) return false;
      if (Array.isArray(want) ? !want.includes(have) : want !== have) return false;
    }
  }
  return true;
}

/** Percent-used values that put a budget in each of its threshold bands: none crossed, each crossed, exhausted. */
export function budgetBands(policy: PolicySet, budgetName: string): number[] {
  const budget = policy.budgets.get(budgetName);
  if (!budget) return [0];
  const bands = new Set<number>([0, 100]);
  for (const t of budgetThresholds(budget.spec)) bands.add(t.atPercent);
  return [...bands].sort((a, b) => a - b);
}

export function requestSpace(policy: PolicySet): RequestSpace {
  const matches = allRequestMatches(policy);
  const teams = [...policy.teams.keys()];
  const dataClassesByTeam = new Map(teams.map((t) => [t, policy.teams.get(t)?.spec.dataClasses.allowed ?? []] as const));
  const tasks = [...policy.organization.spec.tasks];
  const complexities: (Complexity | undefined)[] = matches.some((m) => m.complexity)
    ? [undefined, 'low', 'medium', 'high']
    : [undefined];
  const named = new Set<string>([...policy.models.keys(), ...modelAliases(policy.organization.spec)]);
  for (const m of matches) for (const model of m.models ?? []) named.add(model);
  const models = [...named, unknownModelName(named)];
  const promptTokenCuts = promptTokenCutPoints(policy);
  const streams = matches.some((m) => m.stream !== undefined) ? [false, true] : [false];
  const budgetBandsByTeam = new Map(
    teams.map((team) => [
      team,
      [...policy.budgets.keys()]
        .filter((b) => budgetCanApplyToTeam(policy, b, team))
        .map((budget) => ({ budget, bands: budgetBands(policy, budget) })),
    ]),
  );
  let size = 0;
  const perTeamBase = tasks.length * complexities.length * models.length * promptTokenCuts.length * streams.length;
  for (const team of teams) {
    const classes = dataClassesByTeam.get(team)?.length ?? 0;
    const states = (budgetBandsByTeam.get(team) ?? []).reduce((n, b) => n * b.bands.length, 1);
    size += classes * perTeamBase * states;
  }
  return { teams, dataClassesByTeam, tasks, complexities, models, promptTokenCuts, streams, budgetBandsByTeam, size };
}

function* budgetStates(bands: readonly { budget: string; bands: readonly number[] }[]): Generator<Record<string, number>> {
  if (bands.length === 0) {
    yield {};
    return;
  }
  const [first, ...rest] = bands;
  if (!first) return;
  for (const tail of budgetStates(rest)) for (const pct of first.bands) yield { [first.budget]: pct, ...tail };
}

/**
 * Every point of the space. `withBudgets: false` yields only the zero-spend state (decisions then differ only
 * by the request): budget steps can only remove candidates, so that state is the most permissive one.
 */
export function* points(space: RequestSpace, options: { withBudgets?: boolean } = {}): Generator<SpacePoint> {
  const withBudgets = options.withBudgets ?? true;
  for (const team of space.teams) {
    const states = withBudgets ? [...budgetStates(space.budgetBandsByTeam.get(team) ?? [])] : [{}];
    for (const dataClass of space.dataClassesByTeam.get(team) ?? [])
      for (const task of space.tasks)
        for (const complexity of space.complexities)
          for (const model of space.models)
            for (const promptTokens of space.promptTokenCuts)
              for (const stream of space.streams) {
                const ctx: RequestContext = { team, dataClass, task, model, promptTokens, stream };
                if (complexity !== undefined) ctx.complexity = complexity;
                for (const budgets of states) yield { ctx, budgets };
              }
  }
}
