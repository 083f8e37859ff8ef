// Invariants, proven where possible: every cell of the finite request space is decided and checked; beyond
// `maxPoints` cells, fast-check samples the space with a fixed, printed seed and shrinks what it finds.
import fc from 'fast-check';
import type { Complexity, RequestMatch } from '../policy/generated/policy.js';
import { ruleId, type InvariantEntry, type PolicySet, type SourceLocation } from '../policy/model.js';
import { compileMatch, teamConditionsHold, type MatchPredicate, type ResolvedRequest } from '../engine/match.js';
import { budgetStateFromPercents, decide, type DecisionGraph } from '../engine/index.js';
import type { Decision, RequestContext } from '../engine/types.js';
import { compileAssertion, type CompiledAssertion } from './assertion.js';
import { points, requestSpace, type RequestSpace, type SpacePoint } from './space.js';
import { explainCommand } from './reproduce.js';

export interface InvariantOptions {
  /** Largest space checked exhaustively. Default 1,000,000 points. */
  readonly maxPoints?: number;
  /** Seed of the sampling fallback. Default 1. */
  readonly seed?: number;
  /** Samples drawn when the space is too large. Default 10,000. */
  readonly numRuns?: number;
  /** Policy directory as the user named it, for the reproduce command. */
  readonly policyDir?: string;
}

export interface Counterexample {
  readonly ctx: RequestContext;
  readonly budgets: Readonly<Record<string, number>>;
  readonly decision: Decision;
  readonly violation: string;
  /** A `switchyard explain …` command that reproduces the decision. */
  readonly command: string;
}

export interface InvariantResult {
  readonly name: string;
  readonly rule: string;
  readonly source: SourceLocation;
  readonly method: 'proven' | 'sampled';
  /** Points decided. */
  readonly checked: number;
  /** Points inside `forAll`. */
  readonly covered: number;
  readonly violations: number;
  readonly ok: boolean;
  readonly seed?: number;
  readonly counterexample?: Counterexample;
}

interface Checker {
  readonly inScope: MatchPredicate;
  readonly assertion: CompiledAssertion;
}

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

/** The violation at one point, if the point is covered and violates. */
function evaluate(
  policy: PolicySet,
  graph: DecisionGraph,
  checker: Checker,
  point: SpacePoint,
): { covered: boolean; violation?: string; decision?: Decision } {
  const req = resolve(policy, point.ctx);
  if (!req || !checker.inScope(req)) return { covered: false };
  const decision = decide(graph, point.ctx, budgetStateFromPercents(policy, point.budgets));
  const violation = checker.assertion(decision);
  return violation === undefined ? { covered: true } : { covered: true, violation, decision };
}

/** Smaller counterexamples first: fewer prompt tokens, less budget used, no stream, no complexity. */
function weight(p: SpacePoint): number[] {
  const spent = Object.values(p.budgets).reduce((a, b) => a + b, 0);
  return [p.ctx.promptTokens ?? 0, spent, p.ctx.stream ? 1 : 0, p.ctx.complexity ? 1 : 0];
}
const lighter = (a: number[], b: number[]): boolean => {
  for (let i = 0; i < a.length; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
};

function counterexample(point: SpacePoint, decision: Decision, violation: string, dir: string): Counterexample {
  return { ctx: point.ctx, budgets: point.budgets, decision, violation, command: explainCommand(dir, point.ctx, point.budgets) };
}

interface Tally {
  checked: number;
  covered: number;
  violations: number;
  worst?: { point: SpacePoint; decision: Decision; violation: string; w: number[] };
}

function proven(entry: InvariantEntry, t: Tally, dir: string): InvariantResult {
  const { checked, covered, violations, worst } = t;
  const base = { name: entry.name, rule: ruleId(entry), source: entry.source, method: 'proven' as const, checked, covered, violations, ok: violations === 0 };
  return worst ? { ...base, counterexample: counterexample(worst.point, worst.decision, worst.violation, dir) } : base;
}

/**
 * Every point of the space, once, against every checker: a point is decided at most once however many
 * invariants cover it, so proving ten invariants costs about one pass of `decide`, not ten.
 */
function exhaustive(policy: PolicySet, graph: DecisionGraph, checkers: readonly Checker[], space: RequestSpace): Tally[] {
  const tallies: Tally[] = checkers.map(() => ({ checked: 0, covered: 0, violations: 0 }));
  for (const point of points(space)) {
    const req = resolve(policy, point.ctx);
    let decision: Decision | undefined;
    for (let i = 0; i < checkers.length; i++) {
      const t = tallies[i]!;
      t.checked++;
      if (!req || !checkers[i]!.inScope(req)) continue;
      t.covered++;
      decision ??= decide(graph, point.ctx, budgetStateFromPercents(policy, point.budgets));
      const violation = checkers[i]!.assertion(decision);
      if (violation === undefined) continue;
      t.violations++;
      const w = weight(point);
      if (!t.worst || lighter(w, t.worst.w)) t.worst = { point, decision, violation, w };
    }
  }
  return tallies;
}

/** Prompt sizes a sample may take: inclusive bounds. */
interface TokenBounds {
  readonly min: number;
  readonly max: number;
}

/**
 * The part of the space inside an invariant's `forAll`, dimension by dimension (a match is a conjunction of
 * per-dimension conditions, so this is exact), so that samples land where the invariant applies instead of
 * being drawn from the whole space and mostly thrown away. Undefined when the scope is empty.
 */
function scopedSpace(policy: PolicySet, space: RequestSpace, forAll: RequestMatch | undefined): { space: RequestSpace; tokens: TokenBounds } | undefined {
  const maxCut = space.promptTokenCuts[space.promptTokenCuts.length - 1] ?? 0;
  const range = forAll?.promptTokens;
  const min = Math.max(0, range?.gte ?? 0, range?.gt !== undefined ? range.gt + 1 : 0);
  const max = Math.min(range?.lte ?? Infinity, range?.lt !== undefined ? range.lt - 1 : Infinity, Math.max(maxCut * 2 + 1, min * 2 + 1));
  const keep = <T>(values: readonly T[], allowed: readonly T[] | undefined): T[] => (allowed ? values.filter((v) => allowed.includes(v)) : [...values]);
  const teams = space.teams.filter((name) => {
    const team = policy.teams.get(name);
    return team !== undefined && teamConditionsHold(forAll, team) && keep(space.dataClassesByTeam.get(name) ?? [], forAll?.dataClasses).length > 0;
  });
  const scoped: RequestSpace = {
    ...space,
    teams,
    dataClassesByTeam: new Map(teams.map((t) => [t, keep(space.dataClassesByTeam.get(t) ?? [], forAll?.dataClasses)] as const)),
    tasks: keep(space.tasks, forAll?.tasks),
    complexities: forAll?.complexity ? space.complexities.filter((c) => c !== undefined && forAll.complexity?.includes(c)) : [...space.complexities],
    models: keep(space.models, forAll?.models),
    streams: forAll?.stream === undefined ? [...space.streams] : space.streams.filter((s) => s === forAll.stream),
  };
  const empty = [scoped.teams, scoped.tasks, scoped.complexities, scoped.models, scoped.streams].some((d) => d.length === 0) || min > max;
  return empty ? undefined : { space: scoped, tokens: { min, max } };
}

function spaceArbitrary(space: RequestSpace, tokens: TokenBounds): fc.Arbitrary<SpacePoint> {
  const within = (n: number): boolean => n >= tokens.min && n <= tokens.max;
  const edges = [...new Set([tokens.min, tokens.max, ...space.promptTokenCuts.flatMap((c) => (c > 0 ? [c - 1, c] : [c])).filter(within)])];
  return fc.constantFrom(...space.teams).chain((team) => {
    const bands = space.budgetBandsByTeam.get(team) ?? [];
    const budgets = Object.fromEntries(
      bands.map((b) => [b.budget, fc.oneof(fc.constantFrom(...b.bands), fc.integer({ min: 0, max: 150 }))] as const),
    );
    return fc.record({
      ctx: fc
        .record({
          dataClass: fc.constantFrom(...(space.dataClassesByTeam.get(team) ?? [])),
          task: fc.constantFrom(...space.tasks),
          complexity: fc.constantFrom(...space.complexities),
          model: fc.constantFrom(...space.models),
          promptTokens: fc.oneof(fc.constantFrom(...edges), fc.integer(tokens)),
          stream: fc.constantFrom(...space.streams),
        })
        .map(({ complexity, ...rest }): RequestContext => (complexity === undefined ? { team, ...rest } : { team, complexity, ...rest })),
      budgets: fc.record(budgets),
    });
  });
}

function sampled(
  policy: PolicySet,
  graph: DecisionGraph,
  entry: InvariantEntry,
  checker: Checker,
  space: RequestSpace,
  options: Required<Pick<InvariantOptions, 'seed' | 'numRuns'>>,
  dir: string,
): InvariantResult {
  let checked = 0;
  let covered = 0;
  const base0 = { name: entry.name, rule: ruleId(entry), source: entry.source, method: 'sampled' as const, seed: options.seed };
  const scope = scopedSpace(policy, space, entry.spec.forAll);
  if (!scope) return { ...base0, checked, covered, violations: 0, ok: true };
  const details = fc.check(
    fc.property(spaceArbitrary(scope.space, scope.tokens), (point) => {
      checked++;
      const r = evaluate(policy, graph, checker, point);
      if (r.covered) covered++;
      return r.violation === undefined;
    }),
    { seed: options.seed, numRuns: options.numRuns },
  );
  const base = { ...base0, checked, covered };
  const found = details.counterexample?.[0];
  if (!details.failed || !found) return { ...base, violations: 0, ok: true };
  const r = evaluate(policy, graph, checker, found);
  if (r.violation === undefined || !r.decision) return { ...base, violations: 1, ok: false };
  return { ...base, violations: 1, ok: false, counterexample: counterexample(found, r.decision, r.violation, dir) };
}

const checkerOf = (policy: PolicySet, entry: InvariantEntry): Checker => ({ inScope: compileMatch(entry.spec.forAll), assertion: compileAssertion(policy, entry.spec.assert) });

export function checkInvariant(policy: PolicySet, graph: DecisionGraph, entry: InvariantEntry, options: InvariantOptions = {}, space = requestSpace(policy)): InvariantResult {
  return checkAll(policy, graph, [entry], options, space)[0]!;
}

export function checkInvariants(policy: PolicySet, graph: DecisionGraph, options: InvariantOptions = {}): InvariantResult[] {
  return checkAll(policy, graph, [...policy.invariants.values()], options, requestSpace(policy));
}

function checkAll(policy: PolicySet, graph: DecisionGraph, entries: readonly InvariantEntry[], options: InvariantOptions, space: RequestSpace): InvariantResult[] {
  const checkers = entries.map((entry) => checkerOf(policy, entry));
  const dir = options.policyDir ?? 'policies';
  if (space.size <= (options.maxPoints ?? 1_000_000)) {
    const tallies = exhaustive(policy, graph, checkers, space);
    return entries.map((entry, i) => proven(entry, tallies[i]!, dir));
  }
  const sampling = { seed: options.seed ?? 1, numRuns: options.numRuns ?? 10_000 };
  return entries.map((entry, i) => sampled(policy, graph, entry, checkers[i]!, space, sampling, dir));
}
