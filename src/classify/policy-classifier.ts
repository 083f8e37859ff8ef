// The Classifier and feature extractor of one policy, compiled once and kept while the policy lives: what the
// proxy uses per request and the engine compiles into its decision graph.
import type { PolicySet } from '../policy/model.js';
import type { RequestFeatures } from '../policy/generated/request-context.js';
import { classifierEntryOf, compileClassifier, type CompiledClassifier } from './classifier.js';
import { extractFeatures, NO_KEYWORDS, type BodyProtocol } from './features.js';

/** What a policy needs per request: its compiled Classifier (if any) and the extractor that feeds it. */
export interface PolicyClassifier {
  readonly classifier: CompiledClassifier | undefined;
  extract(body: unknown, protocol: BodyProtocol): RequestFeatures;
}

// Policies are immutable once linked, so one compilation serves every request of a policy snapshot.
const byPolicy = new WeakMap<PolicySet, PolicyClassifier>();

/** The policy's classifier and feature extractor, compiled on first use. */
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
