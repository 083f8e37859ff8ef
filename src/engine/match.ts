// Request conditions (Route, Vetting and Residency `match`, Invariant `forAll`) as predicates compiled once.
// The compiled engine indexes routes instead of calling these per request; the verifier, the analyzer and the
// proxy use them directly, and the index is built from the same per-condition functions.
import type { Complexity, RequestMatch, TeamLabelSelector, TokenRange } from '../policy/generated/policy.js';
import type { TeamEntry } from '../policy/model.js';

/** A request after admission: defaults applied, vocabulary checked. */
export interface ResolvedRequest {
  readonly team: TeamEntry;
  readonly dataClass: string;
  readonly task: string;
  readonly complexity: Complexity | undefined;
  /** The model string the client asked for, exactly. */
  readonly model: string;
  readonly promptTokens: number;
  readonly stream: boolean;
}

export type MatchPredicate = (req: ResolvedRequest) => boolean;

/** Whether `n` satisfies every bound of the range. */
export function tokenRangeHolds(range: TokenRange, n: number): boolean {
  if (range.lt !== undefined && !(n < range.lt)) return false;
  if (range.lte !== undefined && !(n <= range.lte)) return false;
  if (range.gt !== undefined && !(n > range.gt)) return false;
  if (range.gte !== undefined && !(n >= range.gte)) return false;
  return true;
}

/** Whether the team carries every selected label key with one of the selected values. */
export function teamLabelsHold(selector: TeamLabelSelector, team: TeamEntry): boolean {
  const labels = team.metadata.labels ?? {};
  for (const [key, want] of Object.entries(selector)) {
    if (want === undefined) continue;
    const have = labels[key];
    if (have === undefined) return false;
    if (typeof want === 'string' ? have !== want : !want.includes(have)) return false;
  }
  return true;
}

/** Whether the team conditions (`teams`, `teamLabels`) of a match hold for a team. */
export function teamConditionsHold(match: Pick<RequestMatch, 'teams' | 'teamLabels'> | undefined, team: TeamEntry): boolean {
  if (!match) return true;
  if (match.teams && !match.teams.includes(team.name)) return false;
  if (match.teamLabels && !teamLabelsHold(match.teamLabels, team)) return false;
  return true;
}

/** Compile a match into a predicate; an absent or empty match holds for every request. */
export function compileMatch(match: RequestMatch | undefined): MatchPredicate {
  if (!match) return () => true;
  const checks: MatchPredicate[] = [];
  if (match.teams) {
    const teams = new Set<string>(match.teams);
    checks.push((r) => teams.has(r.team.name));
  }
  const labels = match.teamLabels;
  if (labels) checks.push((r) => teamLabelsHold(labels, r.team));
  if (match.dataClasses) {
    const classes = new Set<string>(match.dataClasses);
    checks.push((r) => classes.has(r.dataClass));
  }
  if (match.tasks) {
    const tasks = new Set<string>(match.tasks);
    checks.push((r) => tasks.has(r.task));
  }
  if (match.complexity) {
    const levels = new Set<string>(match.complexity);
    checks.push((r) => r.complexity !== undefined && levels.has(r.complexity));
  }
  if (match.models) {
    const models = new Set<string>(match.models);
    checks.push((r) => models.has(r.model));
  }
  const range = match.promptTokens;
  if (range) checks.push((r) => tokenRangeHolds(range, r.promptTokens));
  const stream = match.stream;
  if (stream !== undefined) checks.push((r) => r.stream === stream);
  return (r) => {
    for (const check of checks) if (!check(r)) return false;
    return true;
  };
}

/** One-off evaluation of a match; prefer `compileMatch` when the same match is evaluated repeatedly. */
export const matchesRequest = (match: RequestMatch | undefined, req: ResolvedRequest): boolean => compileMatch(match)(req);
