// The analyze stage: static checks on a linked policy, run by `validate` (and every command that checks a
// policy) after a successful load. Each check is exact over the request space — every request the policy can
// tell apart — and reports coded diagnostics at the node to change. Named, timed stages, like the compiler's.
import { performance } from 'node:perf_hooks';
import { sortDiagnostics } from '../diagnostics.js';
import { compile, type DecisionGraph } from '../engine/index.js';
import type { Diagnostic, DiagnosticCode } from '../errors.js';
import type { PolicySet } from '../policy/model.js';
import { analyzeBudgets } from './budgets.js';
import { analyzeClassifier } from './classifier.js';
import { checkConditions } from './conditions.js';
import { buildDomain } from './domain.js';
import { analyzeEligibility } from './eligibility.js';
import { checkRanges } from './ranges.js';
import { analyzeRoutes, DEFAULT_LIMITS, type Limits } from './routes.js';
import { analyzeModels } from './models.js';
import { analyzeWeights } from './weights.js';

export { DEFAULT_LIMITS, type Limits } from './routes.js';

/** Every code the analyze stage reports. */
export const ANALYSIS_CODES = [
  'empty_range',
  'rule_matches_nothing',
  'invariant_vacuous',
  'route_ambiguous',
  'route_shadowed',
  'route_dead',
  'route_can_be_empty',
  'target_unreachable',
  'weighted_zero_weight',
  'weight_ignored',
  'sticky_key_ignored',
  'max_output_exceeds_context',
  'budget_matches_nothing',
  'classifier_rule_unreachable',
  'classifier_never_sets',
] as const satisfies readonly DiagnosticCode[];

export interface AnalyzeOptions {
  /** The policy compiled already (saves compiling it again). */
  readonly graph?: DecisionGraph;
  readonly limits?: Partial<Limits>;
}

export interface Analysis {
  /** Sorted by file, line, col. */
  readonly diagnostics: Diagnostic[];
  readonly timings: { stage: string; ms: number }[];
  /** Routes whose owned-region checks (shadowed, dead, can be empty, unreachable targets) were skipped at the bound. */
  readonly skipped: readonly string[];
}

export function analyzePolicyDetailed(policy: PolicySet, options: AnalyzeOptions = {}): Analysis {
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const timings: { stage: string; ms: number }[] = [];
  const stage = <T>(name: string, run: () => T): T => {
    const started = performance.now();
    const out = run();
    timings.push({ stage: name, ms: performance.now() - started });
    return out;
  };
  const diagnostics: Diagnostic[] = [];
  const skipped: string[] = [];
  const ranges = stage('ranges', () => checkRanges(policy));
  diagnostics.push(...ranges.diagnostics, ...stage('weights', () => analyzeWeights(policy)), ...stage('models', () => analyzeModels(policy)), ...stage('classifier', () => analyzeClassifier(policy)));
  // Without teams there is no request at all: every request check would fire, for one cause.
  if (policy.teams.size > 0) {
    const d = stage('domain', () => buildDomain(policy));
    const conditions = stage('conditions', () => checkConditions(policy, d, ranges.emptyConditions));
    const routes = stage('routes', () => analyzeRoutes(policy, d, conditions.routes, limits));
    const graph = options.graph ?? stage('compile', () => compile(policy, { classCacheLimit: 0 }));
    const eligibility = stage('eligibility', () =>
      analyzeEligibility({ policy, d, graph, owned: routes.owned, vettings: conditions.vettings, residencies: conditions.residencies, limits }),
    );
    diagnostics.push(...conditions.diagnostics, ...routes.diagnostics, ...eligibility.diagnostics);
    skipped.push(...eligibility.skipped);
    diagnostics.push(...stage('budgets', () => analyzeBudgets(policy, d, eligibility.reach)));
  }
  return { diagnostics: sortDiagnostics(diagnostics), timings, skipped };
}

/** Static analysis of a linked policy: every finding, sorted by file, line, col. */
export const analyzePolicy = (policy: PolicySet, options?: AnalyzeOptions): Diagnostic[] => analyzePolicyDetailed(policy, options).diagnostics;
