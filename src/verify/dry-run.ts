// `dry-run`: decide every record of a traffic file against one policy and aggregate where it goes, what is
// denied and what it would cost. The tally takes one record at a time, so a file is streamed through it.
import { budgetStateFromPercents, decide, NO_SPEND, type BudgetState, type Decision, type DecisionGraph } from '../engine/index.js';
import type { PolicySet } from '../policy/model.js';
import { sideOf } from './decision-side.js';
import { share } from './present.js';
import { replayContext } from './sticky.js';
import { decisionCostUsd, OutputTally, recordTokens, TimeSpan, type DayBasis, type OutputCounts } from './traffic-cost.js';
import type { RecordedDecision, TrafficRecord } from './traffic.js';

export interface DryRunOptions {
  /** Percent used per Budget name, applied to every record's bucket; default: nothing spent. */
  readonly budgets?: Readonly<Record<string, number>>;
  /** Divide totals by this many days instead of the traffic's time span. */
  readonly days?: number;
}

export interface RouteModelRow {
  readonly route: string;
  readonly model: string;
  readonly provider: string;
  readonly requests: number;
  readonly share: number;
  readonly costUsd: number;
  readonly costPerDayUsd: number;
}

export interface DenialRow {
  readonly code: string;
  readonly requests: number;
  readonly share: number;
  readonly rules: readonly { readonly rule: string; readonly requests: number }[];
}

export interface RecordedMismatch {
  readonly line: number;
  readonly recorded: RecordedDecision;
  readonly decided: RecordedDecision;
}

export interface DryRunReport {
  readonly policyVersion: string;
  readonly requests: number;
  readonly routed: number;
  readonly denied: number;
  /** Bad lines skipped while reading (filled in by the caller that read the file). */
  readonly skipped: number;
  readonly routes: readonly RouteModelRow[];
  readonly denials: readonly DenialRow[];
  readonly cost: {
    readonly totalUsd: number;
    readonly perDayUsd: number;
    readonly days: DayBasis;
    /** Tokens of the routed requests, the ones `totalUsd` prices (denied requests cost nothing). */
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly output: OutputCounts;
  };
  /** Audit records carry what was decided when they were served; how many this policy decides alike. */
  readonly recorded: { readonly compared: number; readonly matching: number; readonly mismatches: readonly RecordedMismatch[] };
}

interface RouteAcc {
  route: string;
  model: string;
  provider: string;
  requests: number;
  costUsd: number;
}

const MAX_MISMATCHES = 10;

/** The fields of `recorded` the decision disagrees with, or undefined when it agrees. */
function disagreement(recorded: RecordedDecision, decision: Decision): RecordedDecision | undefined {
  const decided: { -readonly [K in keyof RecordedDecision]: RecordedDecision[K] } = { outcome: decision.outcome };
  if (decision.route !== undefined) decided.route = decision.route;
  const primary = decision.candidates[0]?.model;
  if (primary !== undefined) decided.model = primary;
  if (decision.deny !== undefined) decided.denyCode = decision.deny.code;
  const differs =
    (recorded.outcome !== undefined && recorded.outcome !== decided.outcome) ||
    (recorded.route !== undefined && recorded.route !== decided.route) ||
    (recorded.model !== undefined && decision.outcome === 'route' && recorded.model !== decided.model) ||
    (recorded.denyCode !== undefined && recorded.denyCode !== decided.denyCode);
  return differs ? decided : undefined;
}

export class DryRun {
  private readonly budgets: BudgetState;
  private readonly routes = new Map<string, RouteAcc>();
  private readonly denials = new Map<string, Map<string, number>>();
  private readonly output = new OutputTally();
  private readonly span = new TimeSpan();
  private requests = 0;
  private routed = 0;
  private totalUsd = 0;
  private inputTokens = 0;
  private outputTokens = 0;
  private compared = 0;
  private matching = 0;
  private readonly mismatches: RecordedMismatch[] = [];

  private readonly policy: PolicySet;

  constructor(
    private readonly graph: DecisionGraph,
    private readonly options: DryRunOptions = {},
  ) {
    this.policy = graph.policy;
    this.budgets = options.budgets === undefined ? NO_SPEND : budgetStateFromPercents(graph.policy, options.budgets);
  }

  add(record: TrafficRecord): Decision {
    const decision = decide(this.graph, replayContext(record), this.budgets);
    this.requests++;
    this.span.add(record.timeMs);
    const tokens = recordTokens(record);
    this.output.add(tokens.outputSource);
    const side = sideOf(decision);
    if (side.kind === 'route') {
      this.routed++;
      // The tokens the cost is of: a denied request is sent nowhere and costs nothing.
      this.inputTokens += tokens.input;
      this.outputTokens += tokens.output;
      const cost = decisionCostUsd(this.policy, decision, tokens);
      this.totalUsd += cost;
      const key = `${side.route}\u0000${side.model}`;
      const acc = this.routes.get(key) ?? { route: side.route, model: side.model, provider: side.provider, requests: 0, costUsd: 0 };
      acc.requests++;
      acc.costUsd += cost;
      this.routes.set(key, acc);
    } else {
      const byRule = this.denials.get(side.code) ?? new Map<string, number>();
      byRule.set(side.rule, (byRule.get(side.rule) ?? 0) + 1);
      this.denials.set(side.code, byRule);
    }
    if (record.recorded !== undefined) {
      this.compared++;
      const decided = disagreement(record.recorded, decision);
      if (decided === undefined) this.matching++;
      else if (this.mismatches.length < MAX_MISMATCHES) this.mismatches.push({ line: record.line, recorded: record.recorded, decided });
    }
    return decision;
  }

  report(skipped = 0): DryRunReport {
    const days = this.span.basis(this.options.days);
    const n = this.requests;
    const routes = [...this.routes.values()]
      .sort((a, b) => b.requests - a.requests || a.route.localeCompare(b.route) || a.model.localeCompare(b.model))
      .map((r) => ({ ...r, share: share(r.requests, n), costPerDayUsd: r.costUsd / days.days }));
    const denials = [...this.denials.entries()]
      .map(([code, byRule]) => {
        const rules = [...byRule.entries()].map(([rule, requests]) => ({ rule, requests })).sort((a, b) => b.requests - a.requests || a.rule.localeCompare(b.rule));
        const requests = rules.reduce((sum, r) => sum + r.requests, 0);
        return { code, requests, share: share(requests, n), rules };
      })
      .sort((a, b) => b.requests - a.requests || a.code.localeCompare(b.code));
    return {
      policyVersion: this.graph.version,
      requests: n,
      routed: this.routed,
      denied: n - this.routed,
      skipped,
      routes,
      denials,
      cost: {
        totalUsd: this.totalUsd,
        perDayUsd: this.totalUsd / days.days,
        days,
        inputTokens: this.inputTokens,
        outputTokens: this.outputTokens,
        output: this.output.counts(),
      },
      recorded: { compared: this.compared, matching: this.matching, mismatches: this.mismatches },
    };
  }
}

/** Dry-run over records already in memory. */
export function dryRunRecords(graph: DecisionGraph, records: Iterable<TrafficRecord>, options: DryRunOptions = {}): DryRunReport {
  const run = new DryRun(graph, options);
  for (const record of records) run.add(record);
  return run.report();
}
