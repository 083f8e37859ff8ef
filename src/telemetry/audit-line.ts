// The audit record as the JSON line the proxy writes, built without the intermediate object: what depends only
// on the decision (its outcome, route, candidates, denial) is serialised once per decision — the engine hands
// every request of a class the same frozen Decision — and so are the budget buckets a team, key and model
// charge. The rest is a handful of numbers and strings per request.
//
// INVARIANT: auditLine(input) === JSON.stringify(auditRecord(input)) for every input (a property test holds
// the two to it), so the object form documents and tests the line.
import type { Decision } from '../engine/index.js';
import type { AttemptRecord } from '../proxy/failover.js';
import { AUDIT_KIND, budgetsOf, type AuditInput } from './audit-record.js';
import type { SecretScrubber } from './redact.js';

const q = JSON.stringify;

/** A number as JSON writes it. */
const num = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

/** `"outcome":…,"route":…,"model":…,"candidates":[…],"deny":{…}` of a decision (route and model when present). */
function decisionPart(decision: Decision, scrubber: SecretScrubber): string {
  let s = `"outcome":${q(decision.outcome)}`;
  if (decision.route !== undefined) s += `,"route":${q(decision.route)}`;
  const primary = decision.candidates[0];
  if (primary !== undefined) s += `,"model":${q(primary.model)}`;
  s += `,"candidates":${q(decision.candidates.map((c) => ({ model: c.model, provider: c.provider, upstreamModel: c.upstreamModel })))}`;
  const deny = decision.deny;
  if (deny !== undefined) s += `,"deny":${q({ code: deny.code, message: scrubber.scrub(deny.message), rule: deny.rule })}`;
  return s;
}

interface DecisionCache {
  readonly part: string;
  /** The `"budgets":…` part (or '') by key id, model and whether anything was sent. */
  readonly budgets: Map<string, string>;
}

const decisions = new WeakMap<Decision, DecisionCache>();

function cacheOf(decision: Decision, scrubber: SecretScrubber): DecisionCache {
  let c = decisions.get(decision);
  if (c === undefined) {
    c = { part: decisionPart(decision, scrubber), budgets: new Map() };
    decisions.set(decision, c);
  }
  return c;
}

function budgetsPart(input: AuditInput, cache: DecisionCache | undefined): string {
  if (cache === undefined) {
    const b = budgetsOf(input);
    return b === undefined ? '' : `,"budgets":${q(b)}`;
  }
  // The decision fixes the team (it is part of the class); the buckets also depend on these three.
  const key = `${input.record.keyId ?? ''}\u0000${input.record.model ?? ''}\u0000${input.cost === undefined ? 0 : 1}`;
  let part = cache.budgets.get(key);
  if (part === undefined) {
    const b = budgetsOf(input);
    part = b === undefined ? '' : `,"budgets":${q(b)}`;
    // Bounded by keys × models of the policy: every entry is a real combination of them.
    cache.budgets.set(key, part);
  }
  return part;
}

function attemptsPart(attempts: readonly AttemptRecord[], scrubber: SecretScrubber): string {
  let s = '[';
  for (let i = 0; i < attempts.length; i++) {
    const a = attempts[i]!;
    s += (i === 0 ? '' : ',') + q(a.result === 'ok' ? a : { ...a, note: scrubber.scrub(a.note) });
  }
  return `${s}]`;
}

/** The audit record of a settled request as one JSON line (without the newline). */
export function auditLine(input: AuditInput): string {
  const { record, decision, scrubber } = input;
  const decided = decision !== undefined && record.context !== undefined;
  let s = `{"kind":"${AUDIT_KIND}","time":"${new Date(input.arrivedAt).toISOString()}","requestId":${q(record.requestId)}`;
  if (record.keyId !== undefined) s += `,"keyId":${q(record.keyId)}`;
  if (record.team !== undefined) s += `,"team":${q(record.team)}`;
  s += `,"protocol":${q(record.protocol)},"policyVersion":${q(record.policyVersion)},"decided":${decided}`;
  const cache = decided ? cacheOf(decision, scrubber) : undefined;
  if (cache !== undefined) s += `,"context":${q(record.context)},${cache.part}`;
  s += `,"attempts":${attemptsPart(record.attempts, scrubber)}`;
  if (record.model !== undefined && record.provider !== undefined) s += `,"upstream":{"model":${q(record.model)},"provider":${q(record.provider)}}`;
  s += `,"result":${q(record.outcome)},"status":${num(record.status)}`;
  if (record.errorCode !== undefined) s += `,"errorCode":${q(record.errorCode)}`;
  s += `,"stream":${record.stream}`;
  if (record.usage !== undefined) s += `,"usage":${q(record.usage)}`;
  if (input.cost !== undefined) s += `,"cost":${q(input.cost)}`;
  s += budgetsPart(input, cache);
  s += `,"latencyMs":${num(record.latencyMs)}`;
  if (input.decisionMs !== undefined) s += `,"decisionMs":${num(input.decisionMs)}`;
  if (input.content !== undefined) s += `,"content":${q(input.content)}`;
  return `${s}}`;
}
