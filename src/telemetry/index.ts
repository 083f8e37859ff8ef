// Observability and audit for the proxy: OpenTelemetry spans (through @opentelemetry/api; the SDK is wired in
// otel.ts only when OTEL_* variables ask for it), Prometheus and OTLP metrics, the replayable audit log, and
// the redaction every sink goes through.
import type { IncomingHttpHeaders } from 'node:http';
import type { PolicySet } from '../policy/model.js';
import type { PolicySnapshot } from '../proxy/policy-snapshot.js';
import type { Protocol } from '../proxy/protocol.js';
import type { AuditLog } from './audit.js';
import { contentPolicyOf } from './content.js';
import type { ProxyMetrics } from './metrics.js';
import { providerSecrets, SecretScrubber } from './redact.js';
import { RequestTelemetry, type TelemetryLog } from './request.js';
import { startRequestSpan } from './spans.js';

export { AuditLog, type AuditDestination, type AuditLogOptions, type OpenedAudit } from './audit.js';
export { AUDIT_KIND, auditRecord, type AuditRecord } from './audit-record.js';
export { ProxyMetrics, type ProxyState } from './metrics.js';
export { PROMETHEUS_CONTENT_TYPE } from './registry.js';
export { REDACTED, redactHeaders, safeUrl, SecretScrubber } from './redact.js';
export { RequestTelemetry } from './request.js';
export { ATTR, TRACER_NAME, traceparentOf } from './spans.js';

export interface ProxyTelemetryOptions {
  readonly metrics?: ProxyMetrics | undefined;
  readonly audit?: AuditLog | undefined;
  /** Where provider keys are read (to scrub them from anything recorded); default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log: TelemetryLog;
}

/** The endpoint of each protocol: the SERVER span's `http.route`. */
export const API_PATH: Readonly<Record<Protocol, string>> = { openai: '/v1/chat/completions', anthropic: '/v1/messages' };

/** The server's telemetry: hands each API request its `RequestTelemetry`. */
export class ProxyTelemetry {
  readonly metrics: ProxyMetrics | undefined;
  readonly audit: AuditLog | undefined;
  private readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: TelemetryLog;
  private readonly scrubbers = new WeakMap<PolicySet, SecretScrubber>();

  constructor(options: ProxyTelemetryOptions) {
    this.metrics = options.metrics;
    this.audit = options.audit;
    this.env = options.env ?? process.env;
    this.log = options.log;
  }

  begin(snapshot: PolicySnapshot, protocol: Protocol, headers: IncomingHttpHeaders): RequestTelemetry {
    const policy = snapshot.policy;
    return new RequestTelemetry(
      this,
      policy,
      protocol,
      startRequestSpan(API_PATH[protocol], headers, snapshot.version),
      this.audit === undefined ? null : contentPolicyOf(policy),
      this.scrubberFor(policy),
    );
  }

  /** Scrubs the provider keys this policy's providers read (one scrubber per policy version). */
  scrubberFor(policy: PolicySet): SecretScrubber {
    let s = this.scrubbers.get(policy);
    if (s === undefined) {
      s = new SecretScrubber(providerSecrets([...policy.providers.values()].map((p) => p.spec.credentials.env), this.env));
      this.scrubbers.set(policy, s);
    }
    return s;
  }
}
