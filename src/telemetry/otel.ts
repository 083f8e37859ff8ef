// The one place the OpenTelemetry SDK is wired, and only when the standard OTEL_* variables ask for it; the
// rest of the code speaks @opentelemetry/api, which is a no-op until a provider is registered here. The SDK
// packages are imported on demand, so a proxy with telemetry off never loads them.
//
// - Traces: OTEL_TRACES_EXPORTER=otlp|console|none; unset, traces go over OTLP when an OTLP endpoint is set
//   (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). Batched (OTEL_BSP_*), sampled per
//   OTEL_TRACES_SAMPLER; W3C trace context is the propagator.
// - Metrics: OTEL_METRICS_EXPORTER=otlp|console|prometheus|none; unset, OTLP when an OTLP endpoint is set.
//   `prometheus` is the proxy's own `GET /metrics`, always served, so it adds nothing here. Export every
//   OTEL_METRIC_EXPORT_INTERVAL ms (default 60 s).
// - OTLP is HTTP with JSON bodies (`http/json`); OTEL_EXPORTER_OTLP_HEADERS and OTEL_SERVICE_NAME /
//   OTEL_RESOURCE_ATTRIBUTES apply. OTEL_SDK_DISABLED=true turns all of it off.
import { diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import type { ProxyMetrics } from './metrics.js';

type Env = Readonly<Record<string, string | undefined>>;

export type TraceExporterKind = 'otlp' | 'console';
export type MetricExporterKind = 'otlp' | 'console';

export interface OtelConfig {
  readonly traces: TraceExporterKind | undefined;
  readonly metrics: MetricExporterKind | undefined;
  readonly tracesUrl: string;
  readonly metricsUrl: string;
  readonly headers: Record<string, string>;
  readonly serviceName: string;
  readonly resourceAttributes: Record<string, string>;
  readonly exportIntervalMs: number;
}

export type ConfigResult = { readonly ok: true; readonly config: OtelConfig; readonly warnings: readonly string[] } | { readonly ok: false; readonly error: string };

const DEFAULT_OTLP = 'http://localhost:4318';

/** `k=v,k2=v2` (values URL-encoded), as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES are written. */
function pairs(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split(',')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const key = part.slice(0, i).trim();
    try {
      out[key] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      out[key] = part.slice(i + 1).trim();
    }
  }
  return out;
}

function exporterOf(variable: string, value: string | undefined, endpointSet: boolean, allowed: readonly string[]): { ok: true; kind: string | undefined } | { ok: false; error: string } {
  if (value === undefined || value.trim() === '') return { ok: true, kind: endpointSet ? 'otlp' : undefined };
  const kinds = value.split(',').map((v) => v.trim().toLowerCase()).filter((v) => v !== '' && v !== 'none');
  for (const k of kinds) if (!allowed.includes(k)) return { ok: false, error: `\`${variable}\` \`${k}\` is not supported: use ${allowed.map((a) => `\`${a}\``).join(', ')} or \`none\`` };
  return { ok: true, kind: kinds[0] };
}

/** What the environment asks for; a value the proxy cannot honour is an error (so `serve` refuses to start). */
export function otelConfig(env: Env): ConfigResult {
  const disabled = (env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true';
  const base = (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').trim();
  const tracesEndpoint = (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? '').trim();
  const metricsEndpoint = (env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ?? '').trim();
  const traces = exporterOf('OTEL_TRACES_EXPORTER', env.OTEL_TRACES_EXPORTER, base !== '' || tracesEndpoint !== '', ['otlp', 'console']);
  if (!traces.ok) return traces;
  const metrics = exporterOf('OTEL_METRICS_EXPORTER', env.OTEL_METRICS_EXPORTER, base !== '' || metricsEndpoint !== '', ['otlp', 'console', 'prometheus']);
  if (!metrics.ok) return metrics;
  const warnings: string[] = [];
  for (const variable of ['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL']) {
    const p = env[variable]?.trim();
    if (p !== undefined && p !== '' && p !== 'http/json') warnings.push(`\`${variable}\` is \`${p}\`; switchyard exports OTLP over HTTP with JSON bodies (\`http/json\`)`);
  }
  const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL ?? 60_000);
  const root = (base === '' ? DEFAULT_OTLP : base).replace(/\/+$/, '');
  const config: OtelConfig = {
    traces: disabled ? undefined : (traces.kind as TraceExporterKind | undefined),
    metrics: disabled || metrics.kind === 'prometheus' ? undefined : (metrics.kind as MetricExporterKind | undefined),
    tracesUrl: tracesEndpoint !== '' ? tracesEndpoint : `${root}/v1/traces`,
    metricsUrl: metricsEndpoint !== '' ? metricsEndpoint : `${root}/v1/metrics`,
    headers: pairs(env.OTEL_EXPORTER_OTLP_HEADERS),
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'switchyard',
    resourceAttributes: pairs(env.OTEL_RESOURCE_ATTRIBUTES),
    exportIntervalMs: Number.isFinite(interval) && interval > 0 ? interval : 60_000,
  };
  return { ok: true, config, warnings };
}

export interface OtelHandle {
  readonly config: OtelConfig;
  /** Flushes what is batched and unregisters the providers. */
  shutdown(): Promise<void>;
}

export interface OtelLog {
  warn(obj: object, msg: string): void;
}

/**
 * Registers the SDK the configuration asks for: a global tracer provider and the W3C propagator, and an OTLP
 * (or console) meter provider the proxy's metrics are mirrored to. Undefined when nothing is asked for.
 */
export async function startOtel(config: OtelConfig, options: { readonly metrics?: ProxyMetrics | undefined; readonly log?: OtelLog }): Promise<OtelHandle | undefined> {
  if (config.traces === undefined && (config.metrics === undefined || options.metrics === undefined)) return undefined;
  const log = options.log;
  if (log !== undefined) {
    const warn = (message: string): void => log.warn({ event: 'otel' }, `opentelemetry: ${message}`);
    diag.setLogger({ error: warn, warn, info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
  }
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const resource = resourceFromAttributes({ ...config.resourceAttributes, 'service.name': config.serviceName });
  const stops: (() => Promise<void>)[] = [];

  if (config.traces !== undefined) {
    const { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter } = await import('@opentelemetry/sdk-trace-base');
    const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
    let exporter;
    if (config.traces === 'otlp') {
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      exporter = new OTLPTraceExporter({ url: config.tracesUrl, headers: config.headers });
    } else {
      exporter = new ConsoleSpanExporter();
    }
    const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    stops.push(async () => {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
    });
  }

  if (config.metrics !== undefined && options.metrics !== undefined) {
    const { MeterProvider, PeriodicExportingMetricReader, ConsoleMetricExporter } = await import('@opentelemetry/sdk-metrics');
    let exporter;
    if (config.metrics === 'otlp') {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
      exporter = new OTLPMetricExporter({ url: config.metricsUrl, headers: config.headers });
    } else {
      exporter = new ConsoleMetricExporter();
    }
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: config.exportIntervalMs, exportTimeoutMillis: Math.min(30_000, config.exportIntervalMs) });
    const provider = new MeterProvider({ resource, readers: [reader] });
    options.metrics.registry.attach(provider.getMeter('switchyard'));
    stops.push(() => provider.shutdown());
  }

  return {
    config,
    async shutdown() {
      for (const stop of stops) await stop();
      diag.disable();
    },
  };
}
