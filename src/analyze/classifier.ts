// The Classifier: rules that can never fire (an earlier rule holds whenever they hold — first match wins), and
// the tasks and complexities Routes match on that the Classifier never sets. Both are decided on the rules'
// conditions alone, without enumerating features: a rule is unreachable when its `when` implies an earlier
// rule's, condition by condition (a range inside the earlier range, the same flag, keywords each implying one
// of the earlier rule's). That test is sound (an unreachable verdict is always right) but incomplete for rules
// that are covered only by several earlier rules together, which are not reported.
import { classifierEntryOf } from '../classify/classifier.js';
import { normalizeKeyword } from '../classify/keywords.js';
import { compileGlob } from '../engine/glob.js';
import { teamConditionsHold } from '../engine/match.js';
import type { Diagnostic } from '../errors.js';
import type { ClassifierEntry, PolicySet, RouteEntry } from '../policy/model.js';
import { sourceRef } from '../policy/model.js';
import type { Complexity, FeatureMatch } from '../policy/generated/policy.js';
import { diagnostic } from '../policy/diagnostic.js';
import { emptyCountRange, emptyShareRange } from './ranges.js';

type Bounds = { readonly lt?: number; readonly lte?: number; readonly gt?: number; readonly gte?: number };
const q = (s: string): string => `\`${s}\``;
const qList = (xs: readonly string[]): string => xs.map(q).join(', ');
const COUNT_FIELDS = ['promptTokens', 'messages', 'turns', 'maxTokens'] as const;
const FLAGS = ['tools', 'images', 'jsonMode'] as const;
const KEYWORDS = ['systemKeywords', 'userKeywords'] as const;

/** The whole numbers ≥ 0 a count range holds for, as [lo, hi] (hi may be infinite). */
function countInterval(r: Bounds): [number, number] {
  let lo = 0;
  let hi = Number.POSITIVE_INFINITY;
  if (r.gte !== undefined) lo = Math.max(lo, Math.ceil(r.gte));
  if (r.gt !== undefined) lo = Math.max(lo, Math.floor(r.gt) + 1);
  if (r.lte !== undefined) hi = Math.min(hi, Math.floor(r.lte));
  if (r.lt !== undefined) hi = Math.min(hi, Math.ceil(r.lt) - 1);
  return [lo, hi];
}

interface Edge {
  readonly at: number;
  readonly open: boolean;
}

/** The shares in [0, 1] a density range holds for, with open or closed ends. */
function shareInterval(r: Bounds): [Edge, Edge] {
  let lo: Edge = { at: 0, open: false };
  let hi: Edge = { at: 1, open: false };
  if (r.gte !== undefined && r.gte > lo.at) lo = { at: r.gte, open: false };
  if (r.gt !== undefined && r.gt >= lo.at) lo = { at: r.gt, open: true };
  if (r.lte !== undefined && r.lte < hi.at) hi = { at: r.lte, open: false };
  if (r.lt !== undefined && r.lt <= hi.at) hi = { at: r.lt, open: true };
  return [lo, hi];
}

function shareWithin(inner: Bounds, outer: Bounds): boolean {
  const [a, b] = shareInterval(inner);
  const [c, d] = shareInterval(outer);
  const loOk = a.at > c.at || (a.at === c.at && (a.open || !c.open));
  const hiOk = b.at < d.at || (b.at === d.at && (b.open || !d.open));
  return loOk && hiOk;
}

const hasWildcard = (word: string): boolean => word.includes('*') || word.includes('?');

/** Whether every text a normalized keyword `p` hits is also hit by `q`: q's words inside p's, word by word. */
export function keywordImplies(p: string, q: string): boolean {
  if (q.length === 0) return false;
  if (p.length === 0) return true;
  const pw = p.split(' ');
  const qw = q.split(' ');
  const word = (a: string, b: string): boolean => a === b || /^\*+$/.test(b) || (!hasWildcard(a) && compileGlob(b)(a));
  for (let o = 0; o + qw.length <= pw.length; o++) if (qw.every((w, t) => word(pw[o + t]!, w))) return true;
  return false;
}

/** Whether `later` holding implies `earlier` holds: every condition of `earlier` is matched by a stricter one. */
export function whenImplies(later: FeatureMatch, earlier: FeatureMatch): boolean {
  for (const f of COUNT_FIELDS) {
    const e = earlier[f];
    if (e === undefined) continue;
    const l = later[f];
    if (l === undefined) return false;
    const [a, b] = countInterval(l);
    const [c, d] = countInterval(e);
    if (a < c || b > d) return false;
  }
  if (earlier.codeDensity !== undefined && (later.codeDensity === undefined || !shareWithin(later.codeDensity, earlier.codeDensity))) return false;
  for (const f of FLAGS) if (earlier[f] !== undefined && later[f] !== earlier[f]) return false;
  for (const f of KEYWORDS) {
    const e = earlier[f];
    if (e === undefined) continue;
    const l = later[f];
    if (l === undefined) return false;
    const wanted = e.map(normalizeKeyword);
    if (!l.every((k) => wanted.some((w) => keywordImplies(normalizeKeyword(k), w)))) return false;
  }
  return true;
}

/** Whether a `when` has a range no value satisfies (reported as `empty_range`): the rule never holds. */
function neverHolds(when: FeatureMatch): boolean {
  return COUNT_FIELDS.some((f) => when[f] !== undefined && emptyCountRange(when[f])) || (when.codeDensity !== undefined && emptyShareRange(when.codeDensity));
}

const ruleLabel = (c: ClassifierEntry, i: number): string => {
  const name = c.spec.rules[i]?.name;
  return name === undefined ? `rule #${i + 1}` : `rule ${q(name)}`;
};

interface Reach {
  readonly diagnostics: Diagnostic[];
  /** Rules that can fire, by index. */
  readonly reachable: number[];
  readonly defaultReachable: boolean;
}

function reachability(c: ClassifierEntry): Reach {
  const rules = c.spec.rules;
  const diagnostics: Diagnostic[] = [];
  const reachable: number[] = [];
  rules.forEach((rule, j) => {
    if (neverHolds(rule.when)) return;
    const i = reachable.find((k) => whenImplies(rule.when, rules[k]!.when));
    if (i === undefined) {
      reachable.push(j);
      return;
    }
    const pointer = `/spec/rules/${j}`;
    const earlier = sourceRef(c.locate(`/spec/rules/${i}`));
    const message = `classifier ${ruleLabel(c, j)} never fires: ${ruleLabel(c, i)} (${earlier}) comes first and holds for every request this rule holds for; reorder the rules or narrow the earlier one`;
    diagnostics.push(diagnostic(c.locate(pointer), pointer, 'classifier_rule_unreachable', message));
  });
  // A reachable rule without conditions takes every request, so the default never applies.
  const defaultReachable = !reachable.some((k) => Object.keys(rules[k]!.when).length === 0);
  return { diagnostics, reachable, defaultReachable };
}

/** What the Classifier can set: tasks (unset: the organization default) and complexities (none included). */
function produced(policy: PolicySet, c: ClassifierEntry, reach: Reach): { tasks: Set<string>; complexities: Set<Complexity | undefined> } {
  const fallbackTask = c.spec.default?.task ?? policy.organization.spec.defaults.task;
  const fallbackComplexity = c.spec.default?.complexity;
  const tasks = new Set<string>();
  const complexities = new Set<Complexity | undefined>();
  for (const k of reach.reachable) {
    const rule = c.spec.rules[k]!;
    tasks.add(rule.task ?? fallbackTask);
    complexities.add(rule.complexity ?? fallbackComplexity);
  }
  if (reach.defaultReachable) {
    tasks.add(fallbackTask);
    complexities.add(fallbackComplexity);
  }
  return { tasks, complexities };
}

function neverSets(policy: PolicySet, c: ClassifierEntry | undefined, reach: Reach | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  const made = c === undefined || reach === undefined ? undefined : produced(policy, c, reach);
  const sets = (xs: Iterable<string | undefined>): string => {
    const named = [...xs].filter((x): x is string => x !== undefined).sort();
    return named.length === 0 ? 'sets none' : `sets only ${qList(named)}`;
  };
  const headerAllowed = (r: RouteEntry): boolean =>
    [...policy.teams.values()].some((t) => t.spec.allowTaskHeader !== false && teamConditionsHold(r.spec.match, t));
  for (const r of policy.routes.values()) {
    const tasks = r.spec.match?.tasks;
    if (made !== undefined && c !== undefined && tasks !== undefined) {
      const missing = tasks.filter((t) => !made.tasks.has(t));
      if (missing.length > 0) {
        const pointer = `/spec/match/tasks/${tasks.indexOf(missing[0]!)}`;
        const it = missing.length === 1 ? 'it' : 'them';
        const reach = headerAllowed(r)
          ? `only callers that send \`x-switchyard-task\` reach the route with ${it}`
          : `no team the route matches may send \`x-switchyard-task\` either, so no live request reaches the route with ${it}`;
        const message = `route ${q(r.name)} matches ${missing.length === 1 ? 'task' : 'tasks'} ${qList(missing)}, which Classifier ${q(c.name)} never sets (it ${sets(made.tasks)}): ${reach}`;
        out.push(diagnostic(r.locate(pointer), pointer, 'classifier_never_sets', message));
      }
    }
    const levels = r.spec.match?.complexity;
    if (levels === undefined) continue;
    const missing = made === undefined ? levels : levels.filter((l) => !made.complexities.has(l));
    if (missing.length === 0) continue;
    const pointer = `/spec/match/complexity/${levels.indexOf(missing[0]!)}`;
    const message =
      made === undefined || c === undefined
        ? `route ${q(r.name)} matches on complexity but the policy has no Classifier: no live request has a complexity (callers cannot declare one), so only Tests and \`explain\` reach the route`
        : `route ${q(r.name)} matches ${missing.length === 1 ? 'complexity' : 'complexities'} ${qList(missing)}, which Classifier ${q(c.name)} never sets (it ${sets(made.complexities)}): no live request reaches the route with ${missing.length === 1 ? 'it' : 'them'}`;
    out.push(diagnostic(r.locate(pointer), pointer, 'classifier_never_sets', message));
  }
  return out;
}

/** Unreachable Classifier rules, and tasks and complexities that Routes match on but the Classifier never sets. */
/**
 * The tasks a request can end up with when its caller may not declare one (a team with `allowTaskHeader:
 * false`): what the Classifier's reachable rules and default can set, or the Organization default without one.
 */
export function classifiedTasks(policy: PolicySet): ReadonlySet<string> {
  const c = classifierEntryOf(policy);
  if (c === undefined) return new Set([policy.organization.spec.defaults.task]);
  return produced(policy, c, reachability(c)).tasks;
}

export function analyzeClassifier(policy: PolicySet): Diagnostic[] {
  const c = classifierEntryOf(policy);
  const reach = c === undefined ? undefined : reachability(c);
  return [...(reach?.diagnostics ?? []), ...neverSets(policy, c, reach)];
}
