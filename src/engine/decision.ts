// Building decisions and trace entries. Everything built here is frozen: cached decisions are shared by every
// request of their class, so no caller may change one.
import type { CModel, CRoute, RuleRef } from './graph.js';
import type { Decision, Denial, TraceStep } from './types.js';
import * as text from './text.js';

export function traceStep(step: TraceStep['step'], ref: RuleRef, effect: string, detail: string): TraceStep {
  return Object.freeze({ step, rule: ref.rule, source: ref.source, effect, detail });
}

export function routeDecision(version: string, route: CRoute, candidates: readonly CModel[], trace: TraceStep[]): Decision {
  const [primary, ...fallbacks] = candidates;
  if (primary === undefined) throw new Error('a route decision needs a candidate');
  const detail = text.routed(primary.name, primary.provider.name, fallbacks.map((m) => m.name));
  trace.push(traceStep('result', route.ref, 'route', detail));
  return Object.freeze({
    outcome: 'route',
    route: route.entry.name,
    candidates: Object.freeze(candidates.map((m) => m.candidate)) as Decision['candidates'],
    trace: Object.freeze(trace) as Decision['trace'],
    policyVersion: version,
  });
}

export function denyDecision(
  version: string,
  code: Denial['code'],
  message: string,
  ref: RuleRef,
  route: CRoute | null,
  trace: TraceStep[],
): Decision {
  trace.push(traceStep('result', ref, 'deny', text.denied(code, message)));
  const deny: Denial = Object.freeze({ code, message, rule: ref.rule });
  const owner = route === null ? {} : { route: route.entry.name };
  return Object.freeze({
    outcome: 'deny',
    ...owner,
    candidates: Object.freeze([]) as unknown as Decision['candidates'],
    deny,
    trace: Object.freeze(trace) as Decision['trace'],
    policyVersion: version,
  });
}
