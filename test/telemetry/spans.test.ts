// Spans from a real OpenTelemetry SDK provider (in-memory exporter, registered globally) for requests through
// the proxy against real simulators: the span tree and its attributes for a success, a failover, a stream and
// a denial, the traceparent the provider receives, and no tracing work without an SDK.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SettleRecord } from '../../src/proxy/index.js';
import { chat, closeSims, EU_KEY, post, resetSims, startProxy, startSims, type Proxy, type Sims } from '../proxy/fixture.js';
import { installTracing, type Tracing } from './support.js';

let sims: Sims;
let proxy: Proxy;
let tracing: Tracing;
const settled: SettleRecord[] = [];

beforeAll(async () => {
  sims = await startSims();
  proxy = await startProxy(sims, { circuit: { failureThreshold: 1_000 }, onSettle: (r) => settled.push(r) });
});
afterAll(async () => {
  await proxy.close();
  await closeSims(sims);
});
beforeEach(() => {
  resetSims(sims);
  settled.length = 0;
  tracing = installTracing();
});
afterEach(async () => {
  await tracing.uninstall();
});

const server = (spans: ReadableSpan[]): ReadableSpan[] => spans.filter((s) => s.kind === SpanKind.SERVER);
const clients = (spans: ReadableSpan[]): ReadableSpan[] => spans.filter((s) => s.kind === SpanKind.CLIENT).sort((a, b) => Number(a.attributes['switchyard.attempt']) - Number(b.attributes['switchyard.attempt']));
const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;

/** Fixture prices: every model costs $1 per million input tokens and $2 per million output tokens. */
const fixtureCost = (input: number, output: number): number => (input * 1 + output * 2) / 1e6;

describe('spans of a request that succeeds', () => {
  it('is a SERVER span with one CLIENT child per attempt, GenAI and switchyard attributes, and the child context sent upstream', async () => {
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'));
    expect(res.status).toBe(200);
    const spans = tracing.spans();
    const [root] = server(spans);
    const [attempt] = clients(spans);
    expect(server(spans)).toHaveLength(1);
    expect(clients(spans)).toHaveLength(1);
    expect(root!.name).toBe('POST /v1/chat/completions');
    expect(attempt!.name).toBe('chat up-primary');
    expect(parentOf(attempt!)).toBe(root!.spanContext().spanId);
    expect(attempt!.spanContext().traceId).toBe(root!.spanContext().traceId);

    const record = settled[0]!;
    const usage = record.usage!;
    expect(root!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'auto',
      'gen_ai.response.model': 'up-primary',
      'gen_ai.provider.name': 'oa-primary',
      'gen_ai.usage.input_tokens': usage.inputTokens,
      'gen_ai.usage.output_tokens': usage.outputTokens,
      'switchyard.route': 'default',
      'switchyard.policy.version': res.headers.get('x-switchyard-policy-version'),
      'switchyard.decision.outcome': 'route',
      'switchyard.team': 'app',
      'switchyard.key_id': 'app-main',
      'switchyard.request_id': res.headers.get('x-switchyard-request-id'),
      'switchyard.outcome': 'completed',
      'http.response.status_code': 200,
    });
    expect(root!.attributes['switchyard.cost_usd']).toBeCloseTo(fixtureCost(usage.inputTokens, usage.outputTokens), 12);
    expect(root!.attributes['error.type']).toBeUndefined();
    expect(attempt!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'oa-primary',
      'gen_ai.request.model': 'up-primary',
      'gen_ai.response.model': 'up-primary',
      'gen_ai.usage.input_tokens': usage.inputTokens,
      'gen_ai.usage.output_tokens': usage.outputTokens,
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(sims.a.url).port),
      'http.response.status_code': 200,
      'url.full': `${sims.a.url}/v1/chat/completions`,
    });
    expect(attempt!.status.code).not.toBe(SpanStatusCode.ERROR);

    // The provider received the CLIENT span's own context, sampled.
    const sent = sims.a.stats().lastRequest?.headers['traceparent'];
    expect(sent).toBe(`00-${attempt!.spanContext().traceId}-${attempt!.spanContext().spanId}-01`);
  });

  it('joins the caller trace: the SERVER span is a child of the incoming traceparent, which is not forwarded as is', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'), { traceparent: `00-${traceId}-${callerSpan}-01` });
    expect(res.status).toBe(200);
    const [root] = server(tracing.spans());
    const [attempt] = clients(tracing.spans());
    expect(root!.spanContext().traceId).toBe(traceId);
    expect(parentOf(root!)).toBe(callerSpan);
    const sent = String(sims.a.stats().lastRequest?.headers['traceparent']);
    expect(sent).toBe(`00-${traceId}-${attempt!.spanContext().spanId}-01`);
    expect(sent).not.toContain(callerSpan);
  });

  it('keeps the CLIENT span of a stream open until the stream has ended, with the usage the stream reported', async () => {
    // Tokens 20 ms apart: the stream lasts well beyond its first chunk, which is when the attempt's verdict comes.
    sims.a.configure({ tokenIntervalMs: 20 });
    try {
      const res = await post(proxy.url, '/v1/chat/completions', chat('auto', { stream: true }));
      expect(res.status).toBe(200);
      expect(res.text).toContain('data: [DONE]');
    } finally {
      sims.a.configure({ tokenIntervalMs: 0 });
    }
    const [root] = server(tracing.spans());
    const [attempt] = clients(tracing.spans());
    const usage = settled[0]!.usage!;
    expect(usage.outputTokens).toBe(8);
    expect(attempt!.attributes['gen_ai.usage.output_tokens']).toBe(usage.outputTokens);
    expect(root!.attributes['switchyard.outcome']).toBe('completed');
    const durationMs = (s: ReadableSpan): number => s.duration[0] * 1e3 + s.duration[1] / 1e6;
    const firstChunkMs = settled[0]!.attempts[0]!.ms!;
    expect(durationMs(attempt!)).toBeGreaterThan(firstChunkMs + 5 * 20);
  });
});

describe('spans of a failover', () => {
  it('has two CLIENT spans: the first failed with its status and error type, the second answered', async () => {
    const queued = sims.a.queueFaults([{ status: 503 }]);
    expect(queued.ok).toBe(true);
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'));
    expect(res.status).toBe(200);
    const spans = tracing.spans();
    const [root] = server(spans);
    const [first, second] = clients(spans);
    expect(clients(spans)).toHaveLength(2);
    for (const s of [first!, second!]) expect(parentOf(s)).toBe(root!.spanContext().spanId);
    expect(first!.attributes).toMatchObject({ 'gen_ai.provider.name': 'oa-primary', 'http.response.status_code': 503, 'error.type': '503' });
    expect(first!.status.code).toBe(SpanStatusCode.ERROR);
    expect(second!.attributes).toMatchObject({ 'gen_ai.provider.name': 'oa-backup', 'gen_ai.request.model': 'up-backup', 'http.response.status_code': 200 });
    expect(second!.attributes['error.type']).toBeUndefined();
    expect(root!.attributes).toMatchObject({ 'switchyard.attempts': 2, 'gen_ai.provider.name': 'oa-backup', 'switchyard.decision.outcome': 'route' });
    // Each attempt told its own provider its own span.
    expect(sims.a.stats().lastRequest?.headers['traceparent']).toContain(first!.spanContext().spanId);
    expect(sims.b.stats().lastRequest?.headers['traceparent']).toContain(second!.spanContext().spanId);
  });

  it('marks a connection failure with its failure kind', async () => {
    const closed = await startProxy(sims, {}, { SIM_A: 'http://127.0.0.1:1' });
    try {
      const res = await post(closed.url, '/v1/chat/completions', chat('auto'));
      expect(res.status).toBe(200);
      const [first] = clients(tracing.spans());
      expect(first!.attributes['error.type']).toBe('connection');
      expect(first!.status.code).toBe(SpanStatusCode.ERROR);
    } finally {
      await closed.close();
    }
  });
});

describe('spans of a denial', () => {
  it('is the SERVER span alone, with the deny outcome, the rule and the error code', async () => {
    // Team eu declaring phi: the phi route's targets all fail the zero-retention vetting rule.
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'), { authorization: `Bearer ${EU_KEY}`, 'x-switchyard-data-class': 'phi' });
    expect(res.status).toBe(403);
    const body = res.body as { error: { code: string; rule?: string } };
    const spans = tracing.spans();
    expect(clients(spans)).toHaveLength(0);
    expect(spans).toHaveLength(1);
    const [root] = server(spans);
    expect(root!.attributes).toMatchObject({
      'switchyard.decision.outcome': 'deny',
      'switchyard.outcome': 'denied',
      'switchyard.team': 'eu',
      'switchyard.data_class': 'phi',
      'error.type': body.error.code,
      'http.response.status_code': 403,
    });
    expect(root!.attributes['switchyard.decision.rule']).toBe(body.error.rule);
    expect(root!.attributes['switchyard.cost_usd']).toBeUndefined();
    expect(root!.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(sims.a.stats().requests + sims.eu.stats().requests).toBe(0);
  });

  it('is the SERVER span alone for a refused key, with no team and no decision', async () => {
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'), { authorization: 'Bearer sy-not-a-key-of-this-policy-000' });
    expect(res.status).toBe(401);
    const spans = tracing.spans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes['error.type']).toBe('invalid_api_key');
    expect(spans[0]!.attributes['switchyard.team']).toBeUndefined();
    expect(spans[0]!.attributes['switchyard.decision.outcome']).toBeUndefined();
  });
});

describe('without a tracing SDK', () => {
  it('sends no traceparent and records nothing', async () => {
    await tracing.uninstall();
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'), { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(res.status).toBe(200);
    expect(sims.a.stats().lastRequest?.headers['traceparent']).toBeUndefined();
    expect(tracing.spans()).toHaveLength(0);
    tracing = installTracing();
  });
});
