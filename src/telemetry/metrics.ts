// The proxy's metrics: what every request did (count and duration by route/model/provider/outcome, upstream
// attempts, tokens and cost by team/model, time to decision), policy reloads, and — read when collected — circuit
// states, budget use and the serving policy version. Prometheus names here; OTLP names `switchyard.*`.
import type { BudgetRuntime } from '../budget/budget-runtime.js';
import { spendReport } from '../budget/spend.js';
import type { CircuitBreakers } from '../proxy/circuit.js';
import type { PolicyStore } from '../proxy/policy-snapshot.js';
import type { SettleRecord } from '../proxy/settle.js';
import type { PolicySet } from '../policy/model.js';
import { costOf, type CostInput, type RequestCost } from './cost.js';
import { MetricRegistry, type GaugeSample } from './registry.js';

/** Seconds; from a cached answer on a LAN to a long stream. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Seconds; deciding is microseconds, a ledger read may take milliseconds. */
const DECISION_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/** Longest a settled request waits to be counted, and most that wait (`later`). */
const LATER_MS = 100;
const LATER_MAX = 64;

/**
 * What counting a settled request needs of its record, copied out of it: a queued request then holds a small
 * object until its batch is counted, not its whole record (its context, classification and candidates), which
 * would otherwise outlive a young-generation collection and be copied, then promoted, with it.
 */
interface Counted extends CostInput {
  readonly route: string;
  readonly provider: string;
  readonly errorCode: string;
  readonly team: string | undefined;
  readonly latencyMs: number;
  readonly attempts: SettleRecord['attempts'];
  readonly policy: PolicySet;
}

/** What the collected gauges read from. */
export interface ProxyState {
  readonly store: PolicyStore;
  readonly breakers: CircuitBreakers;
  readonly budgetRuntime: BudgetRuntime | undefined;
}

export class ProxyMetrics {
  readonly registry = new MetricRegistry();

  readonly requests = this.registry.counter({
    name: 'switchyard_requests_total',
    otelName: 'switchyard.requests',
    help: 'API requests by route, model and provider (the one that answered or was tried last), outcome and error code.',
    labels: ['route', 'model', 'provider', 'outcome', 'code'],
    unit: '{request}',
  });

  readonly requestDuration = this.registry.histogram(
    {
      name: 'switchyard_request_duration_seconds',
      otelName: 'switchyard.request.duration',
      help: 'Time from the request reaching the handler to the end of its answer (streams included).',
      labels: ['route', 'model', 'provider', 'outcome'],
      unit: 's',
    },
    REQUEST_BUCKETS,
  );

  readonly attempts = this.registry.counter({
    name: 'switchyard_upstream_attempts_total',
    otelName: 'switchyard.upstream.attempts',
    help: 'Upstream attempts by provider, model, result (ok, failed, skipped, aborted) and status.',
    labels: ['provider', 'model', 'result', 'status'],
    unit: '{attempt}',
  });

  readonly attemptDuration = this.registry.histogram(
    {
      name: 'switchyard_upstream_attempt_duration_seconds',
      otelName: 'switchyard.upstream.attempt.duration',
      help: 'Time from sending an upstream request to its verdict (the first event of a stream).',
      labels: ['provider', 'result'],
      unit: 's',
    },
    REQUEST_BUCKETS,
  );

  readonly tokens = this.registry.counter({
    name: 'switchyard_tokens_total',
    otelName: 'switchyard.tokens',
    help: 'Tokens settled by team, model and type (input, output): reported usage, else the estimate budgets use.',
    labels: ['team', 'model', 'type'],
    unit: '{token}',
  });

  readonly cost = this.registry.counter({
    name: 'switchyard_cost_usd_total',
    otelName: 'switchyard.cost',
    help: 'Cost in USD by team and model, at the policy prices.',
    labels: ['team', 'model'],
    unit: 'USD',
  });

  readonly decisionDuration = this.registry.histogram(
    {
      name: 'switchyard_decision_duration_seconds',
      otelName: 'switchyard.decision.duration',
      help: 'Time from the request reaching the handler to its decision (key, body, budget state read, decide).',
      labels: ['outcome'],
      unit: 's',
    },
    DECISION_BUCKETS,
  );

  readonly reloads = this.registry.counter({
    name: 'switchyard_policy_reloads_total',
    otelName: 'switchyard.policy.reloads',
    help: 'Policy reloads by result: ok (a new version serves) or failed (rejected; the last good version keeps serving).',
    labels: ['result'],
    unit: '{reload}',
  });

  readonly auditRecords = this.registry.counter({
    name: 'switchyard_audit_records_total',
    otelName: 'switchyard.audit.records',
    help: 'Records written to the audit log.',
    labels: [],
    unit: '{record}',
  });

  readonly policy = this.registry.gauge({
    name: 'switchyard_policy_info',
    otelName: 'switchyard.policy.info',
    help: 'The serving policy version (value 1) and when it was loaded.',
    labels: ['version', 'loaded_at'],
    unit: '1',
  });

  readonly circuit = this.registry.gauge({
    name: 'switchyard_circuit_state',
    otelName: 'switchyard.circuit.state',
    help: 'Circuit breaker state per provider: 1 for the current state (closed, open, half-open), 0 for the others.',
    labels: ['provider', 'state'],
    unit: '1',
  });

  readonly budgetUsed = this.registry.gauge({
    name: 'switchyard_budget_used_ratio',
    otelName: 'switchyard.budget.used',
    help: 'Committed plus reserved spend over the limit, per budget and bucket, in the current window (1 = 100 %).',
    labels: ['budget', 'bucket', 'window'],
    unit: '1',
  });

  // Settled requests not counted yet, and when they will be.
  private queued: Counted[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor() {
    this.registry.onRead(() => this.drain());
  }

  /**
   * Counts a settled request with its batch: within `LATER_MS`, or when `LATER_MAX` are waiting, or before the
   * metrics are read. A request's own code runs on caches the rest of the request has just filled; counted a
   * batch at a time, the updates (and the cost they need) cost a fraction of what they did one by one.
   */
  later(r: SettleRecord, policy: PolicySet): void {
    this.queued.push({
      route: r.route ?? '',
      model: r.model,
      provider: r.provider ?? '',
      outcome: r.outcome,
      errorCode: r.errorCode ?? '',
      team: r.team,
      latencyMs: r.latencyMs,
      attempts: r.attempts,
      usage: r.usage,
      outputChars: r.outputChars,
      promptTokens: r.context?.promptTokens ?? 0,
      policy,
    });
    if (this.queued.length >= LATER_MAX) this.drain();
    else this.timer ??= setTimeout(() => this.drain(), LATER_MS).unref();
  }

  /** Counts every request `later` holds. */
  drain(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const queued = this.queued;
    if (queued.length === 0) return;
    this.queued = [];
    for (const r of queued) this.count(r, costOf(r.policy, r));
  }

  /** Counts one settled request, once. */
  private count(r: Counted, cost: RequestCost | undefined): void {
    const { route, provider } = r;
    const model = r.model ?? '';
    this.requests.inc([route, model, provider, r.outcome, r.errorCode]);
    this.requestDuration.observe([route, model, provider, r.outcome], r.latencyMs / 1000);
    for (const a of r.attempts) {
      this.attempts.inc([a.provider, a.model, a.result, a.status === undefined ? '' : String(a.status)]);
      if (a.ms !== undefined) this.attemptDuration.observe([a.provider, a.result], a.ms / 1000);
    }
    if (cost !== undefined && r.team !== undefined) {
      this.tokens.inc([r.team, model, 'input'], cost.inputTokens);
      this.tokens.inc([r.team, model, 'output'], cost.outputTokens);
      this.cost.inc([r.team, model], cost.usd);
    }
  }

  decided(outcome: 'route' | 'deny', seconds: number): void {
    this.decisionDuration.observe([outcome], seconds);
  }

  /** Counts a reload attempt (a policy store's `onReload`). */
  reloaded(ok: boolean): void {
    this.reloads.inc([ok ? 'ok' : 'failed']);
  }

  /** Where the collected gauges read from: the server's store, circuit breakers and budget runtime. */
  observe(state: ProxyState): void {
    this.policy.source(() => {
      const s = state.store.current();
      return [{ labels: [s.version, s.loadedAt.toISOString()], value: 1 }];
    });
    this.circuit.source(() => circuitSamples(state));
    this.budgetUsed.source(() => budgetSamples(state));
  }
}

function circuitSamples(state: ProxyState): GaugeSample[] {
  const open = new Map(state.breakers.states().map((c) => [c.provider, c.state]));
  const out: GaugeSample[] = [];
  for (const provider of state.store.current().policy.providers.keys()) {
    const current = open.get(provider) ?? 'closed';
    for (const s of ['closed', 'open', 'half-open'] as const) out.push({ labels: [provider, s], value: s === current ? 1 : 0 });
  }
  return out;
}

async function budgetSamples(state: ProxyState): Promise<GaugeSample[]> {
  const rt = state.budgetRuntime;
  if (rt === undefined) return [];
  const report = await spendReport(state.store.current().policy, rt.ledger, rt.clock());
  const out: GaugeSample[] = [];
  for (const b of report.budgets) {
    for (const k of b.buckets) out.push({ labels: [b.budget, k.bucket, b.window], value: k.percentUsed / 100 });
  }
  return out;
}
