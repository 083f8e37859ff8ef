// What `switchyard serve` sets up for observability before the server: the server log (sharing standard output
// with an audit log written to `-`, so their lines never interleave), the audit log (`--audit-log`), the
// metrics and who may scrape them (`--metrics`), and the OpenTelemetry SDK when OTEL_* variables ask for it.
import type { Logger } from 'pino';
import { bufferedStdout, createProxyLogger } from '../proxy/logger.js';
import { AuditLog, BATCH_BYTES, FLUSH_EVERY_MS } from '../telemetry/audit.js';
import type { MetricsAccess } from '../telemetry/endpoint.js';
import { ProxyMetrics } from '../telemetry/metrics.js';
import { otelConfig, startOtel, type OtelHandle } from '../telemetry/otel.js';
import { safeUrl } from '../telemetry/redact.js';
import type { CliIO } from './command.js';

export type MetricsMode = MetricsAccess | 'off';

export const METRICS_MODES: readonly MetricsMode[] = ['open', 'admin', 'off'];

export interface ServeTelemetryArgs {
  /** A file, `-` (standard output) or undefined (no audit log). */
  readonly auditLog: string | undefined;
  readonly metrics: MetricsMode;
}

export interface ServeTelemetry {
  readonly logger: Logger;
  readonly metrics: ProxyMetrics | undefined;
  readonly metricsAccess: MetricsAccess;
  readonly audit: AuditLog | undefined;
  readonly otel: OtelHandle | undefined;
  /** Start-up banner lines for stderr. */
  banner(url: string): string[];
  /** After a rename-style rotation (SIGUSR2): reopen the audit file. */
  reopen(): void;
  /** Flushes and closes the audit log, and flushes and unregisters the SDK. */
  close(): Promise<void>;
}

export type OpenedTelemetry = { readonly ok: true; readonly value: ServeTelemetry } | { readonly ok: false; readonly error: string };

export async function openServeTelemetry(args: ServeTelemetryArgs, io: CliIO): Promise<OpenedTelemetry> {
  const otel = otelConfig(io.env);
  if (!otel.ok) return otel;
  // Buffered: a system call per request line showed as ~5% of the proxy's CPU in profiles, and
  // handing each write to libuv's thread pool costs as much in thread switches. Lines go out in writes of 4 KiB
  // or more, or within 200 ms of being logged (as the audit file's records are); what is left is flushed on close
  // and at exit.
  const stdout = bufferedStdout(BATCH_BYTES, FLUSH_EVERY_MS);
  process.once('exit', () => {
    try {
      stdout.flushSync();
    } catch {
      // Standard output is gone: nothing is left to tell.
    }
  });
  const logger = createProxyLogger(io.env.LOG_LEVEL, stdout);
  let audit: AuditLog | undefined;
  if (args.auditLog !== undefined) {
    const opened = AuditLog.open(args.auditLog, {
      cwd: io.cwd,
      ...(args.auditLog === '-' ? { stdout } : {}),
      onError: (err) => logger.error({ err, event: 'audit_write_failed' }, `writing the audit log failed: ${err.message}`),
    });
    if (!opened.ok) return opened;
    audit = opened.log;
  }
  for (const warning of otel.warnings) logger.warn({ event: 'otel' }, warning);
  const metrics = args.metrics === 'off' ? undefined : new ProxyMetrics();
  let handle: OtelHandle | undefined;
  try {
    handle = await startOtel(otel.config, { metrics, log: logger });
  } catch (err) {
    await audit?.close();
    return { ok: false, error: `cannot start OpenTelemetry: ${err instanceof Error ? err.message : String(err)}` };
  }
  return {
    ok: true,
    value: {
      logger,
      metrics,
      metricsAccess: args.metrics === 'admin' ? 'admin' : 'open',
      audit,
      otel: handle,
      banner(url) {
        const c = otel.config;
        return [
          `audit log ${audit === undefined ? 'off (--audit-log FILE or - to record every request)' : audit.target === '-' ? 'to standard output' : audit.target}`,
          `metrics   ${metrics === undefined ? 'off' : `${url}/metrics${args.metrics === 'admin' ? ' (admin key)' : ''}`}${handle?.config.metrics === undefined ? '' : `, ${c.metrics} export every ${c.exportIntervalMs / 1000} s`}`,
          `tracing   ${handle?.config.traces === undefined ? 'off (set OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_TRACES_EXPORTER)' : c.traces === 'otlp' ? `otlp to ${safeUrl(c.tracesUrl)}` : c.traces}`,
        ];
      },
      reopen() {
        audit?.reopen();
      },
      async close() {
        await audit?.close();
        await handle?.shutdown();
        await new Promise<void>((resolve) => logger.flush(() => resolve()));
      },
    },
  };
}
