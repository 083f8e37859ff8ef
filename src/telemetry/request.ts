// One request's telemetry, from arrival to settlement: its SERVER span and the CLIENT span of each attempt, the
// time to decision, and — once, when it settles — its metrics and its audit record. Work is done only for the
// sinks that are on: with no tracing SDK, no audit log and content logging off, `observe` is undefined and the
// upstream attempts are not touched.
import { performance } from 'node:perf_hooks';
import type { Candidate, Decision } from '../engine/index.js';
import type { PolicySet } from '../policy/model.js';
import type { AttemptObserver } from '../proxy/failover.js';
import type { Protocol } from '../proxy/protocol.js';
import { UPSTREAM_PATH } from '../proxy/protocol.js';
import type { Upstream } from '../proxy/runtime.js';
import type { SettleRecord } from '../proxy/settle.js';
import type { AttemptResult } from '../proxy/upstream.js';
import type { AuditLog } from './audit.js';
import { auditLine } from './audit-line.js';
import type { AuditRecord } from './audit-record.js';
import { answerText, promptContent, streamText, StreamTee, type ContentPolicy } from './content.js';
import { requestCost } from './cost.js';
import type { ProxyMetrics } from './metrics.js';
import type { SecretScrubber } from './redact.js';
import type { AttemptSpan, RequestSpan } from './spans.js';

export interface TelemetryLog {
  error(obj: object, msg: string): void;
}

/** What a request's telemetry shares with every other request of the server. */
export interface TelemetrySinks {
  readonly metrics: ProxyMetrics | undefined;
  readonly audit: AuditLog | undefined;
  readonly log: TelemetryLog;
}

export class RequestTelemetry {
  /** Epoch ms when the request arrived (the audit record's `time`). */
  readonly arrivedAt = Date.now();
  private readonly started = performance.now();
  private decision: Decision | undefined;
  private decisionMs: number | undefined;
  private body: Readonly<Record<string, unknown>> | undefined;
  private answering: AttemptSpan | undefined;
  private answer: Buffer | undefined;
  private tee: StreamTee | undefined;
  /** Called for every upstream attempt; undefined when no sink needs attempt-level work. */
  readonly observe: ((candidate: Candidate, upstream: Upstream) => AttemptObserver) | undefined;

  constructor(
    private readonly sinks: TelemetrySinks,
    private readonly policy: PolicySet,
    private readonly protocol: Protocol,
    private readonly span: RequestSpan | undefined,
    private readonly content: ContentPolicy | null,
    private readonly scrubber: SecretScrubber,
  ) {
    this.observe = span !== undefined || content !== null ? (c, upstream) => this.attempt(c, upstream) : undefined;
  }

  /** The decision is made: its latency, and (content logging on) the prompt to record. */
  decided(decision: Decision, body: Readonly<Record<string, unknown>>): void {
    this.decision = decision;
    const ms = performance.now() - this.started;
    this.decisionMs = Math.round(ms * 1000) / 1000;
    this.sinks.metrics?.decided(decision.outcome, ms / 1000);
    if (this.content !== null) this.body = body;
  }

  private attempt(c: Candidate, upstream: Upstream): AttemptObserver {
    // The provider's own path: a candidate of the other protocol is sent a translated request.
    const span = this.span?.attempt(c, upstream, UPSTREAM_PATH[upstream.api]);
    return {
      traceparent: span?.traceparent,
      result: (r: AttemptResult): AttemptResult => {
        if (span !== undefined && span.result(r, this.scrubber)) this.answering = span;
        if (this.content === null) return r;
        if (r.kind === 'answer') this.answer = r.body;
        if (r.kind === 'stream') {
          const tee = new StreamTee();
          tee.add(r.first);
          this.tee = tee;
          return { ...r, rest: tee.wrap(r.rest) };
        }
        return r;
      },
    };
  }

  /** `body` with the provider keys of this policy replaced (a provider's error answer may quote one). */
  scrubSecrets(body: Buffer): Buffer {
    return this.scrubber.scrubBuffer(body);
  }

  /** The request's one settlement: spans end, metrics count it, the audit log records it. Never throws. */
  settled(record: SettleRecord): void {
    try {
      const { metrics, audit } = this.sinks;
      // Metrics count the record with its batch (and work out its cost then); the span and the audit line need it now.
      metrics?.later(record, this.policy);
      const cost = audit !== undefined || this.span !== undefined ? requestCost(this.policy, record) : undefined;
      this.answering?.finish(record);
      this.span?.finish(record, this.decision, cost, this.scrubber, this.answering?.responseModel);
      if (audit !== undefined) {
        audit.writeLine(
          auditLine({
            record,
            decision: this.decision,
            policy: this.policy,
            cost,
            arrivedAt: this.arrivedAt,
            decisionMs: this.decisionMs,
            content: this.recordedContent(),
            scrubber: this.scrubber,
          }),
        );
        metrics?.auditRecords.inc([]);
      }
    } catch (err) {
      this.sinks.log.error({ requestId: record.requestId, err }, 'recording the request failed');
    }
  }

  private recordedContent(): AuditRecord['content'] {
    const content = this.content;
    if (content === null || this.body === undefined) return undefined;
    const out: { prompt?: unknown; completion?: string; truncated?: boolean } = { prompt: promptContent(this.body, content) };
    if (this.answer !== undefined) out.completion = content.redact(answerText(this.protocol, this.answer));
    if (this.tee !== undefined) {
      out.completion = content.redact(streamText(this.protocol, this.tee.text()));
      if (this.tee.truncated) out.truncated = true;
    }
    return out;
  }
}
