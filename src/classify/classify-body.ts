// One request body classified the way the proxy and `decide` classify it, with every part of the answer named:
// the features, the rule that fired (or the default), and where the task and complexity came from. What
// `switchyard classify` prints; the engine's own path is `decide` on a context carrying the features.
import type { Complexity } from '../policy/generated/policy.js';
import type { RequestFeatures } from '../policy/generated/request-context.js';
import { ruleId, type PolicySet, type SourceLocation } from '../policy/model.js';
import type { BodyProtocol } from './features.js';
import { classifierFor } from './policy-classifier.js';

export interface BodyClassification {
  readonly protocol: BodyProtocol;
  readonly features: RequestFeatures;
  /** The policy's Classifier (`Kind/name`) and where it starts; absent when the policy has none. */
  readonly classifier?: { readonly rule: string; readonly source: SourceLocation };
  /** The rule that fired; absent when the default applied or there is no Classifier. */
  readonly rule?: { readonly index: number; readonly name?: string; readonly source: SourceLocation };
  readonly task: string;
  readonly taskFrom: 'rule' | 'classifier default' | 'organization default';
  readonly complexity?: Complexity;
  readonly complexityFrom?: 'rule' | 'classifier default';
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const ANTHROPIC_PARTS: ReadonlySet<string> = new Set(['tool_use', 'tool_result', 'thinking', 'document']);

/**
 * The wire protocol a body is written in: Anthropic when it has a top-level `system`, or content blocks only
 * the Messages API has (`tool_use`, `tool_result`, `thinking`, `document`, an `image` with a `source`);
 * OpenAI otherwise — the shapes the two APIs share read the same either way.
 */
export function detectProtocol(body: unknown): BodyProtocol {
  if (!isObject(body)) return 'openai';
  if (body.system !== undefined) return 'anthropic';
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    if (!isObject(m) || !Array.isArray(m.content)) continue;
    for (const part of m.content) {
      if (!isObject(part) || typeof part.type !== 'string') continue;
      if (ANTHROPIC_PARTS.has(part.type) || (part.type === 'image' && part.source !== undefined)) return 'anthropic';
    }
  }
  return 'openai';
}

export function classifyBody(policy: PolicySet, body: unknown, protocol: BodyProtocol): BodyClassification {
  const { classifier, extract } = classifierFor(policy);
  const features = extract(body, protocol);
  const orgTask = policy.organization.spec.defaults.task;
  if (classifier === undefined) return { protocol, features, task: orgTask, taskFrom: 'organization default' };
  const i = classifier.match(features, {});
  const rule = classifier.rules[i];
  const fallback = classifier.fallback;
  const setTask = rule?.task ?? fallback.task;
  const setComplexity = rule?.complexity ?? fallback.complexity;
  const from = (own: unknown): 'rule' | 'classifier default' => (own !== undefined ? 'rule' : 'classifier default');
  const spec = rule === undefined ? undefined : classifier.entry.spec.rules[rule.index];
  return {
    protocol,
    features,
    classifier: { rule: ruleId(classifier.entry), source: classifier.entry.source },
    ...(rule === undefined ? {} : { rule: { index: rule.index, ...(rule.name === undefined ? {} : { name: rule.name }), source: rule.source } }),
    task: setTask ?? orgTask,
    taskFrom: setTask === undefined ? 'organization default' : from(spec?.task),
    ...(setComplexity === undefined ? {} : { complexity: setComplexity, complexityFrom: from(spec?.complexity) }),
  };
}
