/* Generated from schema/ by `npm run gen:types` (json-schema-to-typescript). Do not edit. */

/**
 * The engine's answer for one request: the ordered candidates (primary, then fallbacks) or a denial, with the trace of every rule that acted.
 */
export interface Decision {
  outcome: 'route' | 'deny';
  /**
   * Name of the Route that owns the request.
   */
  route?: string;
  candidates: Candidate[];
  deny?: Denial;
  trace: TraceStep[];
  policyVersion: string;
}
export interface Candidate {
  model: string;
  provider: string;
  upstreamModel: string;
}
export interface Denial {
  code: 'invalid_request' | 'data_class_not_allowed' | 'no_route' | 'no_eligible_model' | 'budget_exhausted';
  message: string;
  /**
   * `Kind/name` of the rule that decided.
   */
  rule?: string;
}
export interface TraceStep {
  step: 'admit' | 'context' | 'route' | 'order' | 'capability' | 'vetting' | 'residency' | 'budget' | 'result';
  /**
   * `Kind/name` of the rule that acted.
   */
  rule?: string;
  /**
   * `file:line` of the rule.
   */
  source?: string;
  /**
   * What the step did, e.g. `match`, `remove`, `would-remove`, `deny`, `alert`.
   */
  effect: string;
  detail: string;
}
