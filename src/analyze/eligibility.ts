// What is left of each route's targets over the requests it owns: `route_dead` (nothing is ever left),
// `route_can_be_empty` (capabilities and enforced Vetting/Residency rules leave nothing for some requests),
// `target_unreachable` (a target removed for every request the route owns). Budgets are not considered:
// at zero spend they only remove, and spend is state, not policy.
//
// The owned region is split further by every enforced rule that removes one of the route's targets, so inside
// each piece the same rules hold; what is left then depends only on the prompt size, and only shrinks as it
// grows (context windows). One request per piece — its smallest prompt — decides the piece, and it is decided
// by the engine's own compiled class and filter step, so the analysis and `decide` cannot disagree.
import { diagnostic } from '../policy/diagnostic.js';
import type { PolicySet } from '../policy/model.js';
import { CORE, type CRoute, type CRule, type GraphCore, type Outcome, type RoutedClass } from '../engine/graph.js';
import type { DecisionGraph } from '../engine/index.js';
import { intervalOf } from '../engine/match-index.js';
import { computeClass, computeOutcome } from '../engine/outcome.js';
import type { TraceStep } from '../engine/types.js';
import type { Diagnostic } from '../errors.js';
import { bitsOf, hasBit, intersects, members, orInto, type Bits } from './bitset.js';
import { DATA_CLASS, describeRequest, intersect, overlaps, pointOf, requestAt, subtract, TEAM, within, type Box, type Domain, type Point } from './domain.js';
import type { Limits, Owned } from './routes.js';

const q = (s: string): string => `\`${s}\``;

/** The engine's verdict on one request of a route, before budgets. */
interface Verdict {
  readonly point: Point;
  readonly cls: RoutedClass;
  readonly outcome: Outcome;
}

/** Maps the analysis' value positions to the compiled graph's ids and evaluates requests with the engine. */
class Evaluator {
  private readonly team: number[];
  private readonly dataClass: number[];
  private readonly task: number[];
  private readonly model: number[];

  constructor(
    readonly g: GraphCore,
    private readonly d: Domain,
  ) {
    const id = (map: ReadonlyMap<string, number>, name: string): number => {
      const found = map.get(name);
      if (found === undefined) throw new Error(`the compiled graph has no id for ${name}`);
      return found;
    };
    this.team = d.teams.map((t) => id(g.teamIds, t.name));
    this.dataClass = d.dataClasses.map((c) => id(g.dataClassIds, c));
    this.task = d.tasks.map((t) => id(g.taskIds, t));
    this.model = d.models.map((m) => g.modelSlots.get(m) ?? g.otherModel);
  }

  /** The class and filtered candidates of the request at `p`; `windows: false` as if it fit every context window. */
  verdict(route: CRoute, p: Point, windows: boolean): Verdict {
    const tokens = this.d.promptCuts[p.prompt]!;
    const context = windows ? intervalOf(this.g.contextCuts, tokens) : 0;
    const prompt = intervalOf(this.g.promptCuts, tokens);
    const c = computeClass(this.g, this.team[p.team]!, this.dataClass[p.dataClass]!, this.task[p.task]!, p.complexity, 0, this.model[p.model]!, prompt, context, p.stream);
    // INVARIANT: the owned region was computed from the same matches the engine indexes.
    if (c.kind !== 'routed' || c.route !== route) throw new Error(`analysis and engine disagree on the owner of a request of route ${route.entry.name}`);
    return { point: p, cls: c, outcome: computeOutcome(this.g, c, 0) };
  }
}

const REMOVED_BY = new Set(['capability', 'vetting', 'residency']);

/** Every removal of a verdict, as the engine's `no_eligible_model` message lists them. */
const removals = (trace: readonly TraceStep[]): string =>
  trace.filter((s) => REMOVED_BY.has(s.step) && s.effect === 'remove').map((s) => `${s.detail} [${s.rule}]`).join('; ');

/** The step removing a target in a verdict, read the way `computeOutcome` applies them. */
function removalOf(v: Verdict, target: CRoute['orders'][number][number]): TraceStep | null {
  if (target.capabilityStep !== null) return target.capabilityStep;
  if (v.cls.contextInterval > target.model.windowCut) return target.model.windowStep;
  for (const rule of v.cls.rules) if (rule.enforce && rule.removals[target.model.id]) return rule.removals[target.model.id] ?? null;
  return null;
}

interface RuleBox {
  readonly rule: CRule;
  readonly box: Box;
}

/** The owned pieces split so that every rule that can remove a target holds on all of a piece or none; null past the bound. */
function splitByRules(d: Domain, pieces: readonly Box[], rules: readonly RuleBox[], limits: Limits): Box[] | null {
  let out = [...pieces];
  for (const { box } of rules) {
    const next: Box[] = [];
    for (const piece of out) {
      if (!overlaps(d, piece, box) || within(piece, box)) next.push(piece);
      else next.push(intersect(piece, box), ...subtract(d, piece, box));
    }
    out = next;
    if (out.length > limits.maxPieces) return null;
  }
  return out;
}

/** Spend reachability for budgets: per team, the models some request of the team can be sent to. */
export type Reach = Bits[];

function addReach(d: Domain, reach: Reach, box: Box, models: Bits): void {
  for (const t of members(box[TEAM]!)) if (intersects(d.allowed[t]!, box[DATA_CLASS]!)) orInto(reach[t]!, models);
}

export interface EligibilityInput {
  readonly policy: PolicySet;
  readonly d: Domain;
  readonly graph: DecisionGraph;
  readonly owned: readonly Owned[];
  readonly vettings: readonly Box[];
  readonly residencies: readonly Box[];
  readonly limits: Limits;
}

export interface Eligibility {
  readonly diagnostics: Diagnostic[];
  readonly reach: Reach;
  /** Routes left out of the owned-region checks because their region split into more pieces than the bound. */
  readonly skipped: string[];
}

/** What the engine leaves of one route's targets over the pieces of its owned requests. */
interface RouteSummary {
  /** Some owned request keeps a target. */
  anyLeft: boolean;
  /** The first owned request that keeps none. */
  firstEmpty?: Verdict;
  /** The first that keeps none even when it fits every context window: emptied by rules and capabilities. */
  emptyByRules?: Verdict;
  /** Models some owned request keeps. */
  readonly used: Bits;
  /** Per model id of a target: the first verdict that removed it, and the step that did. */
  readonly firstRemoval: Map<number, { v: Verdict; step: TraceStep }>;
}

function summarize(d: Domain, ev: Evaluator, route: CRoute, pieces: readonly Box[], reach: Reach, modelCount: number): RouteSummary {
  const targets = route.orders[0] ?? [];
  const summary: RouteSummary = { anyLeft: false, used: bitsOf(modelCount, []), firstRemoval: new Map() };
  for (const piece of pieces) {
    const point = pointOf(d, piece);
    if (point === undefined) continue;
    // The smallest prompt of the piece keeps the most: what any request of the piece keeps, it keeps too.
    const v = ev.verdict(route, point, true);
    const left = v.outcome.survivors;
    if (left.length > 0) {
      summary.anyLeft = true;
      const models = bitsOf(modelCount, left.map((m) => m.id));
      orInto(summary.used, models);
      addReach(d, reach, piece, models);
    } else {
      summary.firstEmpty ??= v;
      if (summary.emptyByRules === undefined && (v.cls.contextInterval === 0 || ev.verdict(route, point, false).outcome.survivors.length === 0))
        summary.emptyByRules = v;
    }
    for (const t of targets) {
      if (summary.firstRemoval.has(t.model.id) || left.includes(t.model)) continue;
      const step = removalOf(v, t);
      if (step !== null) summary.firstRemoval.set(t.model.id, { v, step });
    }
  }
  return summary;
}

function report(d: Domain, o: Owned, route: CRoute, s: RouteSummary): Diagnostic[] {
  const name = q(o.route.name);
  const example = (v: Verdict): string => describeRequest(requestAt(d, v.point));
  if (!s.anyLeft) {
    if (s.firstEmpty === undefined) return [];
    const message = `route ${name} never routes a request: every target is removed for every request it owns, e.g. ${example(s.firstEmpty)}: ${removals(s.firstEmpty.outcome.decision.trace)}`;
    return [diagnostic(o.route.locate('/spec/targets'), '/spec/targets', 'route_dead', message)];
  }
  const out: Diagnostic[] = [];
  if (s.emptyByRules !== undefined) {
    const message = `route ${name} can end with no eligible target: e.g. ${example(s.emptyByRules)} is denied with \`no_eligible_model\`: ${removals(s.emptyByRules.outcome.decision.trace)}`;
    out.push(diagnostic(o.route.locate('/spec/targets'), '/spec/targets', 'route_can_be_empty', message));
  }
  const targets = route.orders[0] ?? [];
  o.route.spec.targets.forEach((t, i) => {
    const target = targets.find((c) => c.model.name === t.model);
    if (target === undefined || hasBit(s.used, target.model.id)) return;
    const removed = s.firstRemoval.get(target.model.id);
    const why = removed === undefined ? '' : `, e.g. ${example(removed.v)}: ${removed.step.detail} [${removed.step.rule}]`;
    const pointer = `/spec/targets/${i}/model`;
    const message = `target ${q(t.model)} of route ${name} is never used: it is removed for every request the route owns${why}`;
    out.push(diagnostic(o.route.locate(pointer), pointer, 'target_unreachable', message));
  });
  return out;
}

export function analyzeEligibility(input: EligibilityInput): Eligibility {
  const { d, limits } = input;
  const g = input.graph[CORE];
  const ev = new Evaluator(g, d);
  const modelCount = input.policy.models.size;
  const reach: Reach = d.teams.map(() => bitsOf(modelCount, []));
  const compiled = new Map(g.routes.map((r) => [r.entry.name, r]));
  const rules: RuleBox[] = [
    ...g.vettings.map((rule, i) => ({ rule, box: input.vettings[i]! })),
    ...g.residencies.map((rule, i) => ({ rule, box: input.residencies[i]! })),
  ].filter((r) => r.rule.enforce);
  const diagnostics: Diagnostic[] = [];
  const skipped: string[] = [];
  for (const o of input.owned) {
    const route = compiled.get(o.route.name);
    if (route === undefined) throw new Error(`route ${o.route.name} is not in the compiled graph`);
    const targets = route.orders[0] ?? [];
    const relevant = rules.filter((r) => targets.some((t) => r.rule.removals[t.model.id]) && overlaps(d, r.box, o.box));
    const pieces = o.pieces === null ? null : splitByRules(d, o.pieces, relevant, limits);
    if (pieces === null) {
      // Past the bound: count every target as reachable for every team of the route, and report nothing.
      addReach(d, reach, o.box, bitsOf(modelCount, targets.map((t) => t.model.id)));
      skipped.push(o.route.name);
      continue;
    }
    diagnostics.push(...report(d, o, route, summarize(d, ev, route, pieces, reach, modelCount)));
  }
  return { diagnostics, reach, skipped };
}
