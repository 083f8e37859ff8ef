// Task and complexity classification: features from a request body (the proxy, `switchyard classify`), and
// the policy's Classifier compiled to decide on them (the engine's context step). Pure, no I/O.
import type { PolicySet } from '../policy/model.js';
import type { RequestFeatures } from '../policy/generated/request-context.js';
import { classifierEntryOf, compileClassifier, type CompiledClassifier } from './classifier.js';
import { extractFeatures, NO_KEYWORDS, type BodyProtocol } from './features.js';

export { boundsHold, classifierEntryOf, compileClassifier, type CompiledClassifier, type CompiledRule } from './classifier.js';
export { codeDensity } from './code-density.js';
export { extractFeatures, NO_KEYWORDS, type BodyProtocol, type KeywordSets } from './features.js';
export { compileKeyword, distinctKeywords, normalizeKeyword, type KeywordMatcher } from './keywords.js';

/** What a policy needs per request: its compiled Classifier (if any) and the extractor that feeds it. */
export interface PolicyClassifier {
  readonly classifier: CompiledClassifier | undefined;
  extract(body: unknown, protocol: BodyProtocol): RequestFeatures;
}

// Policies are immutable once linked, so one compilation serves every request of a policy snapshot.
const byPolicy = new WeakMap<PolicySet, PolicyClassifier>();

/** The policy's classifier and feature extractor, compiled on first use and kept while the policy lives. */
export function classifierFor(policy: PolicySet): PolicyClassifier {
  const cached = byPolicy.get(policy);
  if (cached !== undefined) return cached;
  const entry = classifierEntryOf(policy);
  const classifier = entry === undefined ? undefined : compileClassifier(entry);
  const keywords = classifier?.keywords ?? NO_KEYWORDS;
  const made: PolicyClassifier = { classifier, extract: (body, protocol) => extractFeatures(body, protocol, keywords) };
  byPolicy.set(policy, made);
  return made;
}
