// Task and complexity classification: features from a request body (the proxy, `switchyard classify`), and
// the policy's Classifier compiled to decide on them (the engine's context step). Pure, no I/O.
export { boundsHold, classifierEntryOf, compileClassifier, type CompiledClassifier, type CompiledRule, type RequestCounts } from './classifier.js';
export { classifyBody, detectProtocol, type BodyClassification } from './classify-body.js';
export { codeDensity } from './code-density.js';
export { extractFeatures, NO_KEYWORDS, type BodyProtocol, type KeywordSets } from './features.js';
export { KeywordSet } from './keyword-scan.js';
export { distinctKeywords, normalizeKeyword } from './keywords.js';
export { classifierFor, type PolicyClassifier } from './policy-classifier.js';
