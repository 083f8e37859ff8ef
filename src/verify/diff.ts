// `diff`: decide the same requests with two versions of a policy and report what changes — over recorded
// traffic (with the cost delta) and over the abstract request space — plus the invariants that newly fail.
import { decide, type Decision, type DecisionGraph, type RequestContext } from '../engine/index.js';
import { checkInvariant, checkInvariants, type InvariantOptions, type InvariantResult } from './invariants.js';
import { fallbacksOf, sideKey, sideOf, type Side } from './decision-side.js';
import { share } from './present.js';
import { points, requestSpace } from './space.js';
import { SpaceCostTally, type SpaceCostDelta } from './space-cost.js';
import { replayContext, weightedPairs } from './sticky.js';
import { decisionCostUsd, OutputTally, recordTokens, TimeSpan, type DayBasis, type OutputCounts } from './traffic-cost.js';
import type { TrafficRecord } from './traffic.js';

/** One side of the comparison: a compiled policy and how to name it (a directory, `ref:path`). */
export interface DiffVersion {
  readonly label: string;
  readonly graph: DecisionGraph;
}

export interface Example {
  readonly ctx: RequestContext;
  /** Line of the traffic file, for traffic examples. */
  readonly line?: number;
}

/** Requests whose decision went from one route/model (or denial) to another. */
export interface Move {
  readonly from: Side;
  readonly to: Side;
  readonly count: number;
  /** Of every request compared. */
  readonly share: number;
  /** Per team: how many, and what share of that team's requests. Largest first. */
  readonly teams: readonly { readonly team: string; readonly count: number; readonly teamShare: number }[];
  readonly example: Example;
}

export interface DenialChange {
  readonly code: string;
  readonly rule: string;
  readonly count: number;
  readonly share: number;
  readonly example: Example;
}

export interface ChangeSummary {
  /** Requests (traffic) or request classes (space) compared. */
  readonly compared: number;
  /** Route, primary model or denial differ. */
  readonly changed: number;
  /** Same route and primary, different fallbacks. */
  readonly fallbacksChanged: number;
  readonly moves: readonly Move[];
  /** Routed by the base, denied by the head: by the head's code and rule. */
  readonly newlyDenied: readonly DenialChange[];
  /** Denied by the base, routed by the head: by the base's code and rule. */
  readonly newlyAllowed: readonly DenialChange[];
}

interface MoveAcc {
  from: Side;
  to: Side;
  count: number;
  teams: Map<string, number>;
  example: Example;
}

interface DenialAcc {
  code: string;
  rule: string;
  count: number;
  example: Example;
}

function bump(map: Map<string, DenialAcc>, side: Side, example: Example, weight: number): void {
  if (side.kind !== 'deny') return;
  const key = sideKey(side);
  const acc = map.get(key) ?? { code: side.code, rule: side.rule, count: 0, example };
  acc.count += weight;
  map.set(key, acc);
}

/** Counts decision changes, one request at a time. */
export class ChangeTally {
  private compared = 0;
  private changed = 0;
  private fallbacksChanged = 0;
  private readonly teamTotals = new Map<string, number>();
  private readonly moves = new Map<string, MoveAcc>();
  private readonly denied = new Map<string, DenialAcc>();
  private readonly allowed = new Map<string, DenialAcc>();

  /** Returns whether anything about the decision changed (fallbacks included). */
  add(example: Example, base: Decision, head: Decision): boolean {
    return this.addShares(example, [{ base, head, weight: 1 }]);
  }

  /**
   * One request (class) decided several ways by share of its requests (a weighted route's sticky picks): it is
   * compared once, and each share counts as that fraction of a request.
   */
  addShares(example: Example, pairs: readonly { readonly base: Decision; readonly head: Decision; readonly weight: number }[]): boolean {
    this.compared++;
    const team = example.ctx.team;
    this.teamTotals.set(team, (this.teamTotals.get(team) ?? 0) + 1);
    let any = false;
    for (const p of pairs) if (this.share(example, p.base, p.head, p.weight)) any = true;
    return any;
  }

  private share(example: Example, base: Decision, head: Decision, weight: number): boolean {
    const team = example.ctx.team;
    const from = sideOf(base);
    const to = sideOf(head);
    const fromKey = sideKey(from);
    const toKey = sideKey(to);
    if (fromKey === toKey) {
      if (from.kind === 'route' && fallbacksOf(base) !== fallbacksOf(head)) {
        this.fallbacksChanged += weight;
        return true;
      }
      return false;
    }
    this.changed += weight;
    const key = `${fromKey}\u0001${toKey}`;
    const acc = this.moves.get(key) ?? { from, to, count: 0, teams: new Map<string, number>(), example };
    acc.count += weight;
    acc.teams.set(team, (acc.teams.get(team) ?? 0) + weight);
    this.moves.set(key, acc);
    if (from.kind === 'route' && to.kind === 'deny') bump(this.denied, to, example, weight);
    if (from.kind === 'deny' && to.kind === 'route') bump(this.allowed, from, example, weight);
    return true;
  }

  summary(): ChangeSummary {
    const n = this.compared;
    const moves = [...this.moves.values()]
      .map((m) => ({
        from: m.from,
        to: m.to,
        count: m.count,
        share: share(m.count, n),
        teams: [...m.teams.entries()]
          .map(([team, count]) => ({ team, count, teamShare: share(count, this.teamTotals.get(team) ?? 0) }))
          .sort((a, b) => b.count - a.count || a.team.localeCompare(b.team)),
        example: m.example,
      }))
      .sort((a, b) => b.count - a.count || sideKey(a.from).localeCompare(sideKey(b.from)) || sideKey(a.to).localeCompare(sideKey(b.to)));
    const denials = (map: Map<string, DenialAcc>): DenialChange[] =>
      [...map.values()]
        .map((d) => ({ ...d, share: share(d.count, n) }))
        .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code) || a.rule.localeCompare(b.rule));
    return { compared: n, changed: this.changed, fallbacksChanged: this.fallbacksChanged, moves, newlyDenied: denials(this.denied), newlyAllowed: denials(this.allowed) };
  }
}

export interface CostDelta {
  readonly baseUsd: number;
  readonly headUsd: number;
  readonly basePerDayUsd: number;
  readonly headPerDayUsd: number;
  readonly deltaPerDayUsd: number;
  readonly days: DayBasis;
  readonly output: OutputCounts;
}

export interface TrafficDiff extends ChangeSummary {
  readonly cost: CostDelta;
  /** Bad lines skipped while reading (filled in by the caller that read the file). */
  readonly skipped: number;
}

/** Decides each record with both versions (nothing spent) and tallies changes and cost. */
export class TrafficDiffer {
  private readonly tally = new ChangeTally();
  private readonly output = new OutputTally();
  private readonly span = new TimeSpan();
  private baseUsd = 0;
  private headUsd = 0;

  constructor(
    private readonly base: DecisionGraph,
    private readonly head: DecisionGraph,
    private readonly days?: number,
  ) {}

  add(record: TrafficRecord): void {
    const ctx = replayContext(record);
    const b = decide(this.base, ctx);
    const h = decide(this.head, ctx);
    const tokens = recordTokens(record);
    this.output.add(tokens.outputSource);
    this.span.add(record.timeMs);
    this.baseUsd += decisionCostUsd(this.base.policy, b, tokens);
    this.headUsd += decisionCostUsd(this.head.policy, h, tokens);
    this.tally.add({ ctx: record.ctx, line: record.line }, b, h);
  }

  report(skipped = 0): TrafficDiff {
    const days = this.span.basis(this.days);
    const cost: CostDelta = {
      baseUsd: this.baseUsd,
      headUsd: this.headUsd,
      basePerDayUsd: this.baseUsd / days.days,
      headPerDayUsd: this.headUsd / days.days,
      deltaPerDayUsd: (this.headUsd - this.baseUsd) / days.days,
      days,
      output: this.output.counts(),
    };
    return { ...this.tally.summary(), cost, skipped };
  }
}

export type SpaceDiff = (ChangeSummary & { readonly skipped?: undefined; readonly cost: SpaceCostDelta }) | { readonly skipped: string; readonly size: number };

/** Points of a policy's space without budget states: the count `points(space, {withBudgets: false})` yields. */
function zeroSpendSize(graph: DecisionGraph): number {
  const s = requestSpace(graph.policy);
  const perTeam = s.tasks.length * s.complexities.length * s.models.length * s.promptTokenCuts.length * s.streams.length;
  return s.teams.reduce((n, team) => n + (s.dataClassesByTeam.get(team)?.length ?? 0) * perTeam, 0);
}

/**
 * Every request class of either version (the union of both spaces, each point once), decided by both with
 * nothing spent. Skipped, saying why, when the union could exceed `maxPoints`.
 */
export function diffSpace(base: DecisionGraph, head: DecisionGraph, maxPoints = 1_000_000): SpaceDiff {
  const size = zeroSpendSize(base) + zeroSpendSize(head);
  if (size > maxPoints) return { skipped: `the request spaces hold ${size.toLocaleString('en-US')} classes, more than the limit of ${maxPoints.toLocaleString('en-US')}`, size };
  const tally = new ChangeTally();
  const cost = new SpaceCostTally(base, head);
  const seen = new Set<string>();
  for (const graph of [base, head]) {
    for (const point of points(requestSpace(graph.policy), { withBudgets: false })) {
      const key = JSON.stringify(point.ctx);
      if (seen.has(key)) continue;
      seen.add(key);
      const pairs = weightedPairs(base, head, point.ctx);
      tally.addShares({ ctx: point.ctx }, pairs);
      cost.add(point.ctx, pairs);
    }
  }
  return { ...tally.summary(), cost: cost.result() };
}

export type InvariantStatus = 'new' | 'regressed' | 'still-failing';

export interface InvariantChange {
  /** `new`: the base has no invariant of that name; `regressed`: it held on the base. */
  readonly status: InvariantStatus;
  readonly result: InvariantResult;
}

export interface InvariantDiff {
  readonly checked: number;
  readonly passing: number;
  /** Head invariants that fail, newly failing ones first. */
  readonly failing: readonly InvariantChange[];
}

/** Runs the head's invariants; each failure is checked against the base's invariant of the same name. */
export function diffInvariants(base: DecisionGraph, head: DecisionGraph, options: InvariantOptions = {}): InvariantDiff {
  const results = checkInvariants(head.policy, head, options);
  const failing: InvariantChange[] = [];
  for (const result of results) {
    if (result.ok) continue;
    const before = base.policy.invariants.get(result.name);
    const status: InvariantStatus = before === undefined ? 'new' : checkInvariant(base.policy, base, before, options).ok ? 'regressed' : 'still-failing';
    failing.push({ status, result });
  }
  failing.sort((a, b) => Number(a.status === 'still-failing') - Number(b.status === 'still-failing'));
  return { checked: results.length, passing: results.length - failing.length, failing };
}

export const newlyFailing = (d: InvariantDiff): InvariantChange[] => d.failing.filter((f) => f.status !== 'still-failing');

export interface DiffReport {
  readonly base: { readonly label: string; readonly version: string };
  readonly head: { readonly label: string; readonly version: string };
  readonly traffic?: TrafficDiff & { readonly label: string };
  readonly space: SpaceDiff;
  readonly invariants: InvariantDiff;
}

export interface DiffOptions {
  readonly traffic?: { readonly label: string; readonly records: Iterable<TrafficRecord> };
  readonly days?: number;
  readonly maxSpacePoints?: number;
  readonly invariants?: InvariantOptions;
}

/** The whole diff over records already in memory; the CLI streams the traffic through `TrafficDiffer` instead. */
export function diffPolicies(base: DiffVersion, head: DiffVersion, options: DiffOptions = {}): DiffReport {
  let traffic: DiffReport['traffic'];
  if (options.traffic !== undefined) {
    const differ = new TrafficDiffer(base.graph, head.graph, options.days);
    for (const record of options.traffic.records) differ.add(record);
    traffic = { ...differ.report(), label: options.traffic.label };
  }
  return assembleDiff(base, head, traffic, options);
}

export function assembleDiff(base: DiffVersion, head: DiffVersion, traffic: DiffReport['traffic'], options: Omit<DiffOptions, 'traffic'> = {}): DiffReport {
  return {
    base: { label: base.label, version: base.graph.version },
    head: { label: head.label, version: head.graph.version },
    ...(traffic === undefined ? {} : { traffic }),
    space: diffSpace(base.graph, head.graph, options.maxSpacePoints),
    invariants: diffInvariants(base.graph, head.graph, options.invariants),
  };
}

/** Whether the diff shows any change (decisions, fallbacks) or any newly denied request. */
export function diffSignals(report: DiffReport): { changed: boolean; newlyDenied: boolean } {
  const summaries: ChangeSummary[] = [];
  if (report.traffic !== undefined) summaries.push(report.traffic);
  if (report.space.skipped === undefined) summaries.push(report.space);
  return {
    changed: summaries.some((s) => s.changed > 0 || s.fallbacksChanged > 0),
    newlyDenied: summaries.some((s) => s.newlyDenied.length > 0),
  };
}
