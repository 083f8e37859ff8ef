// Numeric ranges that no value satisfies (`gt: 100, lt: 50`): prompt-token bounds of every request condition,
// and the feature bounds of Classifier rules. Such a condition never holds, which is never what was meant.
import type { FeatureMatch, RequestMatch, TokenRange } from '../policy/generated/policy.js';
import { diagnostic } from '../policy/diagnostic.js';
import type { Kind, PolicyEntry, PolicySet } from '../policy/model.js';
import type { Diagnostic } from '../errors.js';

type Bounds = { lt?: number; lte?: number; gt?: number; gte?: number };

/** Whether no whole number ≥ 0 satisfies every bound (token counts, messages, turns). */
export function emptyCountRange(r: TokenRange): boolean {
  let lo = 0;
  let hi = Number.POSITIVE_INFINITY; // inclusive
  if (r.gte !== undefined) lo = Math.max(lo, Math.ceil(r.gte));
  if (r.gt !== undefined) lo = Math.max(lo, Math.floor(r.gt) + 1);
  if (r.lte !== undefined) hi = Math.min(hi, Math.floor(r.lte));
  if (r.lt !== undefined) hi = Math.min(hi, Math.ceil(r.lt) - 1);
  return lo > hi;
}

/** Whether no share in [0, 1] satisfies every bound (code density). */
export function emptyShareRange(r: Bounds): boolean {
  let lo = 0;
  let loOpen = false;
  let hi = 1;
  let hiOpen = false;
  if (r.gte !== undefined && r.gte > lo) [lo, loOpen] = [r.gte, false];
  if (r.gt !== undefined && r.gt >= lo) [lo, loOpen] = [r.gt, true];
  if (r.lte !== undefined && r.lte < hi) [hi, hiOpen] = [r.lte, false];
  if (r.lt !== undefined && r.lt <= hi) [hi, hiOpen] = [r.lt, true];
  return lo > hi || (lo === hi && (loOpen || hiOpen));
}

/** `gt: 100, lt: 50`, the way the user wrote it. */
export const describeBounds = (r: Bounds): string =>
  (['gt', 'gte', 'lt', 'lte'] as const).flatMap((k) => (r[k] === undefined ? [] : [`${k}: ${r[k]}`])).join(', ');

interface Found {
  readonly diagnostics: Diagnostic[];
  /** `Kind/name` of every Route, Vetting, Residency and Invariant whose condition has an empty prompt-token range. */
  readonly emptyConditions: Set<string>;
}

const WHAT = {
  promptTokens: 'whole number of prompt tokens',
  messages: 'whole number of messages',
  turns: 'whole number of turns',
  maxTokens: 'whole number of max tokens',
  codeDensity: 'share of code between 0 and 1',
} as const;

function report(found: Found, entry: PolicyEntry<Kind, unknown>, pointer: string, field: keyof typeof WHAT, r: Bounds): void {
  const message = `empty range \`${describeBounds(r)}\` for \`${field}\`: no ${WHAT[field]} satisfies every bound, so this condition never holds`;
  found.diagnostics.push(diagnostic(entry.locate(pointer), pointer, 'empty_range', message));
}

function checkMatch(found: Found, entry: PolicyEntry<Kind, unknown>, match: RequestMatch | undefined, at: string): void {
  const r = match?.promptTokens;
  if (r === undefined || !emptyCountRange(r)) return;
  report(found, entry, `${at}/promptTokens`, 'promptTokens', r);
  found.emptyConditions.add(`${entry.kind}/${entry.name}`);
}

function checkFeatures(found: Found, entry: PolicyEntry<Kind, unknown>, when: FeatureMatch, at: string): void {
  for (const field of ['promptTokens', 'messages', 'turns', 'maxTokens'] as const) {
    const r = when[field];
    if (r !== undefined && emptyCountRange(r)) report(found, entry, `${at}/${field}`, field, r);
  }
  if (when.codeDensity !== undefined && emptyShareRange(when.codeDensity)) report(found, entry, `${at}/codeDensity`, 'codeDensity', when.codeDensity);
}

export function checkRanges(policy: PolicySet): Found {
  const found: Found = { diagnostics: [], emptyConditions: new Set() };
  for (const r of policy.routes.values()) checkMatch(found, r, r.spec.match, '/spec/match');
  for (const v of policy.vettings.values()) checkMatch(found, v, v.spec.match, '/spec/match');
  for (const r of policy.residencies.values()) checkMatch(found, r, r.spec.match, '/spec/match');
  for (const i of policy.invariants.values()) checkMatch(found, i, i.spec.forAll, '/spec/forAll');
  for (const c of policy.classifiers.values()) c.spec.rules.forEach((rule, i) => checkFeatures(found, c, rule.when, `/spec/rules/${i}/when`));
  return found;
}
