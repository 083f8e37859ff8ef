// A Classifier compiled once per policy: each rule's `when` as a predicate over recorded features, the
// outcome of each rule (its task and complexity, else the default's), and the keywords the feature extractor
// must look for. Predicates read features the way the audit log records them, so live classification (the
// proxy extracts, then `decide` classifies) and replay (`dry-run` reads the record) are the same computation.
//
// A feature that is absent or of the wrong type fails every numeric condition on it (a request that sets no
// `max_tokens` is neither above nor below a bound), counts as `false` for `tools`/`images`/`jsonMode`, and
// has no keyword hits — except `promptTokens` and `maxTokens`, which default to the request's own (so a Test
// or a hand-written traffic line need not repeat them).
import type { ClassifierEntry, PolicySet, SourceLocation } from '../policy/model.js';
import type { Complexity, FeatureMatch } from '../policy/generated/policy.js';
import type { RequestFeatures } from '../policy/generated/request-context.js';
import { KeywordSet } from './keyword-scan.js';
import { distinctKeywords, normalizeKeyword } from './keywords.js';
import type { KeywordSets } from './features.js';

type Bounds = { readonly lt?: number; readonly lte?: number; readonly gt?: number; readonly gte?: number };
/** The request's own counts, which the `promptTokens` and `maxTokens` features default to. */
export interface RequestCounts {
  readonly promptTokens?: number;
  readonly maxTokens?: number;
}
type Predicate = (f: RequestFeatures, counts: RequestCounts) => boolean;

/** Whether `v` is a finite number within every bound. */
export function boundsHold(b: Bounds, v: unknown): boolean {
  if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  if (b.lt !== undefined && !(v < b.lt)) return false;
  if (b.lte !== undefined && !(v <= b.lte)) return false;
  if (b.gt !== undefined && !(v > b.gt)) return false;
  if (b.gte !== undefined && !(v >= b.gte)) return false;
  return true;
}

/** Recorded hits in normalized form: identity for the spellings this policy records, else normalized. */
type Canon = (hit: string) => string;

function anyHit(hits: unknown, wanted: ReadonlySet<string>, canon: Canon): boolean {
  if (!Array.isArray(hits)) return false;
  for (const h of hits) if (typeof h === 'string' && wanted.has(canon(h))) return true;
  return false;
}

function compileWhen(when: FeatureMatch, canon: Canon): Predicate {
  const checks: Predicate[] = [];
  for (const field of ['promptTokens', 'maxTokens'] as const) {
    const b: Bounds | undefined = when[field];
    if (b !== undefined) checks.push((f, counts) => boundsHold(b, f[field] ?? counts[field]));
  }
  for (const field of ['messages', 'turns', 'codeDensity'] as const) {
    const b: Bounds | undefined = when[field];
    if (b !== undefined) checks.push((f) => boundsHold(b, f[field]));
  }
  for (const field of ['tools', 'images', 'jsonMode'] as const) {
    const want = when[field];
    if (want !== undefined) checks.push((f) => (f[field] === true) === want);
  }
  for (const field of ['systemKeywords', 'userKeywords'] as const) {
    const patterns = when[field];
    if (patterns === undefined) continue;
    const wanted = new Set(patterns.map(normalizeKeyword));
    checks.push((f) => anyHit(f[field], wanted, canon));
  }
  if (checks.length === 1) return checks[0]!;
  return (f, counts) => {
    for (const check of checks) if (!check(f, counts)) return false;
    return true;
  };
}

export interface CompiledRule {
  /** Position in `spec.rules`. */
  readonly index: number;
  readonly name: string | undefined;
  readonly when: FeatureMatch;
  readonly holds: Predicate;
  /** What the rule sets when it fires: its own value, else the default's; undefined: neither sets one. */
  readonly task: string | undefined;
  readonly complexity: Complexity | undefined;
  readonly source: SourceLocation;
}

export interface CompiledClassifier {
  readonly entry: ClassifierEntry;
  readonly rules: readonly CompiledRule[];
  /** The default's task and complexity (each may be unset), and where it is written. */
  readonly fallback: { readonly task: string | undefined; readonly complexity: Complexity | undefined; readonly source: SourceLocation };
  /** Keywords the extractor records hits of. */
  readonly keywords: KeywordSets;
  /** Index of the first rule whose `when` holds, or `rules.length` when the default applies. */
  match(features: RequestFeatures, counts: RequestCounts): number;
}

/** The policy's Classifier (at most one: the link stage refuses a second). */
export const classifierEntryOf = (policy: PolicySet): ClassifierEntry | undefined => policy.classifiers.values().next().value;

export function compileClassifier(entry: ClassifierEntry): CompiledClassifier {
  const spec = entry.spec;
  const fallbackTask = spec.default?.task;
  const fallbackComplexity = spec.default?.complexity;
  const system = distinctKeywords(spec.rules.flatMap((r) => r.when.systemKeywords ?? []));
  const user = distinctKeywords(spec.rules.flatMap((r) => r.when.userKeywords ?? []));
  const known = new Set([...system, ...user]);
  const canon: Canon = (hit) => (known.has(hit) ? hit : normalizeKeyword(hit));
  const rules = spec.rules.map(
    (r, index): CompiledRule => ({
      index,
      name: r.name,
      when: r.when,
      holds: compileWhen(r.when, canon),
      task: r.task ?? fallbackTask,
      complexity: r.complexity ?? fallbackComplexity,
      source: entry.locate(`/spec/rules/${index}`),
    }),
  );
  return {
    entry,
    rules,
    fallback: { task: fallbackTask, complexity: fallbackComplexity, source: entry.locate('/spec/default') },
    keywords: { system: new KeywordSet(system), user: new KeywordSet(user) },
    match(features, counts) {
      for (let i = 0; i < rules.length; i++) if (rules[i]!.holds(features, counts)) return i;
      return rules.length;
    },
  };
}
