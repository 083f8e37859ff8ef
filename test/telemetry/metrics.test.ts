// Metrics: the registry's Prometheus text, and `GET /metrics` of a proxy after real traffic — counts and
// durations by route/model/provider/outcome, attempts, tokens and cost against what the usage hook saw, time to
// decision, circuit state, budget use from the ledger, reloads, access control — and the OTLP mirror.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/policy/index.js';
import { openPolicyStore } from '../../src/proxy/policy-store.js';
import type { SettleRecord } from '../../src/proxy/index.js';
import { ProxyMetrics } from '../../src/telemetry/metrics.js';
import { MetricRegistry } from '../../src/telemetry/registry.js';
import { FIN_KEY, startBudgetProxy } from '../proxy/budget-fixture.js';
import { ADMIN_KEY, chat, closeSims, EU_KEY, fixtureSources, post, resetSims, startProxy, startSims, type Proxy, type Sims } from '../proxy/fixture.js';
import { parsePrometheus, total, type PromSample } from './support.js';

let sims: Sims;

beforeAll(async () => {
  sims = await startSims();
});
afterAll(async () => {
  await closeSims(sims);
});
beforeEach(() => resetSims(sims));

async function scrape(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; samples: PromSample[]; text: string }> {
  const res = await fetch(`${url}/metrics`, { headers });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), samples: res.status === 200 ? parsePrometheus(text) : [], text };
}

describe('the registry', () => {
  it('renders counters, cumulative histogram buckets and gauges with escaped labels', async () => {
    const r = new MetricRegistry();
    const c = r.counter({ name: 't_total', otelName: 't', help: 'a "help"\nline', labels: ['a'], unit: '1' });
    const h = r.histogram({ name: 't_seconds', otelName: 't.s', help: 'h', labels: ['a'], unit: 's' }, [0.1, 1]);
    const g = r.gauge({ name: 't_gauge', otelName: 't.g', help: 'g', labels: ['who'], unit: '1' });
    c.inc(['x"y\\z\nw']);
    c.inc(['x"y\\z\nw'], 2);
    for (const v of [0.05, 0.1, 0.5, 3]) h.observe(['q'], v);
    g.source(() => [{ labels: ['me'], value: 7 }]);
    const text = await r.render();
    expect(text).toContain('# HELP t_total a "help"\\nline\n# TYPE t_total counter\n');
    const samples = parsePrometheus(text);
    expect(total(samples, 't_total', { a: 'x"y\\z\nw' })).toBe(3);
    const bucket = (le: string): number => total(samples, 't_seconds_bucket', { a: 'q', le });
    expect([bucket('0.1'), bucket('1'), bucket('+Inf')]).toEqual([2, 3, 4]);
    expect(total(samples, 't_seconds_count', { a: 'q' })).toBe(4);
    expect(total(samples, 't_seconds_sum', { a: 'q' })).toBeCloseTo(3.65, 10);
    expect(total(samples, 't_gauge', { who: 'me' })).toBe(7);
  });

  it('leaves out a gauge whose source fails instead of failing the scrape', async () => {
    const r = new MetricRegistry();
    r.counter({ name: 'ok_total', otelName: 'ok', help: 'ok', labels: [], unit: '1' }).inc([]);
    r.gauge({ name: 'broken', otelName: 'b', help: 'b', labels: [], unit: '1' }).source(() => {
      throw new Error('ledger down');
    });
    const text = await r.render();
    expect(total(parsePrometheus(text), 'ok_total')).toBe(1);
    expect(text).toContain('# broken could not be read');
  });
});

describe('requests counted with their batch', () => {
  const settled = (i: number): SettleRecord => ({
    requestId: `r-${i}`, protocol: 'openai', policyVersion: 'v1', team: 'engineering', keyId: 'eng-1', route: 'default', model: 'gpt-4-1-mini',
    provider: 'openai', requestedModel: 'gpt-4-1-mini', stream: false, context: undefined, candidates: [], usage: { inputTokens: 1_000, outputTokens: 500 },
    outputChars: 0, attempts: [{ model: 'gpt-4-1-mini', provider: 'openai', result: 'ok', status: 200, note: 'answered 200', ms: 2 }],
    outcome: 'completed', status: 200, errorCode: undefined, latencyMs: 3,
  });
  const labels = ['default', 'gpt-4-1-mini', 'openai', 'completed', ''];

  it('are in every read of the metrics, however soon, and in the counters within the wait or at the batch size', async () => {
    const loaded = await loadPolicy(join(import.meta.dirname, '..', '..', 'policies'), { env: {} });
    if (!loaded.ok) throw new Error('the example policy does not load');
    const policy = loaded.policy;
    const metrics = new ProxyMetrics();
    for (let i = 0; i < 3; i++) metrics.later(settled(i), policy);
    expect(metrics.requests.value(labels)).toBe(0);
    const samples = parsePrometheus(await metrics.registry.render());
    expect(total(samples, 'switchyard_requests_total', { route: 'default', outcome: 'completed' })).toBe(3);
    expect(total(samples, 'switchyard_tokens_total', { team: 'engineering', type: 'output' })).toBe(1_500);
    expect(total(samples, 'switchyard_cost_usd_total', { team: 'engineering' })).toBeGreaterThan(0);
    metrics.later(settled(3), policy);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(metrics.requests.value(labels)).toBe(4);
    for (let i = 0; i < 64; i++) metrics.later(settled(10 + i), policy);
    expect(metrics.requests.value(labels)).toBe(68);
  });

  it('hold what they count, not the record: its context is collectable while the request waits for its batch', async () => {
    const loaded = await loadPolicy(join(import.meta.dirname, '..', '..', 'policies'), { env: {} });
    if (!loaded.ok) throw new Error('the example policy does not load');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const metrics = new ProxyMetrics();
    // The context stands in for what a real record carries (classification, features, candidates); nothing but
    // the queued request refers to it once `queue` returns.
    const queue = (): WeakRef<object> => {
      const context = { promptTokens: 1_000, payload: new Array<number>(10_000).fill(1) };
      metrics.later({ ...settled(0), context: context as unknown as SettleRecord['context'] }, loaded.policy);
      return new WeakRef(context);
    };
    const held = queue();
    expect(metrics.requests.value(labels)).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(held.deref()).toBeUndefined();
    const samples = parsePrometheus(await metrics.registry.render());
    expect(total(samples, 'switchyard_requests_total', { route: 'default', outcome: 'completed' })).toBe(1);
    expect(total(samples, 'switchyard_tokens_total', { team: 'engineering', type: 'input' })).toBe(1_000);
  });
});

describe('GET /metrics after traffic', () => {
  let proxy: Proxy;
  const settled: SettleRecord[] = [];

  beforeAll(async () => {
    proxy = await startProxy(sims, { circuit: { failureThreshold: 1_000 }, onSettle: (r) => settled.push(r) });
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('counts requests, attempts, tokens, cost and decisions as the usage hook saw them', async () => {
    sims.a.queueFaults([{ status: 503 }]);
    const sent = [
      await post(proxy.url, '/v1/chat/completions', chat('auto')),
      await post(proxy.url, '/v1/chat/completions', chat('auto')),
      await post(proxy.url, '/v1/chat/completions', chat('auto', { stream: true })),
      await post(proxy.url, '/v1/chat/completions', chat('auto'), { authorization: `Bearer ${EU_KEY}`, 'x-switchyard-data-class': 'phi' }),
      await post(proxy.url, '/v1/chat/completions', chat('auto'), { authorization: 'Bearer sy-unknown-key-000000000000' }),
    ];
    expect(sent.map((r) => r.status)).toEqual([200, 200, 200, 403, 401]);
    const m = await scrape(proxy.url);
    expect(m.status).toBe(200);
    expect(m.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const s = m.samples;

    // One series per what-happened, each request counted once.
    expect(total(s, 'switchyard_requests_total')).toBe(settled.length);
    expect(total(s, 'switchyard_requests_total', { route: 'default', outcome: 'completed' })).toBe(3);
    expect(total(s, 'switchyard_requests_total', { route: 'default', model: 'backup-mini', provider: 'oa-backup', outcome: 'completed' })).toBe(1);
    expect(total(s, 'switchyard_requests_total', { route: 'phi', outcome: 'denied', code: 'no_eligible_model' })).toBe(1);
    expect(total(s, 'switchyard_requests_total', { route: '', outcome: 'rejected', code: 'invalid_api_key' })).toBe(1);
    expect(total(s, 'switchyard_request_duration_seconds_count')).toBe(settled.length);
    const latency = settled.reduce((n, r) => n + r.latencyMs / 1000, 0);
    expect(total(s, 'switchyard_request_duration_seconds_sum')).toBeCloseTo(latency, 9);

    expect(total(s, 'switchyard_upstream_attempts_total', { provider: 'oa-primary', result: 'failed', status: '503' })).toBe(1);
    expect(total(s, 'switchyard_upstream_attempts_total', { result: 'ok', status: '200' })).toBe(3);
    expect(total(s, 'switchyard_upstream_attempt_duration_seconds_count')).toBe(4);

    // Tokens and cost: the provider's usage at the fixture prices ($1 and $2 per million).
    const routed = settled.filter((r) => r.usage !== undefined);
    const input = routed.reduce((n, r) => n + r.usage!.inputTokens, 0);
    const output = routed.reduce((n, r) => n + r.usage!.outputTokens, 0);
    expect(input).toBeGreaterThan(0);
    expect(total(s, 'switchyard_tokens_total', { team: 'app', type: 'input' })).toBe(input);
    expect(total(s, 'switchyard_tokens_total', { team: 'app', type: 'output' })).toBe(output);
    expect(total(s, 'switchyard_cost_usd_total', { team: 'app' })).toBeCloseTo((input + 2 * output) / 1e6, 12);
    expect(total(s, 'switchyard_cost_usd_total', { team: 'eu' })).toBe(0);

    // Decided requests only: the refused key never reached a decision.
    expect(total(s, 'switchyard_decision_duration_seconds_count', { outcome: 'route' })).toBe(3);
    expect(total(s, 'switchyard_decision_duration_seconds_count', { outcome: 'deny' })).toBe(1);

    const version = sent[0]!.headers.get('x-switchyard-policy-version')!;
    expect(total(s, 'switchyard_policy_info', { version })).toBe(1);
    for (const provider of ['oa-primary', 'oa-backup', 'oa-eu', 'claude', 'claude-backup']) {
      expect(total(s, 'switchyard_circuit_state', { provider, state: 'closed' })).toBe(1);
      expect(total(s, 'switchyard_circuit_state', { provider })).toBe(1);
    }
  });
});

describe('circuit state', () => {
  it('shows an open circuit', async () => {
    const proxy = await startProxy(sims, { circuit: { failureThreshold: 1, cooldownMs: 60_000 } });
    try {
      sims.a.queueFaults([{ status: 500 }]);
      expect((await post(proxy.url, '/v1/chat/completions', chat('auto'))).status).toBe(200);
      const s = (await scrape(proxy.url)).samples;
      expect(total(s, 'switchyard_circuit_state', { provider: 'oa-primary', state: 'open' })).toBe(1);
      expect(total(s, 'switchyard_circuit_state', { provider: 'oa-primary', state: 'closed' })).toBe(0);
      expect(total(s, 'switchyard_circuit_state', { provider: 'oa-backup', state: 'closed' })).toBe(1);
    } finally {
      await proxy.close();
    }
  });
});

describe('budget use', () => {
  it('reads each bucket from the ledger when scraped', async () => {
    const proxy = await startBudgetProxy(sims);
    try {
      const res = await post(proxy.url, '/v1/chat/completions', chat('auto'), { authorization: `Bearer ${FIN_KEY}` });
      expect(res.status).toBe(200);
      await proxy.runtime.drain();
      const [row] = await proxy.ledger.listCurrent(Date.now()).then((rows) => rows.filter((r) => r.budget === 'fin-daily'));
      const expected = (row!.committedMicros + row!.reservedMicros) / 1_000_000 / 1;
      expect(expected).toBeGreaterThan(0);
      const s = (await scrape(proxy.url)).samples;
      expect(total(s, 'switchyard_budget_used_ratio', { budget: 'fin-daily', bucket: 'fin', window: 'day' })).toBeCloseTo(expected, 12);
      expect(total(s, 'switchyard_budget_used_ratio', { budget: 'edge-daily', bucket: 'edge', window: 'day' })).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});

describe('access', () => {
  it('serves /metrics behind the admin key when asked, and not at all when off', async () => {
    const guarded = await startProxy(sims, { metricsAccess: 'admin' });
    const off = await startProxy(sims, { metrics: false });
    try {
      expect((await scrape(guarded.url)).status).toBe(401);
      expect((await scrape(guarded.url, { authorization: 'Bearer sy-test-app-key-0123456789' })).status).toBe(401);
      const ok = await scrape(guarded.url, { authorization: `Bearer ${ADMIN_KEY}` });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('# TYPE switchyard_requests_total counter');
      expect((await scrape(off.url)).status).toBe(404);
    } finally {
      await guarded.close();
      await off.close();
    }
  });
});

describe('policy reloads', () => {
  it('counts activated and rejected reloads through the store hook', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'switchyard-metrics-'));
    try {
      for (const f of fixtureSources()) await writeFile(join(dir, f.path.replace('policies/', '')), f.text);
      const metrics = new ProxyMetrics();
      const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
      const opened = await openPolicyStore(dir, { watch: false, logger: silent, settleMs: 5, onReload: (r) => metrics.reloaded(r.ok) });
      if (!opened.ok) throw new Error('fixture policy did not load');
      try {
        await writeFile(join(dir, 'extra.yaml'), 'apiVersion: switchyard.dev/v1\nkind: Route\nmetadata: { name: extra }\nspec: { priority: 1, match: { models: [ab] }, targets: [{ model: backup-mini }] }\n');
        expect((await opened.store.reload()).ok).toBe(true);
        await writeFile(join(dir, 'extra.yaml'), 'apiVersion: switchyard.dev/v1\nkind: Route\nmetadata: { name: extra }\nspec: { priority: 1, targets: [{ model: no-such-model }] }\n');
        expect((await opened.store.reload()).ok).toBe(false);
        // Unchanged content is not a reload.
        await opened.store.reload();
        const s = parsePrometheus(await metrics.registry.render());
        expect(total(s, 'switchyard_policy_reloads_total', { result: 'ok' })).toBe(1);
        expect(total(s, 'switchyard_policy_reloads_total', { result: 'failed' })).toBe(1);
      } finally {
        await opened.store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('OTLP mirror', () => {
  it('records the same updates on OTel instruments once a meter is attached', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const metrics = new ProxyMetrics();
    metrics.registry.attach(provider.getMeter('switchyard'));
    const proxy = await startProxy(sims, { metrics });
    try {
      expect((await post(proxy.url, '/v1/chat/completions', chat('auto'))).status).toBe(200);
      expect((await post(proxy.url, '/v1/chat/completions', chat('auto'))).status).toBe(200);
      await reader.forceFlush();
      const exported = exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
      const requests = exported.find((m) => m.descriptor.name === 'switchyard.requests');
      expect(requests?.dataPointType).toBe(DataPointType.SUM);
      const point = requests!.dataPoints.find((p) => p.attributes['route'] === 'default' && p.attributes['outcome'] === 'completed');
      expect(point?.value).toBe(2);
      const duration = exported.find((m) => m.descriptor.name === 'switchyard.request.duration');
      expect(duration?.dataPointType).toBe(DataPointType.HISTOGRAM);
      const circuit = exported.find((m) => m.descriptor.name === 'switchyard.circuit.state');
      expect(circuit?.dataPoints.some((p) => p.attributes['provider'] === 'oa-primary' && p.attributes['state'] === 'closed' && p.value === 1)).toBe(true);
    } finally {
      await proxy.close();
      await provider.shutdown();
    }
  });
});
