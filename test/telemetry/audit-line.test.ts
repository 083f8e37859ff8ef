// The audit line the proxy writes is exactly the JSON of the audit record, for any request the policy can see:
// decided or not, routed or denied, any attempts, with or without usage, cost, budgets and content — including
// when decisions (and their cached parts) are shared by many requests.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, type Decision, type RequestContext } from '../../src/engine/index.js';
import { loadPolicyFromSources } from '../../src/policy/index.js';
import { snapshotOf } from '../../src/proxy/policy-snapshot.js';
import type { AttemptRecord } from '../../src/proxy/failover.js';
import type { SettleOutcome, SettleRecord } from '../../src/proxy/settle.js';
import { auditLine } from '../../src/telemetry/audit-line.js';
import { auditRecord, type AuditInput } from '../../src/telemetry/audit-record.js';
import { requestCost } from '../../src/telemetry/cost.js';
import { SecretScrubber } from '../../src/telemetry/redact.js';
import { budgetSources } from '../proxy/budget-fixture.js';

const loaded = loadPolicyFromSources(budgetSources(), { env: {} });
if (!loaded.ok) throw new Error('budget fixture policy is invalid');
const snapshot = snapshotOf(loaded.policy, 'policies');
const policy = snapshot.policy;
const scrubber = new SecretScrubber(['pk-secret-provider-key']);

const TEAMS = [...policy.teams.keys()];
const MODELS = ['auto', 'mixed', 'claude-fast', 'primary-mini', 'ab', 'strict', 'nope'];
const CLASSES = ['public', 'internal', 'pii-eu', 'phi'];
const OUTCOMES: SettleOutcome[] = ['completed', 'upstream_status', 'denied', 'rejected', 'failed', 'cut', 'aborted'];
const RESULTS: AttemptRecord['result'][] = ['ok', 'failed', 'skipped', 'aborted'];

const contexts = fc.record({
  team: fc.constantFrom(...TEAMS),
  model: fc.constantFrom(...MODELS),
  dataClass: fc.option(fc.constantFrom(...CLASSES), { nil: undefined }),
  promptTokens: fc.integer({ min: 0, max: 200_000 }),
  stream: fc.boolean(),
  requestId: fc.uuid(),
});

/** The decisions of a few contexts, each reused by several requests, as the engine's class cache does. */
const decided = contexts.map((c): { ctx: RequestContext; decision: Decision } => {
  const ctx: RequestContext = { ...c, keyId: `${c.team}-key` };
  if (c.dataClass === undefined) delete ctx.dataClass;
  return { ctx, decision: decide(snapshot.graph, ctx) };
});

const note = fc.oneof(fc.constant('answered 200'), fc.string(), fc.constant('connection failed (pk-secret-provider-key)'), fc.constant('quote " and \\ and \n'));

function inputOf(
  base: { ctx: RequestContext; decision: Decision } | undefined,
  v: {
    attempts: { result: AttemptRecord['result']; status: number | undefined; note: string; ms: number | undefined }[];
    outcome: SettleOutcome;
    status: number;
    usage: { inputTokens: number; outputTokens: number } | undefined;
    errorCode: string | undefined;
    latencyMs: number;
    decisionMs: number | undefined;
    content: { prompt?: unknown; completion?: string } | undefined;
    keyless: boolean;
    outputChars: number;
  },
): AuditInput {
  const candidates = base?.decision.candidates ?? [];
  const attempts: AttemptRecord[] = v.attempts.slice(0, Math.max(candidates.length, 0)).map((a, i) => ({
    model: candidates[i]!.model,
    provider: candidates[i]!.provider,
    result: a.result,
    ...(a.status === undefined ? {} : { status: a.status }),
    // An answered attempt's note is always the proxy's own `answered <status>`.
    note: a.result === 'ok' ? `answered ${a.status ?? 200}` : a.note,
    ...(a.ms === undefined ? {} : { ms: a.ms }),
  }));
  const last = attempts.findLast((a) => a.result !== 'skipped');
  const record: SettleRecord = {
    requestId: base?.ctx.requestId ?? 'req-undecided',
    protocol: 'openai',
    policyVersion: snapshot.version,
    team: base?.ctx.team,
    keyId: v.keyless ? undefined : base?.ctx.keyId,
    route: base?.decision.route,
    model: last?.model,
    provider: last?.provider,
    requestedModel: base?.ctx.model,
    stream: base?.ctx.stream ?? false,
    context: base?.ctx,
    candidates,
    usage: v.usage,
    outputChars: v.outputChars,
    attempts,
    outcome: v.outcome,
    status: v.status,
    errorCode: v.errorCode as SettleRecord['errorCode'],
    latencyMs: v.latencyMs,
  };
  return {
    record,
    decision: base?.decision,
    policy,
    cost: requestCost(policy, record),
    arrivedAt: 1_790_000_000_000 + Math.round(v.latencyMs),
    decisionMs: v.decisionMs,
    content: v.content,
    scrubber,
  };
}

const variation = fc.record({
  attempts: fc.array(fc.record({ result: fc.constantFrom(...RESULTS), status: fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }), note, ms: fc.option(fc.double({ min: 0, max: 1e5, noNaN: true }), { nil: undefined }) }), { maxLength: 3 }),
  outcome: fc.constantFrom(...OUTCOMES),
  status: fc.integer({ min: 100, max: 599 }),
  usage: fc.option(fc.record({ inputTokens: fc.nat(), outputTokens: fc.nat() }), { nil: undefined }),
  errorCode: fc.option(fc.constantFrom('upstream_error', 'no_route', 'budget_exhausted'), { nil: undefined }),
  latencyMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
  decisionMs: fc.option(fc.double({ min: 0, max: 1e3, noNaN: true }), { nil: undefined }),
  content: fc.option(fc.record({ prompt: fc.jsonValue(), completion: fc.string() }), { nil: undefined }),
  keyless: fc.boolean(),
  outputChars: fc.nat(),
});

describe('auditLine', () => {
  it('is the JSON of the audit record, for decided and undecided requests, with decisions shared across requests', () => {
    fc.assert(
      fc.property(fc.array(decided, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), variation, fc.boolean()), { minLength: 1, maxLength: 12 }), (bases, requests) => {
        for (const [pick, v, undecided] of requests) {
          const input = inputOf(undecided ? undefined : bases[pick % bases.length], v);
          const line = auditLine(input);
          expect(line).toBe(JSON.stringify(auditRecord(input)));
          expect(line).not.toContain('pk-secret-provider-key');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('includes the budget buckets a request is charged, by the key and model that served it', () => {
    const ctx: RequestContext = { team: 'fin', model: 'auto', keyId: 'fin-key', requestId: 'r-1', promptTokens: 10 };
    const decision = decide(snapshot.graph, ctx);
    const served = decision.candidates[0]!;
    const base = { outcome: 'completed' as const, status: 200, usage: { inputTokens: 10, outputTokens: 5 }, errorCode: undefined, latencyMs: 3, decisionMs: 0.1, content: undefined, keyless: false, outputChars: 0 };
    const input = inputOf({ ctx, decision }, { ...base, attempts: [{ result: 'ok', status: 200, note: 'answered 200', ms: 1 }] });
    const parsed = JSON.parse(auditLine(input)) as { budgets?: { charged: { budget: string }[] }; upstream: { model: string } };
    expect(parsed.upstream.model).toBe(served.model);
    expect(parsed.budgets?.charged.map((b) => b.budget)).toContain('fin-daily');
    // The same decision again, nothing sent: no cost, so no bucket charged (the cached part is per case); what
    // budgets did to the decision is still there.
    const unsent = inputOf({ ctx, decision }, { ...base, outcome: 'failed', usage: undefined, attempts: [{ result: 'skipped', status: undefined, note: 'circuit open', ms: undefined }] });
    const budgets = (JSON.parse(auditLine(unsent)) as { budgets: { charged: unknown[]; effects: { rule: string }[] } }).budgets;
    expect(budgets.charged).toEqual([]);
    expect(budgets.effects.map((e) => e.rule)).toEqual(decision.trace.filter((t) => t.step === 'budget').map((t) => t.rule));
    expect(auditLine(unsent)).toBe(JSON.stringify(auditRecord(unsent)));
  });
});
