// The reference evaluator's context step when the policy has a Classifier: docs/decision-semantics.md read
// literally — the first rule whose `when` holds on the recorded features, else the default, filling only
// what the caller left unset. Shares only the wording (text.ts) and the keyword normal form with the engine.
import type { FeatureMatch } from '../policy/generated/policy.js';
import type { RequestFeatures } from '../policy/generated/request-context.js';
import { ruleId, sourceRef, type PolicySet } from '../policy/model.js';
import { normalizeKeyword } from '../classify/keywords.js';
import type { RequestContext } from './types.js';
import * as text from './text.js';

/** A Classifier rule's `when` read literally against recorded features (absent or mistyped: no; token counts default to the request's). */
function featuresHold(when: FeatureMatch, f: RequestFeatures, ctx: RequestContext): boolean {
  type B = { lt?: number; lte?: number; gt?: number; gte?: number };
  const within = (b: B | undefined, v: unknown): boolean =>
    b === undefined ||
    (typeof v === 'number' &&
      Number.isFinite(v) &&
      (b.lt === undefined || v < b.lt) &&
      (b.lte === undefined || v <= b.lte) &&
      (b.gt === undefined || v > b.gt) &&
      (b.gte === undefined || v >= b.gte));
  const hit = (patterns: readonly string[] | undefined, hits: unknown): boolean =>
    patterns === undefined ||
    (Array.isArray(hits) && hits.some((h) => typeof h === 'string' && patterns.some((p) => normalizeKeyword(p) === normalizeKeyword(h))));
  const flag = (want: boolean | undefined, have: unknown): boolean => want === undefined || (have === true) === want;
  return (
    within(when.promptTokens, f.promptTokens ?? ctx.promptTokens) &&
    within(when.messages, f.messages) &&
    within(when.turns, f.turns) &&
    within(when.maxTokens, f.maxTokens ?? ctx.maxTokens) &&
    within(when.codeDensity, f.codeDensity) &&
    hit(when.systemKeywords, f.systemKeywords) &&
    hit(when.userKeywords, f.userKeywords) &&
    flag(when.tools, f.tools) &&
    flag(when.images, f.images) &&
    flag(when.jsonMode, f.jsonMode)
  );
}

export interface Resolved {
  readonly task: string;
  readonly taskFrom: text.ValueSource;
  readonly complexity: string | undefined;
  readonly complexityFrom: 'declared' | 'classifier';
  /** Set when the Classifier ran: its trace reference and the start of the context detail. */
  readonly by?: { readonly rule: string; readonly source: string; readonly text: string };
}

/** Task and complexity: declared, else classified from the features (when there is a Classifier), else defaults. */
export function resolveTaskAndComplexity(policy: PolicySet, ctx: RequestContext): Resolved {
  const declared: Resolved = {
    task: ctx.task ?? policy.organization.spec.defaults.task,
    taskFrom: ctx.task === undefined ? 'default' : 'declared',
    complexity: ctx.complexity,
    complexityFrom: 'declared',
  };
  const classifier = [...policy.classifiers.values()][0];
  const f = ctx.features;
  if (classifier === undefined || typeof f !== 'object' || f === null) return declared;
  if (ctx.task !== undefined && ctx.complexity !== undefined) return declared;
  const rules = classifier.spec.rules;
  const fired = rules.findIndex((r) => featuresHold(r.when, f, ctx));
  const rule = fired < 0 ? undefined : rules[fired];
  const setTask = rule?.task ?? classifier.spec.default?.task;
  const setComplexity = rule?.complexity ?? classifier.spec.default?.complexity;
  const at = classifier.locate(rule === undefined ? '/spec/default' : `/spec/rules/${fired}`);
  const by = rule === undefined ? text.classifierDefault : text.classifierMatched(text.classifierRuleLabel(fired, rule.name), rule.when);
  const classifyTask = ctx.task === undefined && setTask !== undefined;
  const classifyComplexity = ctx.complexity === undefined && setComplexity !== undefined;
  return {
    task: classifyTask ? setTask : declared.task,
    taskFrom: classifyTask ? 'classifier' : declared.taskFrom,
    complexity: classifyComplexity ? setComplexity : declared.complexity,
    complexityFrom: classifyComplexity ? 'classifier' : 'declared',
    by: { rule: ruleId(classifier), source: sourceRef(at), text: by },
  };
}
