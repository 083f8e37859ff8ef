// The `/_sim/` control API over HTTP, and seeded random faults.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ tokens: 4 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${sim.url}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: await res.json() };
}

const chatBody = (model: string): string => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] });

describe('control api', () => {
  it('queues, lists and clears faults', async () => {
    const queued = await call('POST', '/_sim/faults', { faults: [{ status: 503 }, { reset: true }], match: { model: 'x' } });
    expect(queued).toEqual({ status: 200, json: { queued: 2 } });
    const listed = await call('GET', '/_sim/faults');
    expect(listed.json).toEqual({
      pending: [
        { fault: { status: 503 }, match: { model: 'x' }, remaining: 1 },
        { fault: { reset: true }, match: { model: 'x' }, remaining: 1 },
      ],
    });
    expect(await call('DELETE', '/_sim/faults')).toEqual({ status: 200, json: { cleared: 2 } });
    expect((await call('GET', '/_sim/faults')).json).toEqual({ pending: [] });
  });

  it('accepts a bare list of faults', async () => {
    expect(await call('POST', '/_sim/faults', [{ status: 429, retryAfter: 2 }])).toEqual({ status: 200, json: { queued: 1 } });
    const res = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', body: chatBody('m') });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('x-sim-fault')).toBe('429');
  });

  it('rejects a malformed fault with a one-line message and queues none of the batch', async () => {
    const res = await call('POST', '/_sim/faults', { faults: [{ status: 503 }, { stauts: 500 }] });
    expect(res).toEqual({ status: 400, json: { error: { message: 'fault 2: unknown field `stauts`' } } });
    expect((await call('GET', '/_sim/faults')).json).toEqual({ pending: [] });
    const bad = await call('POST', '/_sim/faults', { faults: [{ status: 503, reset: true }] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('cannot be combined');
  });

  it('reports stats: requests by path, model, key and fault, and the last request', async () => {
    await call('POST', '/_sim/faults', { faults: [{ status: 500 }] });
    await (await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k1' }, body: chatBody('a') })).text();
    await (await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k2' }, body: chatBody('b') })).text();
    await (await fetch(`${sim.url}/v1/models`)).text();
    const { json } = await call('GET', '/_sim/stats');
    expect(json).toMatchObject({
      requests: 3,
      inFlight: 0,
      byPath: { '/v1/chat/completions': 2, '/v1/models': 1 },
      byModel: { a: 1, b: 1 },
      byApiKey: { k1: 1, k2: 1, '(none)': 1 },
      byFault: { '500': 1 },
      lastRequest: { method: 'GET', path: '/v1/models' },
    });
  });

  it('reset clears stats and faults', async () => {
    await call('POST', '/_sim/faults', { faults: [{ status: 500 }] });
    await (await fetch(`${sim.url}/v1/models`)).text();
    expect(await call('POST', '/_sim/reset')).toEqual({ status: 200, json: { reset: true } });
    const { json } = await call('GET', '/_sim/stats');
    expect(json).toMatchObject({ requests: 0, byPath: {}, lastRequest: null });
    expect((await call('GET', '/_sim/faults')).json).toEqual({ pending: [] });
  });

  it('changes the config at runtime and validates it', async () => {
    try {
      const updated = await call('PUT', '/_sim/config', { tokens: 2, models: ['only-one'] });
      expect(updated.json).toMatchObject({ tokens: 2, models: ['only-one'] });
      const res = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', body: chatBody('m') });
      expect(((await res.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(2);
      const models = (await (await fetch(`${sim.url}/v1/models`)).json()) as { data: { id: string }[] };
      expect(models.data.map((m) => m.id)).toEqual(['only-one']);
      const bad = await call('PUT', '/_sim/config', { faultRate: 2 });
      expect(bad).toEqual({ status: 400, json: { error: { message: '`faultRate` must be a number from 0 to 1, got `2`' } } });
      const unknown = await call('PUT', '/_sim/config', { latency: 5 });
      expect(unknown).toEqual({ status: 400, json: { error: { message: 'unknown config field `latency`' } } });
    } finally {
      sim.configure({ tokens: 4, models: ['sim-small', 'sim-large'] });
    }
  });

  it('answers unknown paths with 404 in the provider shape', async () => {
    const res = await fetch(`${sim.url}/v1/embeddings`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { message: 'unknown endpoint `POST /v1/embeddings`', type: 'invalid_request_error', param: null, code: null } });
    expect((await call('GET', '/_sim/nope')).status).toBe(404);
  });

  it('rejects an oversized body with 413', async () => {
    const small = await startSimulator({ bodyLimit: 1024 });
    try {
      const res = await fetch(`${small.url}/v1/chat/completions`, { method: 'POST', body: chatBody('x'.repeat(4096)) });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ error: { code: 'request_too_large' } });
    } finally {
      await small.close();
    }
  });
});

describe('random faults', () => {
  const extra: Simulator[] = [];
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((s) => s.close()));
  });

  /** What a client sees for each of `n` sequential requests: a status code, or `conn` for a connection failure. */
  async function outcomes(target: Simulator, n: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      try {
        const res = await fetch(`${target.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'x' }] }) });
        const text = await res.text();
        out.push(`${res.status}${text.includes('"usage":{') ? '' : ':no-usage'}`);
      } catch {
        out.push('conn');
      }
    }
    return out;
  }

  it('the same seed gives the same faults for the same requests', async () => {
    const options = { faultRate: 0.5, faults: ['503', '429', 'reset', 'cut', 'no-usage'] as const, seed: 42 };
    const a = await startSimulator(options);
    const b = await startSimulator(options);
    extra.push(a, b);
    const first = await outcomes(a, 40);
    const second = await outcomes(b, 40);
    expect(second).toEqual(first);
    const kinds = new Set(first);
    expect(kinds.has('200')).toBe(true);
    expect(kinds.size).toBeGreaterThanOrEqual(4);
    expect(a.stats().byFault).toEqual(b.stats().byFault);
    const faulted = Object.values(a.stats().byFault).reduce((x, y) => x + y, 0);
    expect(faulted).toBe(first.filter((o) => o !== '200').length);
  });

  it('reset restarts the sequence from the seed; another seed gives another sequence', async () => {
    const a = await startSimulator({ faultRate: 0.5, faults: ['503', 'reset'], seed: 7 });
    extra.push(a);
    const first = await outcomes(a, 20);
    a.reset();
    expect(await outcomes(a, 20)).toEqual(first);
    a.configure({ seed: 8 });
    expect(await outcomes(a, 20)).not.toEqual(first);
  });

  it('a timeout fault holds the first byte for timeoutMs', async () => {
    const a = await startSimulator({ faultRate: 1, faults: ['timeout'], timeoutMs: 120 });
    extra.push(a);
    const started = performance.now();
    const res = await fetch(`${a.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [] }) });
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    expect(a.stats().byFault).toEqual({ timeout: 1 });
  });

  it('close ends requests held by a delay', async () => {
    const a = await startSimulator({ faultRate: 1, faults: ['timeout'], timeoutMs: 60_000 });
    const pending = fetch(`${a.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [] }) }).then(
      () => 'answered',
      () => 'closed',
    );
    for (let i = 0; i < 100 && a.stats().inFlight === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await a.close();
    expect(await pending).toBe('closed');
  });
});

describe('protocol by endpoint', () => {
  it('answers /v1/chat/completions in the openai shape even with an anthropic-version header', async () => {
    const res = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', headers: { 'anthropic-version': '2023-06-01' }, body: chatBody('m') });
    expect(await res.json()).toMatchObject({ object: 'chat.completion' });
  });

  it('answers unknown paths in the anthropic shape for anthropic clients', async () => {
    const res = await fetch(`${sim.url}/v1/complete`, { method: 'POST', headers: { 'anthropic-version': '2023-06-01' }, body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'unknown endpoint `POST /v1/complete`' } });
  });
});
