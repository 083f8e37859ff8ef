// The compiled decision graph: what `compile` produces and `decide` reads. Everything a decision can reuse is
// built here once — interned names, frozen candidates, the route and rule indexes, the trace entries each rule
// can contribute — so `decide` only looks things up. The public face is `DecisionGraph`; the rest is internal.
import type { CompiledClassifier } from '../classify/classifier.js';
import type { Capability, Tier } from '../policy/generated/policy.js';
import type { BudgetEntry, ModelEntry, PolicySet, ProviderEntry, RouteEntry, TeamEntry } from '../policy/model.js';
import type { MatchIndex } from './match-index.js';
import type { Candidate, Decision, TraceStep } from './types.js';

export const CORE: unique symbol = Symbol('switchyard.decision-graph');

/** A compiled, frozen policy, ready for `decide`. */
export interface DecisionGraph {
  readonly policy: PolicySet;
  /** `policy.version.id`, reported by every decision. */
  readonly version: string;
  /** Route names in the order they are tried: priority descending, declaration order among equals. */
  readonly routeOrder: readonly string[];
  /** Prompt-token cut points c (ascending): requests below and at-or-above each c may be decided differently. */
  readonly promptTokenCuts: readonly number[];
  /** Cut points of promptTokens + maxTokens at which some target's context window is exceeded. */
  readonly contextCuts: readonly number[];
  /** Every requested-model string a condition names; any other string is decided like any other. */
  readonly namedModels: readonly string[];
  readonly [CORE]: GraphCore;
}

export interface CompileResult {
  graph: DecisionGraph;
  timings: { stage: string; ms: number }[];
}

/** `Kind/name` and `file:line` of a rule, computed once. */
export interface RuleRef {
  readonly rule: string;
  readonly source: string;
}

export interface CModel {
  readonly id: number;
  readonly name: string;
  readonly entry: ModelEntry;
  readonly provider: ProviderEntry;
  readonly candidate: Candidate;
  readonly tier: Tier;
  readonly tierRank: number;
  /** Position of contextWindow + 1 among the context cuts: the model is removed when the request's interval is above it. */
  readonly windowCut: number;
  /** The capability-step entry removing this model for a too-small context window. */
  readonly windowStep: TraceStep;
}

export interface CTarget {
  readonly model: CModel;
  /** The capability-step entry removing this target for a capability the route requires, or null. */
  readonly capabilityStep: TraceStep | null;
  /** The route's required capabilities the model lacks. */
  readonly missing: readonly Capability[];
  /** Request needs (request-needs.ts bits) the model lacks and the route does not already require. */
  readonly lacks: number;
}

export interface CRoute {
  readonly entry: RouteEntry;
  readonly ref: RuleRef;
  readonly matchStep: TraceStep;
  /** Target orders: one for `ordered`/`cheapest`; for `weighted`, one per sticky pick (or one by weight when every weight is 0). */
  readonly orders: readonly (readonly CTarget[])[];
  readonly orderSteps: readonly TraceStep[];
  /** Weighted only: declared weights, their running sums and total; total 0 means no sticky pick. */
  readonly weights: readonly number[];
  readonly cumulative: readonly number[];
  readonly totalWeight: number;
  readonly lastPositive: number;
}

/** A Vetting or Residency rule with its verdict on every model precomputed. */
export interface CRule {
  readonly enforce: boolean;
  readonly ref: RuleRef;
  /** Per model id: the entry recording the removal of that model, or null when the model complies. */
  readonly removals: readonly (TraceStep | null)[];
  readonly passStep: TraceStep;
}

/** Threshold actions as stored in `CBudget.action`, ordered by strength. */
export const ALERT = 0;
export const DOWNGRADE = 1;
export const DENY = 2;

export interface CBudget {
  readonly entry: BudgetEntry;
  readonly ref: RuleRef;
  readonly enforce: boolean;
  readonly per: 'team' | 'key' | 'shared';
  readonly limitUsd: number;
  /** `limitUsd` in integer micro-dollars, what a reservation's fit is compared against. */
  readonly limitMicros: number;
  /** Per model id: 1 when the budget's models/providers conditions hold for the model. */
  readonly appliesTo: Uint8Array;
  readonly atPercent: Float64Array;
  /** Per threshold: 0 alert, 1 downgrade, 2 deny. */
  readonly action: Uint8Array;
  /** Per threshold: rank of the downgrade's maxTier (frontier when absent). */
  readonly maxTierRank: Uint8Array;
}

/** What a request class decides before budgets, for one target order. */
export class Outcome {
  constructor(
    /** The decision when no budget records anything: frozen, returned as is. */
    readonly decision: Decision,
    /** Candidates before budgets (empty when denied). */
    readonly survivors: readonly CModel[],
    /** The trace before the budget step. */
    readonly head: readonly TraceStep[],
    /** Budgets of the team that apply to at least one survivor, in declaration order. */
    readonly budgets: readonly CBudget[],
  ) {}
}

/** A request class denied during admission (a data class the team may not declare): one decision for all. */
export interface FinalClass {
  readonly kind: 'final';
  readonly decision: Decision;
}

/** A request class no route matches. The message quotes the request, so the decision is built per call. */
export interface NoRouteClass {
  readonly kind: 'no-route';
  readonly team: TeamEntry;
  readonly dataClass: string;
  readonly task: string;
  readonly complexity: string | undefined;
  /** admit + context entries. */
  readonly head: readonly TraceStep[];
}

/** A request class a route owns; outcomes are filled per target order on first use. */
export interface RoutedClass {
  readonly kind: 'routed';
  readonly team: TeamEntry;
  readonly teamId: number;
  readonly head: readonly TraceStep[];
  readonly route: CRoute;
  /** Matching Vetting rules then matching Residency rules, in declaration order. */
  readonly rules: readonly CRule[];
  readonly contextInterval: number;
  /** What the request needs of a model (tools, vision, json) as a mask: selects each target's capability step. */
  readonly needs: number;
  readonly outcomes: (Outcome | undefined)[];
}

/** What one Classifier outcome (a rule, or the default as the last) sets, and how the trace names it. */
export interface CClassOutcome {
  readonly ref: RuleRef;
  /** Id of the task it sets, or -1 when neither the rule nor the default sets one. */
  readonly taskId: number;
  /** Complexity it sets: 1 low, 2 medium, 3 high; 0 none. */
  readonly complexity: number;
  /** The start of the context entry's detail: which rule matched and on what, or that the default applied. */
  readonly by: string;
}

export interface CClassifier {
  readonly compiled: CompiledClassifier;
  /** One per rule, then the default. */
  readonly outcomes: readonly CClassOutcome[];
}

/** One equivalence class of requests: all are decided alike, up to budgets and the sticky pick. */
export type ClassEntry = FinalClass | NoRouteClass | RoutedClass;

export interface GraphCore {
  readonly version: string;
  readonly org: RuleRef;
  readonly teamIds: ReadonlyMap<string, number>;
  readonly teams: readonly TeamEntry[];
  readonly teamRefs: readonly RuleRef[];
  readonly dataClassIds: ReadonlyMap<string, number>;
  readonly dataClasses: readonly string[];
  readonly taskIds: ReadonlyMap<string, number>;
  readonly tasks: readonly string[];
  readonly defaultTask: number;
  /** Per team: the id of its default data class. */
  readonly teamDefaultClass: readonly number[];
  /** Per team, per data class id: whether the team may declare it. */
  readonly teamAllows: readonly Uint8Array[];
  readonly modelSlots: ReadonlyMap<string, number>;
  readonly otherModel: number;
  readonly promptCuts: Float64Array;
  readonly contextCuts: Float64Array;
  readonly routes: readonly CRoute[];
  readonly routeIndex: MatchIndex;
  readonly vettings: readonly CRule[];
  readonly vettingIndex: MatchIndex;
  readonly residencies: readonly CRule[];
  readonly residencyIndex: MatchIndex;
  /** Per team: budgets whose team conditions hold, in declaration order. */
  readonly teamBudgets: readonly (readonly CBudget[])[];
  /** The policy's Classifier; null when it has none. */
  readonly classifier: CClassifier | null;
  /**
   * Radix sizes of the class key after the team: data class + default; task (declared ids, the default, then
   * classified ids); complexity (none, declared 1–3, classified 4–6); classifier outcome (0 not classified,
   * then 1 + outcome); model, prompt, context, stream; the request's need mask (tools, vision, json).
   */
  readonly radix: readonly number[];
  /** Per team: class key → entry. Memoisation only: a cache miss computes the same entry. Null when keys would not fit a safe integer. */
  readonly cache: readonly Map<number, ClassEntry>[] | null;
  readonly cacheLimit: number;
  /** Entries across `cache`; the one mutable field besides the maps. */
  readonly cacheUsage: { entries: number };
}
