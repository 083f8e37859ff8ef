// compile(policy) → DecisionGraph, as named, timed stages (OPA's compiler style):
//   intern → index-routes → precompute-eligibility → index-budgets → classifier → freeze.
// The policy is a linked, valid PolicySet; a dangling reference here is a bug upstream, so it throws.
import type { RequestMatch, TokenRange } from '../policy/generated/policy.js';
import { classifierFor, type CompiledClassifier } from '../classify/index.js';
import type { PolicySet, TeamEntry } from '../policy/model.js';
import { modelAliases, ruleId, sourceRef, tierRank } from '../policy/model.js';
import { budgetsByTeam, compileBudget, compileResidency, compileVetting } from './compile-rules.js';
import { byPriority, compileRoute, refOf } from './compile-routes.js';
import { traceStep } from './decision.js';
import { CORE, type CClassifier, type CModel, type CompileResult, type DecisionGraph, type GraphCore, type ClassEntry } from './graph.js';
import { COMPLEXITY_SLOTS, MatchIndex, type IndexDomains } from './match-index.js';
import { NEED_MASKS } from './request-needs.js';
import * as text from './text.js';

/** Most request classes a graph memoises by default; past it, decisions are computed (identically) without caching. */
export const CLASS_CACHE_LIMIT = 32_768;

export interface CompileOptions {
  /** Most request classes to memoise (default CLASS_CACHE_LIMIT); 0 turns the decision cache off. */
  readonly classCacheLimit?: number;
}

const ids = (names: readonly string[]): Map<string, number> => new Map(names.map((n, i) => [n, i]));

function requestMatches(policy: PolicySet): (RequestMatch | undefined)[] {
  return [
    ...[...policy.routes.values()].map((r) => r.spec.match),
    ...[...policy.vettings.values()].map((v) => v.spec.match),
    ...[...policy.residencies.values()].map((r) => r.spec.match),
  ];
}

/** Where a token range can change its verdict: n < c and n ≥ c may differ (integers). */
function rangeCuts(r: TokenRange): number[] {
  const out: number[] = [];
  if (r.lt !== undefined) out.push(r.lt);
  if (r.gte !== undefined) out.push(r.gte);
  if (r.lte !== undefined) out.push(r.lte + 1);
  if (r.gt !== undefined) out.push(r.gt + 1);
  return out;
}

const sortedUnique = (xs: Iterable<number>): Float64Array => Float64Array.from(new Set(xs)).sort();

interface Interned {
  readonly teams: readonly TeamEntry[];
  readonly teamIds: Map<string, number>;
  readonly dataClasses: readonly string[];
  readonly dataClassIds: Map<string, number>;
  readonly tasks: readonly string[];
  readonly taskIds: Map<string, number>;
  readonly namedModels: readonly string[];
  readonly modelSlots: Map<string, number>;
  readonly models: readonly CModel[];
  readonly modelIds: Map<string, number>;
  readonly promptCuts: Float64Array;
  readonly contextCuts: Float64Array;
}

function intern(policy: PolicySet): Interned {
  const org = policy.organization.spec;
  const matches = requestMatches(policy);
  const teams = [...policy.teams.values()];
  const named = new Set<string>([...policy.models.keys(), ...modelAliases(org)]);
  for (const m of matches) for (const model of m?.models ?? []) named.add(model);
  const namedModels = [...named];
  const promptCuts = sortedUnique(matches.flatMap((m) => (m?.promptTokens ? rangeCuts(m.promptTokens) : [])));
  // A target is removed when contextWindow < promptTokens + maxTokens, i.e. from contextWindow + 1 on.
  const contextCuts = sortedUnique([...policy.models.values()].map((m) => m.spec.contextWindow + 1));
  const models = [...policy.models.values()].map((entry, id): CModel => {
    const provider = policy.providers.get(entry.spec.provider);
    if (!provider) throw new Error(`model ${entry.name} names unknown provider ${entry.spec.provider}`);
    const ref = refOf(entry);
    const window = entry.spec.contextWindow;
    return Object.freeze({
      id,
      name: entry.name,
      entry,
      provider,
      candidate: Object.freeze({ model: entry.name, provider: provider.name, upstreamModel: entry.spec.upstreamModel }),
      tier: entry.spec.tier,
      tierRank: tierRank(entry.spec.tier),
      windowCut: contextCuts.indexOf(window + 1),
      windowStep: traceStep('capability', ref, 'remove', text.targetRemoval(entry.name, provider.name, [text.contextWindowTooSmall(window)])),
    });
  });
  return {
    teams,
    teamIds: ids(teams.map((t) => t.name)),
    dataClasses: org.dataClasses,
    dataClassIds: ids(org.dataClasses),
    tasks: org.tasks,
    taskIds: ids(org.tasks),
    namedModels,
    modelSlots: ids(namedModels),
    models,
    modelIds: ids(models.map((m) => m.name)),
    promptCuts,
    contextCuts,
  };
}

function idOf(map: ReadonlyMap<string, number>, name: string, what: string): number {
  const id = map.get(name);
  if (id === undefined) throw new Error(`unlinked ${what} ${name}`);
  return id;
}

/** The Classifier's outcomes as the engine uses them: interned task and complexity, trace reference and wording. */
function compileClassifierOutcomes(compiled: CompiledClassifier, taskIds: ReadonlyMap<string, number>): CClassifier {
  const rule = ruleId(compiled.entry);
  const outcome = (task: string | undefined, complexity: string | undefined, source: string, by: string) =>
    Object.freeze({
      ref: Object.freeze({ rule, source }),
      taskId: task === undefined ? -1 : idOf(taskIds, task, 'task'),
      complexity: complexity === undefined ? 0 : (COMPLEXITY_SLOTS.get(complexity) ?? 0),
      by,
    });
  const outcomes = compiled.rules.map((r) =>
    outcome(r.task, r.complexity, sourceRef(r.source), text.classifierMatched(text.classifierRuleLabel(r.index, r.name), r.when)),
  );
  const f = compiled.fallback;
  outcomes.push(outcome(f.task, f.complexity, sourceRef(f.source), text.classifierDefault));
  return Object.freeze({ compiled, outcomes: Object.freeze(outcomes) });
}

/** Compile a policy and report how long each stage took. */
export function compileWithTimings(policy: PolicySet, options: CompileOptions = {}): CompileResult {
  const timings: { stage: string; ms: number }[] = [];
  const stage = <T>(name: string, run: () => T): T => {
    const started = performance.now();
    const out = run();
    timings.push({ stage: name, ms: performance.now() - started });
    return out;
  };

  const n = stage('intern', () => intern(policy));
  const domains: IndexDomains = {
    teams: n.teams,
    teamIds: n.teamIds,
    dataClasses: n.dataClassIds,
    tasks: n.taskIds,
    models: n.modelSlots,
    promptPoints: [-1, ...n.promptCuts],
  };
  const modelOf = (name: string): CModel => n.models[idOf(n.modelIds, name, 'model')]!;

  const routing = stage('index-routes', () => {
    const routes = byPriority(policy.routes.values()).map((r) => compileRoute(r, modelOf));
    return { routes, index: new MatchIndex(routes.map((r) => r.entry.spec.match), domains) };
  });

  const rules = stage('precompute-eligibility', () => {
    const vettings = [...policy.vettings.values()];
    const residencies = [...policy.residencies.values()];
    return {
      vettings: vettings.map((v) => compileVetting(v, n.models)),
      vettingIndex: new MatchIndex(vettings.map((v) => v.spec.match), domains),
      residencies: residencies.map((r) => compileResidency(r, n.models)),
      residencyIndex: new MatchIndex(residencies.map((r) => r.spec.match), domains),
    };
  });

  const teamBudgets = stage('index-budgets', () => budgetsByTeam(n.teams, [...policy.budgets.values()].map((b) => compileBudget(b, n.models))));

  const classifier = stage('classifier', () => {
    const compiled = classifierFor(policy).classifier;
    return compiled === undefined ? null : compileClassifierOutcomes(compiled, n.taskIds);
  });

  const limit = options.classCacheLimit ?? CLASS_CACHE_LIMIT;
  const graph = stage('freeze', (): DecisionGraph => {
    const org = policy.organization.spec;
    // Class key after the team: declared data class or the team default, task (declared, default, classified), …
    const outcomes = classifier === null ? 0 : classifier.outcomes.length;
    const radix = [n.dataClasses.length + 1, 2 * n.tasks.length + 1, 7, outcomes + 1, n.namedModels.length + 1, n.promptCuts.length + 1, n.contextCuts.length + 1, 2, NEED_MASKS];
    const keySpace = radix.reduce((a, b) => a * b, 1);
    const core: GraphCore = Object.freeze({
      version: policy.version.id,
      org: refOf(policy.organization),
      teamIds: n.teamIds,
      teams: n.teams,
      teamRefs: n.teams.map(refOf),
      dataClassIds: n.dataClassIds,
      dataClasses: n.dataClasses,
      taskIds: n.taskIds,
      tasks: n.tasks,
      defaultTask: idOf(n.taskIds, org.defaults.task, 'task'),
      teamDefaultClass: n.teams.map((t) => idOf(n.dataClassIds, t.spec.dataClasses.default, 'data class')),
      teamAllows: n.teams.map((t) => Uint8Array.from(n.dataClasses, (dc) => (t.spec.dataClasses.allowed.includes(dc) ? 1 : 0))),
      modelSlots: n.modelSlots,
      otherModel: n.namedModels.length,
      promptCuts: n.promptCuts,
      contextCuts: n.contextCuts,
      routes: Object.freeze(routing.routes),
      routeIndex: routing.index,
      ...rules,
      teamBudgets,
      classifier,
      radix,
      // Keys past 2^53 would collide, so such a (huge) request space is decided without a cache.
      cache: Number.isSafeInteger(keySpace) && limit > 0 ? n.teams.map(() => new Map<number, ClassEntry>()) : null,
      cacheLimit: limit,
      cacheUsage: { entries: 0 },
    });
    return Object.freeze({
      policy,
      version: policy.version.id,
      routeOrder: Object.freeze(routing.routes.map((r) => r.entry.name)),
      promptTokenCuts: Object.freeze([...n.promptCuts]),
      contextCuts: Object.freeze([...n.contextCuts]),
      namedModels: Object.freeze(n.namedModels),
      [CORE]: core,
    });
  });
  return { graph, timings };
}

/** Compile a valid, linked policy into a frozen decision graph. Throws only on a bug (an unlinked policy). */
export const compile = (policy: PolicySet, options?: CompileOptions): DecisionGraph => compileWithTimings(policy, options).graph;
