// Request conditions that no request satisfies: a Route, Vetting or Residency `match` (rule_matches_nothing)
// or an Invariant `forAll` (invariant_vacuous). With every name resolved by the link stage and empty ranges
// reported on their own, a condition is empty only through teams: no team has the labels, or no team it
// covers may declare the data classes it lists. The message says which, at that condition.
import type { RequestMatch, TeamLabelSelector } from '../policy/generated/policy.js';
import { diagnostic } from '../policy/diagnostic.js';
import type { Kind, PolicyEntry, PolicySet } from '../policy/model.js';
import type { Diagnostic, DiagnosticCode } from '../errors.js';
import { isEmpty, members } from './bitset.js';
import { boxOf, DATA_CLASS, nonEmpty, someTeamAllows, teamsOf, type Box, type Domain } from './domain.js';

const q = (s: string): string => `\`${s.replace(/`/g, "'")}\``;
const qList = (xs: readonly string[]): string => xs.map(q).join(', ');
const plural = (n: number, one: string, many: string): string => (n === 1 ? one : many);

export function describeLabels(selector: TeamLabelSelector): string {
  return Object.entries(selector)
    .flatMap(([k, v]) => (v === undefined ? [] : [`${q(k)}=${(typeof v === 'string' ? [v] : v).map(q).join('|')}`]))
    .join(', ');
}

/** Why `teams` and `teamLabels` together select no team. */
export function noTeamWithLabels(d: Domain, teams: readonly string[] | undefined, labels: TeamLabelSelector): string {
  const anyTeam = !isEmpty(teamsOf(d, { teamLabels: labels }));
  if (!anyTeam || teams === undefined) return `no team has labels ${describeLabels(labels)}`;
  return teams.length === 1
    ? `team ${q(teams[0]!)} does not have labels ${describeLabels(labels)}`
    : `none of teams ${qList(teams)} has labels ${describeLabels(labels)}`;
}

/** Why a condition with an empty box holds for no request, and the node to point at. */
export function whyEmpty(d: Domain, match: RequestMatch, at: string): { pointer: string; reason: string } {
  const teams = teamsOf(d, match);
  const labels = match.teamLabels;
  if (isEmpty(teams) && labels !== undefined) return { pointer: `${at}/teamLabels`, reason: noTeamWithLabels(d, match.teams, labels) };
  if (match.dataClasses !== undefined && !someTeamAllows(d, teams, boxOf(d, { dataClasses: match.dataClasses })[DATA_CLASS]!)) {
    const names = [...members(teams)].map((t) => d.teams[t]!);
    const classes = `${plural(match.dataClasses.length, 'data class', 'data classes')} ${qList(match.dataClasses)}`;
    const scoped = match.teams !== undefined || labels !== undefined;
    const allows =
      scoped && names.length <= 3 ? ` (${names.map((t) => `${q(t.name)} allows ${qList(t.spec.dataClasses.allowed)}`).join('; ')})` : '';
    const reason = !scoped
      ? `no team may declare ${classes}`
      : names.length === 1
        ? `its only team ${q(names[0]!.name)} may not declare ${classes}${allows}`
        : `none of its teams ${qList(names.map((t) => t.name))} may declare ${classes}${allows}`;
    return { pointer: `${at}/dataClasses`, reason };
  }
  return { pointer: at, reason: 'no request satisfies every condition' };
}

export interface Conditions {
  readonly diagnostics: Diagnostic[];
  /** Per route name: its box, or null when it matches no request. */
  readonly routes: ReadonlyMap<string, Box | null>;
  /** Per Vetting and per Residency rule, in declaration order (an empty box overlaps nothing). */
  readonly vettings: readonly Box[];
  readonly residencies: readonly Box[];
}

type Subject = PolicyEntry<Kind, unknown>;

interface Checker {
  readonly d: Domain;
  readonly out: Diagnostic[];
  /** `Kind/name` of conditions whose empty prompt-token range is already reported, at the range. */
  readonly skip: ReadonlySet<string>;
}

/** The box of a condition; reports it when it holds for no request. */
function check(c: Checker, entry: Subject, match: RequestMatch | undefined, at: string, code: DiagnosticCode, lead: string): Box {
  const box = boxOf(c.d, match);
  if (match !== undefined && !nonEmpty(c.d, box) && !c.skip.has(`${entry.kind}/${entry.name}`)) {
    const { pointer, reason } = whyEmpty(c.d, match, at);
    c.out.push(diagnostic(entry.locate(pointer), pointer, code, `${lead}: ${reason}`));
  }
  return box;
}

/** Boxes of every request condition, reporting those that hold for no request. */
export function checkConditions(policy: PolicySet, d: Domain, emptyRanges: ReadonlySet<string>): Conditions {
  const c: Checker = { d, out: [], skip: emptyRanges };
  const matchBox = (kind: string, e: Subject & { spec: { match?: RequestMatch } }): Box =>
    check(c, e, e.spec.match, '/spec/match', 'rule_matches_nothing', `${kind} ${q(e.name)} matches no request`);
  const routes = new Map<string, Box | null>();
  for (const r of policy.routes.values()) {
    const box = matchBox('route', r);
    routes.set(r.name, nonEmpty(d, box) ? box : null);
  }
  const vettings = [...policy.vettings.values()].map((v) => matchBox('vetting rule', v));
  const residencies = [...policy.residencies.values()].map((r) => matchBox('residency rule', r));
  for (const i of policy.invariants.values()) {
    const lead = `invariant ${q(i.name)} checks nothing: its \`forAll\` covers no request`;
    check(c, i, i.spec.forAll, '/spec/forAll', 'invariant_vacuous', lead);
  }
  return { diagnostics: c.out, routes, vettings, residencies };
}
