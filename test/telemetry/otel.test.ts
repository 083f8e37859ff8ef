// The SDK wiring: what the OTEL_* variables ask for, and a proxy whose spans and metrics reach a local OTLP/HTTP
// collector once `startOtel` has registered the SDK — and nothing registered when nothing is asked for.
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyMetrics } from '../../src/telemetry/metrics.js';
import { otelConfig, startOtel } from '../../src/telemetry/otel.js';
import { chat, closeSims, post, startProxy, startSims, type Sims } from '../proxy/fixture.js';
import { startCollector, type Collector } from './support.js';

describe('otelConfig', () => {
  it('asks for nothing without OTEL variables', () => {
    const r = otelConfig({});
    expect(r.ok && r.config.traces === undefined && r.config.metrics === undefined).toBe(true);
  });

  it('exports both signals over OTLP when an endpoint is set, to its /v1 paths', () => {
    const r = otelConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc%3D,x=1', OTEL_SERVICE_NAME: 'edge-proxy', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod' });
    if (!r.ok) throw new Error(r.error);
    expect(r.config).toMatchObject({
      traces: 'otlp',
      metrics: 'otlp',
      tracesUrl: 'http://collector:4318/v1/traces',
      metricsUrl: 'http://collector:4318/v1/metrics',
      headers: { 'api-key': 'abc=', x: '1' },
      serviceName: 'edge-proxy',
      resourceAttributes: { 'deployment.environment': 'prod' },
    });
  });

  it('honours per-signal exporters and endpoints, none, prometheus and OTEL_SDK_DISABLED', () => {
    const a = otelConfig({ OTEL_TRACES_EXPORTER: 'console', OTEL_METRICS_EXPORTER: 'none' });
    expect(a.ok && a.config.traces === 'console' && a.config.metrics === undefined).toBe(true);
    const b = otelConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:1/x', OTEL_METRICS_EXPORTER: 'prometheus' });
    expect(b.ok && b.config.traces === 'otlp' && b.config.tracesUrl === 'http://t:1/x' && b.config.metrics === undefined).toBe(true);
    const c = otelConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' });
    expect(c.ok && c.config.traces === undefined && c.config.metrics === undefined).toBe(true);
  });

  it('refuses an exporter it does not have, and warns about a protocol other than http/json', () => {
    expect(otelConfig({ OTEL_TRACES_EXPORTER: 'zipkin' })).toEqual({ ok: false, error: '`OTEL_TRACES_EXPORTER` `zipkin` is not supported: use `otlp`, `console` or `none`' });
    const r = otelConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    expect(r.ok && r.warnings).toEqual(['`OTEL_EXPORTER_OTLP_PROTOCOL` is `grpc`; switchyard exports OTLP over HTTP with JSON bodies (`http/json`)']);
  });
});

describe('startOtel', () => {
  let sims: Sims;
  let collector: Collector;

  beforeAll(async () => {
    sims = await startSims();
    collector = await startCollector();
  });
  afterAll(async () => {
    await closeSims(sims);
    await collector.close();
  });

  it('registers nothing when nothing is asked for', async () => {
    const r = otelConfig({});
    if (!r.ok) throw new Error(r.error);
    expect(await startOtel(r.config, { metrics: new ProxyMetrics() })).toBeUndefined();
    expect(trace.getTracer('x').startSpan('y').isRecording()).toBe(false);
  });

  it('sends the spans and the metrics of proxied requests to the OTLP endpoint', async () => {
    const r = otelConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-token=t0k', OTEL_SERVICE_NAME: 'switchyard-test' });
    if (!r.ok) throw new Error(r.error);
    const metrics = new ProxyMetrics();
    const handle = await startOtel(r.config, { metrics });
    expect(handle).toBeDefined();
    const proxy = await startProxy(sims, { metrics });
    try {
      expect((await post(proxy.url, '/v1/chat/completions', chat('auto'))).status).toBe(200);
      // The provider got a traceparent: the SDK and the W3C propagator are registered.
      expect(String(sims.a.stats().lastRequest?.headers['traceparent'])).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    } finally {
      await proxy.close();
      // Shutting down flushes the batched spans and the last metric export.
      await handle!.shutdown();
    }
    const traces = collector.received.filter((x) => x.path === '/v1/traces');
    const exported = collector.received.filter((x) => x.path === '/v1/metrics');
    expect(traces.length).toBeGreaterThan(0);
    expect(exported.length).toBeGreaterThan(0);
    expect(traces[0]!.headers['x-collector-token']).toBe('t0k');
    const spans = traces.map((t) => t.body).join('\n');
    expect(spans).toContain('"POST /v1/chat/completions"');
    expect(spans).toContain('"chat up-primary"');
    expect(spans).toContain('switchyard-test');
    expect(exported.map((m) => m.body).join('\n')).toContain('switchyard.requests');
    // Unregistered again: later spans do not record.
    expect(trace.getTracer('x').startSpan('y').isRecording()).toBe(false);
  });
});
