// The request space as seven finite attributes — team, data class, task, requested model, complexity, stream,
// prompt-token interval — and a condition (`match`, `forAll`) as a box: one set of values per attribute. A
// request is in a box when each of its values is in the box's set and its team may declare its data class
// (the one constraint between attributes). The prompt intervals are cut at every bound any rule mentions and
// at every context window, so every condition holds on whole intervals and box algebra is exact.
import type { Complexity, RequestMatch, TeamLabelSelector, TokenRange } from '../policy/generated/policy.js';
import { modelAliases, type PolicySet, type TeamEntry } from '../policy/model.js';
import { teamLabelsHold, tokenRangeHolds } from '../engine/index.js';
import type { RequestContext } from '../engine/types.js';
import { promptTokenCutPoints, unknownModelName } from '../verify/space.js';
import { and, andNot, bitsOf, firstBit, fullBits, hasBit, intersects, isEmpty, isSubset, members, type Bits } from './bitset.js';

export const TEAM = 0;
export const DATA_CLASS = 1;
export const TASK = 2;
export const MODEL = 3;
export const COMPLEXITY = 4;
export const STREAM = 5;
export const PROMPT = 6;
export const ATTRIBUTES = 7;

/** One set per attribute, indexed by the constants above. Never changed once built. */
export type Box = readonly Bits[];

/** Complexity slots: 0 is "no complexity" (a route matching on complexity never holds for it). */
export const COMPLEXITIES: readonly (Complexity | undefined)[] = [undefined, 'low', 'medium', 'high'];

export interface Domain {
  readonly teams: readonly TeamEntry[];
  readonly teamIndex: ReadonlyMap<string, number>;
  readonly dataClasses: readonly string[];
  readonly tasks: readonly string[];
  readonly defaultTask: number;
  /** Every model string a rule can name, then one no rule names (standing for all such strings). */
  readonly models: readonly string[];
  /** The Organization's model aliases among `models`: what example requests ask for when they can. */
  readonly aliases: Bits;
  /** Interval i is [promptCuts[i], promptCuts[i+1]); the last is unbounded. promptCuts[0] is 0. */
  readonly promptCuts: readonly number[];
  readonly sizes: readonly number[];
  /** Per team: the data classes it may declare. */
  readonly allowed: readonly Bits[];
  /** Every request. */
  readonly full: Box;
}

const indexOf = (names: readonly string[]): Map<string, number> => new Map(names.map((n, i) => [n, i]));

function requestMatches(policy: PolicySet): (RequestMatch | undefined)[] {
  return [
    ...[...policy.routes.values()].map((r) => r.spec.match),
    ...[...policy.vettings.values()].map((v) => v.spec.match),
    ...[...policy.residencies.values()].map((r) => r.spec.match),
    ...[...policy.invariants.values()].map((i) => i.spec.forAll),
  ];
}

export function buildDomain(policy: PolicySet): Domain {
  const teams = [...policy.teams.values()];
  const org = policy.organization.spec;
  const dataClasses = [...org.dataClasses];
  const classIndex = indexOf(dataClasses);
  const tasks = [...org.tasks];
  // The abstraction `switchyard test` proves invariants over: every model name a rule can use plus one no rule
  // uses, and the prompt-token cuts (every bound and every context window).
  const named = new Set<string>([...policy.models.keys(), ...modelAliases(org)]);
  for (const m of requestMatches(policy)) for (const model of m?.models ?? []) named.add(model);
  const models = [...named, unknownModelName(named)];
  const promptCuts = promptTokenCutPoints(policy);
  const sizes = [teams.length, dataClasses.length, tasks.length, models.length, COMPLEXITIES.length, 2, promptCuts.length];
  const allowed = teams.map((t) => bitsOf(dataClasses.length, t.spec.dataClasses.allowed.flatMap((c) => classIndex.get(c) ?? [])));
  return {
    teams,
    teamIndex: indexOf(teams.map((t) => t.name)),
    dataClasses,
    tasks,
    defaultTask: Math.max(0, tasks.indexOf(org.defaults.task)),
    models,
    aliases: bitsOf(models.length, modelAliases(org).map((a) => models.indexOf(a))),
    promptCuts,
    sizes,
    allowed,
    full: sizes.map(fullBits),
  };
}

function slots(d: Domain, attribute: number, values: readonly string[] | undefined, names: readonly string[]): Bits {
  if (values === undefined) return fullBits(d.sizes[attribute]!);
  const wanted = new Set(values);
  const bits = bitsOf(d.sizes[attribute]!, []);
  for (let i = 0; i < names.length; i++) if (wanted.has(names[i]!)) bits[i >>> 5]! |= 1 << (i & 31);
  return bits;
}

function promptSlots(d: Domain, range: TokenRange | undefined): Bits {
  if (range === undefined) return fullBits(d.promptCuts.length);
  const bits = bitsOf(d.promptCuts.length, []);
  // Every bound is a cut, so the range holds on an interval exactly when it holds at its lower end.
  for (let i = 0; i < d.promptCuts.length; i++) if (tokenRangeHolds(range, d.promptCuts[i]!)) bits[i >>> 5]! |= 1 << (i & 31);
  return bits;
}

/** The teams for which `teams` and `teamLabels` both hold. */
export function teamsOf(d: Domain, match: { teams?: readonly string[]; teamLabels?: TeamLabelSelector } | undefined): Bits {
  if (match?.teams === undefined && match?.teamLabels === undefined) return fullBits(d.teams.length);
  // Listed teams are looked up, not scanned: a policy with a rule per team stays linear.
  const listed = match.teams === undefined ? d.teams.map((_, i) => i) : match.teams.flatMap((n) => d.teamIndex.get(n) ?? []);
  const labels = match.teamLabels;
  return bitsOf(d.teams.length, labels === undefined ? listed : listed.filter((i) => teamLabelsHold(labels, d.teams[i]!)));
}

/** The box of a request condition; an absent match is every request. */
export function boxOf(d: Domain, match: RequestMatch | undefined): Box {
  if (match === undefined) return d.full;
  const stream = match.stream;
  const complexity = match.complexity;
  return [
    teamsOf(d, match),
    slots(d, DATA_CLASS, match.dataClasses, d.dataClasses),
    slots(d, TASK, match.tasks, d.tasks),
    // The last model stands for every name no rule uses, which no `models` list holds.
    slots(d, MODEL, match.models, d.models.slice(0, -1)),
    complexity === undefined ? fullBits(COMPLEXITIES.length) : bitsOf(COMPLEXITIES.length, complexity.map((c) => COMPLEXITIES.indexOf(c))),
    stream === undefined ? fullBits(2) : bitsOf(2, [stream ? 1 : 0]),
    promptSlots(d, match.promptTokens),
  ];
}

/** Whether some team of `teams` may declare some class of `classes`. */
export function someTeamAllows(d: Domain, teams: Bits, classes: Bits): boolean {
  for (const t of members(teams)) if (intersects(d.allowed[t]!, classes)) return true;
  return false;
}

/** Whether the box holds at least one request. */
export function nonEmpty(d: Domain, box: Box): boolean {
  for (let a = TASK; a < ATTRIBUTES; a++) if (isEmpty(box[a]!)) return false;
  return someTeamAllows(d, box[TEAM]!, box[DATA_CLASS]!);
}

/** Whether some request is in both boxes (without building their intersection: this runs for every pair tried). */
export function overlaps(d: Domain, a: Box, b: Box): boolean {
  for (let i = TASK; i < ATTRIBUTES; i++) if (!intersects(a[i]!, b[i]!)) return false;
  const aTeams = a[TEAM]!;
  const bTeams = b[TEAM]!;
  const aClasses = a[DATA_CLASS]!;
  const bClasses = b[DATA_CLASS]!;
  for (let w = 0; w < aTeams.length; w++) {
    let x = aTeams[w]! & bTeams[w]!;
    while (x !== 0) {
      const low = x & -x;
      const allowed = d.allowed[(w << 5) + 31 - Math.clz32(low)]!;
      for (let c = 0; c < allowed.length; c++) if ((allowed[c]! & aClasses[c]! & bClasses[c]!) !== 0) return true;
      x ^= low;
    }
  }
  return false;
}

export const intersect = (a: Box, b: Box): Box => a.map((bits, i) => and(bits, b[i]!));

/** Whether every request of `a` is in `b` (attribute-wise, which is exact for boxes). */
export const within = (a: Box, b: Box): boolean => a.every((bits, i) => isSubset(bits, b[i]!));

/**
 * `box` minus `cut` as disjoint non-empty boxes: for each attribute in turn, the requests that leave `cut` first
 * on that attribute. The caller checks that the two overlap.
 */
export function subtract(d: Domain, box: Box, cut: Box): Box[] {
  const out: Box[] = [];
  let prefix: Bits[] = [...box];
  for (let a = 0; a < ATTRIBUTES; a++) {
    const outside = andNot(box[a]!, cut[a]!);
    if (!isEmpty(outside)) {
      const piece = [...prefix];
      piece[a] = outside;
      if (nonEmpty(d, piece)) out.push(piece);
    }
    prefix = [...prefix];
    prefix[a] = and(box[a]!, cut[a]!);
  }
  return out;
}

/** One request of the box: its first team that may declare one of its classes; the default task and an alias when present. */
export interface Point {
  readonly team: number;
  readonly dataClass: number;
  readonly task: number;
  readonly model: number;
  readonly complexity: number;
  readonly stream: number;
  readonly prompt: number;
}

export function pointOf(d: Domain, box: Box): Point | undefined {
  if (!nonEmpty(d, box)) return undefined;
  for (const team of members(box[TEAM]!)) {
    const dataClass = firstBit(and(d.allowed[team]!, box[DATA_CLASS]!));
    if (dataClass < 0) continue;
    const tasks = box[TASK]!;
    const alias = firstBit(and(box[MODEL]!, d.aliases));
    return {
      team,
      dataClass,
      task: hasBit(tasks, d.defaultTask) ? d.defaultTask : firstBit(tasks),
      model: alias >= 0 ? alias : firstBit(box[MODEL]!),
      complexity: firstBit(box[COMPLEXITY]!),
      stream: firstBit(box[STREAM]!),
      prompt: firstBit(box[PROMPT]!),
    };
  }
  return undefined;
}

/** The request at a point, as `explain --request` takes it (prompt tokens: the interval's smallest). */
export function requestAt(d: Domain, p: Point): RequestContext {
  const ctx: RequestContext = {
    team: d.teams[p.team]!.name,
    dataClass: d.dataClasses[p.dataClass]!,
    task: d.tasks[p.task]!,
    model: d.models[p.model]!,
    promptTokens: d.promptCuts[p.prompt]!,
  };
  const complexity = COMPLEXITIES[p.complexity];
  if (complexity !== undefined) ctx.complexity = complexity;
  if (p.stream === 1) ctx.stream = true;
  return ctx;
}

/** A request for a message: one-line JSON in backticks, ready for `switchyard explain --request`. */
export function describeRequest(ctx: RequestContext): string {
  const ordered = {
    team: ctx.team,
    dataClass: ctx.dataClass,
    task: ctx.task,
    ...(ctx.complexity === undefined ? {} : { complexity: ctx.complexity }),
    model: ctx.model,
    promptTokens: ctx.promptTokens,
    ...(ctx.stream === true ? { stream: true } : {}),
  };
  return `\`${JSON.stringify(ordered).replace(/`/g, "'")}\``;
}
