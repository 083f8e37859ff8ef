// The audit record of one request, built from its settle record and its decision: who (key id, team), what
// (the request context), under which policy version, what was decided (route, candidates, denial), what
// happened (attempts with status and latency, outcome), what it cost and which budgets it counted in. Never a
// key and, unless the Organization enables `logging.content`, never prompt or completion content.
//
// INVARIANT: a record is a valid line of a `--traffic` file (schema/traffic-record.schema.json): the request
// context sits under `context`, and `outcome` (route | deny), `route`, `model` (the primary candidate),
// `candidates` and `deny` are the decision as the engine made it, so `dry-run` and `diff` can replay it and
// compare. A request refused before it was decided (unknown key, malformed body, team rate limit) has no
// context and says `decided: false`; traffic readers skip such lines.
import { bucketOf, planOf } from '../budget/budget-plan.js';
import type { Decision, RequestContext } from '../engine/index.js';
import type { PolicySet } from '../policy/model.js';
import type { AttemptRecord } from '../proxy/failover.js';
import type { Protocol, Usage } from '../proxy/protocol.js';
import type { SettleOutcome, SettleRecord } from '../proxy/settle.js';
import type { RequestCost } from './cost.js';
import type { SecretScrubber } from './redact.js';

export const AUDIT_KIND = 'switchyard.audit/v1';

export interface AuditBudgets {
  /** The budget buckets the request's cost counts in. */
  readonly charged: readonly { readonly budget: string; readonly bucket: string; readonly window: string }[];
  /** What budgets did to the decision: thresholds crossed (alert, downgrade, deny) and candidates removed. */
  readonly effects: readonly { readonly rule?: string; readonly effect: string; readonly detail: string }[];
}

export interface AuditRecord {
  readonly kind: typeof AUDIT_KIND;
  /** When the request arrived (ISO 8601, UTC). */
  readonly time: string;
  readonly requestId: string;
  readonly keyId?: string;
  readonly team?: string;
  readonly protocol: Protocol;
  readonly policyVersion: string;
  readonly decided: boolean;
  readonly context?: RequestContext;
  readonly outcome?: 'route' | 'deny';
  readonly route?: string;
  /** The primary candidate. */
  readonly model?: string;
  readonly candidates?: readonly { readonly model: string; readonly provider: string; readonly upstreamModel: string }[];
  readonly deny?: { readonly code: string; readonly message: string; readonly rule?: string };
  readonly attempts: readonly AttemptRecord[];
  /** The candidate that answered, or was tried last. */
  readonly upstream?: { readonly model: string; readonly provider: string };
  /** How the request ended (the settle outcome) and the status the client got. */
  readonly result: SettleOutcome;
  readonly status: number;
  readonly errorCode?: string;
  readonly stream: boolean;
  readonly usage?: Usage;
  readonly cost?: RequestCost;
  readonly budgets?: AuditBudgets;
  readonly latencyMs: number;
  readonly decisionMs?: number;
  readonly content?: { readonly prompt?: unknown; readonly completion?: string; readonly truncated?: boolean };
}

export interface AuditInput {
  readonly record: SettleRecord;
  readonly decision: Decision | undefined;
  readonly policy: PolicySet;
  readonly cost: RequestCost | undefined;
  /** Epoch ms when the request arrived. */
  readonly arrivedAt: number;
  readonly decisionMs: number | undefined;
  readonly content: AuditRecord['content'];
  readonly scrubber: SecretScrubber;
}

/** The budget buckets charged and the budget steps of the decision; undefined when the team has no budget. */
export function budgetsOf(input: Pick<AuditInput, 'record' | 'decision' | 'policy' | 'cost'>): AuditBudgets | undefined {
  const { record, decision, policy, cost } = input;
  const team = record.team === undefined ? undefined : planOf(policy).team(record.team);
  // A team no budget covers: no bucket to charge, and no budget step in its decisions.
  if (team === undefined || team.budgets.length === 0) return undefined;
  const effects: { rule?: string; effect: string; detail: string }[] = [];
  for (const s of decision?.trace ?? []) if (s.step === 'budget') effects.push(s.rule === undefined ? { effect: s.effect, detail: s.detail } : { rule: s.rule, effect: s.effect, detail: s.detail });
  const charged: { budget: string; bucket: string; window: string }[] = [];
  const model = record.model === undefined ? undefined : policy.models.get(record.model);
  if (cost !== undefined && model !== undefined) {
    for (const b of team.chargesFor(model)) charged.push({ budget: b.name, bucket: bucketOf(b.per, team.team, record.keyId), window: b.window });
  }
  return charged.length === 0 && effects.length === 0 ? undefined : { charged, effects };
}

/**
 * The audit record of one settled request. Every record has the same fields in the same order (absent ones are
 * undefined, which JSON leaves out). The proxy writes `auditLine(input)`, its JSON built directly.
 */
export function auditRecord(input: AuditInput): AuditRecord {
  const { record, decision, scrubber } = input;
  const decided = decision !== undefined && record.context !== undefined;
  const deny = decided ? decision.deny : undefined;
  return {
    kind: AUDIT_KIND,
    time: new Date(input.arrivedAt).toISOString(),
    requestId: record.requestId,
    keyId: record.keyId,
    team: record.team,
    protocol: record.protocol,
    policyVersion: record.policyVersion,
    decided,
    context: decided ? record.context : undefined,
    outcome: decided ? decision.outcome : undefined,
    route: decided ? decision.route : undefined,
    model: decided ? decision.candidates[0]?.model : undefined,
    candidates: decided ? decision.candidates.map((c) => ({ model: c.model, provider: c.provider, upstreamModel: c.upstreamModel })) : undefined,
    deny: deny === undefined ? undefined : { code: deny.code, message: scrubber.scrub(deny.message), rule: deny.rule },
    // Notes of answered attempts are the proxy's own words (`answered 200`); others may quote an error.
    attempts: record.attempts.map((a) => (a.result === 'ok' ? a : { ...a, note: scrubber.scrub(a.note) })),
    upstream: record.model !== undefined && record.provider !== undefined ? { model: record.model, provider: record.provider } : undefined,
    result: record.outcome,
    status: record.status,
    errorCode: record.errorCode,
    stream: record.stream,
    usage: record.usage,
    cost: input.cost,
    budgets: budgetsOf(input),
    latencyMs: record.latencyMs,
    decisionMs: input.decisionMs,
    content: input.content,
  };
}
