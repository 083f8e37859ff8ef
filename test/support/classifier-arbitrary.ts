// fast-check generators for classification: Classifier documents over a generated policy's vocabulary, and
// recorded features — from small pools so that rule bounds, keyword spellings and absent or mistyped values
// collide often — plus scenarios (policy with a Classifier, requests with features, spend) for the engine's
// differential test.
import fc from 'fast-check';
import type { ClassifierSpec, ClassifierRule, FeatureMatch } from '../../src/policy/generated/policy.js';
import type { RequestContext, RequestFeatures } from '../../src/engine/types.js';
import type { Doc, PolicyInput } from './policy-builder.js';
import { MAX_TOKENS, PROMPT_SIZES, requestContext, spendSpec, type Scenario } from './policy-arbitrary.js';

/** Keywords as rules write them; features record some in other spellings (the engine compares normal forms). */
export const KEYWORDS = ['contract*', 'how do i', 'refactor', 'tl;dr', 'Summar*', 'balance sheet'];
const RECORDED = ['contract*', 'CONTRACT*', 'how do i', 'How  do I', 'refactor', 'tl dr', 'summar*', 'balance sheet', 'unknown-keyword'];
const COUNTS = [0, 1, 2, 3, 5, 100, 1000];
const SHARES = [0, 0.29, 0.3, 0.5, 1];

const rarely = <T>(arb: fc.Arbitrary<T>, weight = 3): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 10 - weight, arbitrary: fc.constant(undefined) }, { weight, arbitrary: arb });

function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const bounds = (pool: readonly number[]): fc.Arbitrary<{ lt?: number; lte?: number; gt?: number; gte?: number }> =>
  fc
    .record({ lt: fc.constantFrom(...pool), lte: fc.constantFrom(...pool), gt: fc.constantFrom(...pool), gte: fc.constantFrom(...pool) }, { requiredKeys: [] })
    .filter((r) => Object.keys(r).length > 0);

const keywordList = fc.subarray(KEYWORDS, { minLength: 1, maxLength: 3 }) as fc.Arbitrary<[string, ...string[]]>;

export const featureMatch: fc.Arbitrary<FeatureMatch> = fc
  .record({
    promptTokens: rarely(bounds([0, 100, 1000, 5000])),
    messages: rarely(bounds(COUNTS), 2),
    turns: rarely(bounds(COUNTS), 2),
    maxTokens: rarely(bounds([1, 500, 1000]), 2),
    codeDensity: rarely(bounds(SHARES)),
    systemKeywords: rarely(keywordList, 2),
    userKeywords: rarely(keywordList),
    tools: rarely(fc.boolean(), 2),
    images: rarely(fc.boolean(), 2),
    jsonMode: rarely(fc.boolean(), 2),
  })
  .map(compact);

export function classifierSpec(tasks: readonly string[]): fc.Arbitrary<ClassifierSpec> {
  const complexity = fc.constantFrom('low' as const, 'medium' as const, 'high' as const);
  const rule: fc.Arbitrary<ClassifierRule> = fc
    .record({
      name: rarely(fc.constantFrom('code', 'faq', 'long', 'legal'), 6),
      when: featureMatch,
      task: rarely(fc.constantFrom(...tasks), 7),
      complexity: rarely(complexity, 6),
    })
    .map(compact);
  return fc
    .record({
      rules: fc.array(rule, { minLength: 0, maxLength: 5 }),
      default: rarely(fc.record({ task: rarely(fc.constantFrom(...tasks), 5), complexity: rarely(complexity, 5) }).map(compact), 5),
    })
    .map(compact);
}

/** Features as the audit log records them, sometimes partial, sometimes with a value of the wrong type. */
export const recordedFeatures: fc.Arbitrary<RequestFeatures> = fc
  .record({
    promptTokens: rarely(fc.constantFrom(...PROMPT_SIZES), 7),
    messages: rarely(fc.constantFrom(...COUNTS), 7),
    turns: rarely(fc.constantFrom(...COUNTS), 7),
    maxTokens: rarely(fc.constantFrom(...MAX_TOKENS), 5),
    codeDensity: rarely(fc.oneof(fc.constantFrom(...SHARES), fc.constant('high' as unknown as number)), 7),
    tools: rarely(fc.oneof(fc.boolean(), fc.constant('yes' as unknown as boolean)), 7),
    images: rarely(fc.boolean(), 7),
    jsonMode: rarely(fc.boolean(), 7),
    systemKeywords: rarely(fc.subarray(RECORDED, { maxLength: 3 }), 6),
    userKeywords: rarely(fc.oneof(fc.subarray(RECORDED, { maxLength: 3 }), fc.constant('contract*' as unknown as string[])), 8),
  })
  .map(compact);

/** A request of the policy that carries recorded features most of the time (and a task less often). */
export function classifiedRequest(input: PolicyInput): fc.Arbitrary<RequestContext> {
  return fc
    .tuple(requestContext(input), rarely(recordedFeatures, 8))
    .map(([ctx, features]) => (features === undefined ? ctx : { ...ctx, features: { ...(ctx.features ?? {}), ...features } }));
}

/** A generated scenario whose policy has a Classifier (most of the time) and whose requests carry features. */
export function withClassifier(base: fc.Arbitrary<PolicyInput>): fc.Arbitrary<Scenario> {
  return base.chain((policy) => {
    const tasks = policy.organization?.spec.tasks ?? ['general'];
    return rarely(classifierSpec(tasks), 8).chain((spec) => {
      const classifiers: Doc<ClassifierSpec>[] = spec === undefined ? [] : [{ name: 'by-content', spec }];
      const input: PolicyInput = { ...policy, classifiers };
      return fc.record({
        input: fc.constant(input),
        requests: fc.array(classifiedRequest(input), { minLength: 1, maxLength: 25 }),
        spend: spendSpec(input),
      });
    });
  });
}
