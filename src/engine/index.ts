// The engine's public API: compile a policy once, decide requests many times, explain the answer.
export type { BudgetState, Candidate, Decision, Denial, RequestContext, RequestFeatures, TraceStep } from './types.js';
export { NO_SPEND } from './types.js';
export type { CompileResult, DecisionGraph } from './graph.js';
export { compile, compileWithTimings, CLASS_CACHE_LIMIT, type CompileOptions } from './compile.js';
export { decide } from './decide.js';
export { referenceDecide } from './reference.js';
export { budgetStateFromPercents, estimateCostUsd, percentUsed, pricePerMTok } from './pricing.js';
export { formatDecision } from './format.js';
export { compileGlob, globMatch, type GlobMatcher } from './glob.js';
export { fnv1a32 } from './hash.js';
export {
  compileMatch,
  matchesRequest,
  teamConditionsHold,
  teamLabelsHold,
  tokenRangeHolds,
  type MatchPredicate,
  type ResolvedRequest,
} from './match.js';
export { byPriority } from './compile-routes.js';
export { checkRequestContext, type RequestCheck, requestContextFields } from './request-validate.js';
