// The per-request record handed to the usage hook (`onSettle`) exactly once, whatever happened: answered,
// denied, failed, cut or abandoned. Budgets settle spend from it and the audit log writes it.
import type { Candidate, RequestContext } from '../engine/index.js';
import type { RequestErrorCode } from '../errors.js';
import { sentCount, type AttemptRecord } from './failover.js';
import type { RequestLog } from './logger.js';
import type { Protocol, Usage } from './protocol.js';

/**
 * `completed`: the provider's answer reached the client whole. `upstream_status`: a provider error status the
 * route does not fail over on was relayed. `denied`: the policy said no. `rejected`: refused before deciding
 * (key, body). `failed`: no candidate answered. `cut`: a stream broke after it started. `aborted`: the client
 * went away.
 */
export type SettleOutcome = 'completed' | 'upstream_status' | 'denied' | 'rejected' | 'failed' | 'cut' | 'aborted';

export interface SettleRecord {
  readonly requestId: string;
  readonly protocol: Protocol;
  readonly policyVersion: string;
  readonly team: string | undefined;
  readonly keyId: string | undefined;
  readonly route: string | undefined;
  /** The Model that answered (or was last tried), and its provider. */
  readonly model: string | undefined;
  readonly provider: string | undefined;
  readonly requestedModel: string | undefined;
  readonly stream: boolean;
  readonly context: RequestContext | undefined;
  readonly candidates: readonly Candidate[];
  /** What the provider reported; undefined when it reported nothing (or nothing was sent). */
  readonly usage: Usage | undefined;
  /** Characters of answer text the client received (0 for none): what output is estimated from without usage. */
  readonly outputChars: number;
  readonly attempts: readonly AttemptRecord[];
  readonly outcome: SettleOutcome;
  /** HTTP status the client got (499: the client went away first). */
  readonly status: number;
  readonly errorCode: RequestErrorCode | undefined;
  readonly latencyMs: number;
}

export type SettleHook = (record: SettleRecord) => void;

/** What a request learns on its way, in one shape from the start. */
export interface SettleDraft {
  team: string | undefined;
  keyId: string | undefined;
  route: string | undefined;
  model: string | undefined;
  provider: string | undefined;
  requestedModel: string | undefined;
  stream: boolean;
  context: RequestContext | undefined;
  candidates: readonly Candidate[];
  attempts: readonly AttemptRecord[];
}

export const emptyDraft = (): SettleDraft => ({
  team: undefined,
  keyId: undefined,
  route: undefined,
  model: undefined,
  provider: undefined,
  requestedModel: undefined,
  stream: false,
  context: undefined,
  candidates: [],
  attempts: [],
});

/** A function that builds the record, logs one line and calls the hook; later calls do nothing. */
export function settler(
  base: { requestId: string; protocol: Protocol; policyVersion: string; started: number },
  draft: SettleDraft,
  hook: SettleHook | undefined,
  log: RequestLog,
): (outcome: SettleOutcome, status: number, usage: Usage | undefined, errorCode: RequestErrorCode | undefined, outputChars?: number) => void {
  let done = false;
  return (outcome, status, usage, errorCode, outputChars = 0) => {
    if (done) return;
    done = true;
    const latencyMs = Math.round((performance.now() - base.started) * 1000) / 1000;
    // Field by field: a literal with a spread in it copies the draft through the runtime's generic property copy.
    const record: SettleRecord = {
      requestId: base.requestId,
      protocol: base.protocol,
      policyVersion: base.policyVersion,
      team: draft.team,
      keyId: draft.keyId,
      route: draft.route,
      model: draft.model,
      provider: draft.provider,
      requestedModel: draft.requestedModel,
      stream: draft.stream,
      context: draft.context,
      candidates: draft.candidates,
      attempts: draft.attempts,
      usage,
      outputChars,
      outcome,
      status,
      errorCode,
      latencyMs,
    };
    let failures: string[] | undefined;
    for (const a of record.attempts) if (a.result === 'failed' || a.result === 'skipped') (failures ??= []).push(`${a.model} (${a.provider}): ${a.note}`);
    log.request(record.requestId, {
      team: record.team,
      keyId: record.keyId,
      route: record.route,
      model: record.model,
      provider: record.provider,
      status,
      outcome,
      errorCode,
      attempts: sentCount(record.attempts),
      failures,
      usage,
      latencyMs,
    });
    if (hook === undefined) return;
    try {
      hook(record);
    } catch (err) {
      log.error({ requestId: record.requestId, err }, 'the onSettle hook threw');
    }
  };
}
