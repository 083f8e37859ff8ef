// Failover against real simulators: each fault on the primary moves the request to the next candidate (which
// instance served is read from the simulators' stats), and what must not fail over does not.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultInput } from '../../src/simulator/index.js';
import type { SettleRecord } from '../../src/proxy/index.js';
import { chat, closeSims, post, resetSims, startProxy, startSims, type Proxy, type Sims } from './fixture.js';

let sims: Sims;
let proxy: Proxy;
const settled: SettleRecord[] = [];

beforeAll(async () => {
  sims = await startSims();
  // Faults below would open the primary's circuit; only the circuit test wants that.
  proxy = await startProxy(sims, { circuit: { failureThreshold: 1_000 }, onSettle: (r) => settled.push(r) });
});
afterAll(async () => {
  await proxy.close();
  await closeSims(sims);
});
beforeEach(() => {
  resetSims(sims);
  settled.length = 0;
});

const queue = (sim: Sims[keyof Sims], faults: FaultInput[]): void => {
  const r = sim.queueFaults(faults);
  if (!r.ok) throw new Error(r.error);
};

describe('failover to the next candidate before the first byte', () => {
  const matrix: [string, FaultInput, string][] = [
    ['500', { status: 500 }, '500'],
    ['503', { status: 503 }, '503'],
    ['429 with retry-after (next candidate is another provider: no wait)', { status: 429, retryAfter: 30 }, '429'],
    ['a connection reset', { reset: true }, 'reset'],
    ['a first-byte timeout', { firstByteDelayMs: 2_000 }, 'first-byte-delay'],
    ['a refused provider credential', { status: 401 }, '401'],
    // The answer is read whole before anything reaches the client, so a cut body is still a failed attempt.
    ['an answer cut half-way through its body', { cutAfterChunks: 1 }, 'cut'],
    // A refused answer is drained to keep its connection, but not past 128 KiB: the status still decides.
    ['503 with an error body too long to drain', { status: 503, body: 'x'.repeat(300_000) }, '503'],
    // The default onStatus is 429 and every 5xx, not only the common ones.
    ['501', { status: 501 }, '501'],
    ['505', { status: 505 }, '505'],
    ['529', { status: 529 }, '529'],
  ];
  for (const [name, fault, label] of matrix) {
    it(`moves on after ${name}`, async () => {
      queue(sims.a, [fault]);
      const res = await post(proxy.url, '/v1/chat/completions', chat('auto'));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-switchyard-attempts')).toBe('2');
      expect(res.headers.get('x-switchyard-provider')).toBe('oa-backup');
      expect(sims.a.stats().byFault[label]).toBe(1);
      expect(sims.b.stats().requests).toBe(1);
      expect((res.body as { model: string }).model).toBe('up-backup');
      expect(settled[0]?.attempts.map((a) => [a.provider, a.result])).toEqual([
        ['oa-primary', 'failed'],
        ['oa-backup', 'ok'],
      ]);
    });
  }

  it('moves on after Anthropic\'s 529 overloaded_error on /v1/messages', async () => {
    queue(sims.c, [{ status: 529, body: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' }]);
    const res = await post(proxy.url, '/v1/messages', { ...chat('claude-fast'), max_tokens: 16 });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-attempts')).toBe('2');
    expect(res.headers.get('x-switchyard-provider')).toBe('claude-backup');
    expect(sims.c.stats().byFault['529']).toBe(1);
  });

  it('moves on when the provider cannot be reached at all', async () => {
    const closed = await startProxy(sims, {}, { SIM_A: 'http://127.0.0.1:1' });
    try {
      const res = await post(closed.url, '/v1/chat/completions', chat('auto'));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-switchyard-attempts')).toBe('2');
      expect(res.headers.get('x-switchyard-provider')).toBe('oa-backup');
    } finally {
      await closed.close();
    }
  });

  it('moves on when a streaming answer breaks before its first event', async () => {
    queue(sims.a, [{ cutAfterChunks: 0 }]);
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto', { stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-provider')).toBe('oa-backup');
    expect(res.text).toContain('data: [DONE]');
    expect(res.text).not.toContain('"error"');
  });

  it('waits for a short retry-after when the next candidate is the same provider', async () => {
    queue(sims.a, [{ status: 429, retryAfter: 1 }]);
    const res = await post(proxy.url, '/v1/chat/completions', chat('same-provider'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-model')).toBe('primary-alt');
    expect(sims.a.stats().byModel).toEqual({ 'up-primary': 1, 'up-primary-alt': 1 });
  });

  it('skips the same provider when its retry-after is longer than the cap', async () => {
    queue(sims.a, [{ status: 429, retryAfter: 30 }]);
    const res = await post(proxy.url, '/v1/chat/completions', chat('same-provider'));
    expect(res.status).toBe(429);
    expect((res.body as { error: { code: string; message: string } }).error).toMatchObject({ code: 'upstream_rate_limited' });
    expect((res.body as { error: { message: string } }).error.message).toContain('rate limited for another 30 s');
    expect(res.headers.get('retry-after')).toBe('30');
    expect(sims.a.stats().requests).toBe(1);
  });

  it('when every candidate answers 429, carries the soonest retry-after any of them gave', async () => {
    queue(sims.a, [{ status: 429, retryAfter: 5 }]);
    queue(sims.b, [{ status: 429, retryAfter: 3 }]);
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'));
    expect(res.status).toBe(429);
    expect((res.body as { error: { code: string } }).error.code).toBe('upstream_rate_limited');
    expect(res.headers.get('retry-after')).toBe('3');
  });

  it('when every candidate answers 429 without retry-after, asks for 1 s', async () => {
    queue(sims.a, [{ status: 429 }]);
    queue(sims.b, [{ status: 429 }]);
    const res = await post(proxy.url, '/v1/messages', { ...chat('auto'), max_tokens: 16 });
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(res.headers.get('retry-after')).toBe('1');
  });
});

describe('what does not fail over', () => {
  it('a stream that breaks after its first byte ends with an error event and is not retried', async () => {
    queue(sims.a, [{ cutAfterChunks: 3 }]);
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto', { stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-attempts')).toBe('1');
    const events = res.text.split('\n\n').filter((e) => e !== '');
    expect(events).toHaveLength(4);
    const last = JSON.parse(events[3]!.replace(/^data: /, '')) as { error: { code: string; message: string } };
    expect(last.error.code).toBe('upstream_error');
    expect(last.error.message).toContain('oa-primary');
    expect(res.text).not.toContain('[DONE]');
    expect(sims.b.stats().requests).toBe(0);
    expect(settled[0]?.outcome).toBe('cut');
  });

  it('an anthropic stream that breaks ends with an `event: error`', async () => {
    queue(sims.c, [{ cutAfterChunks: 2 }]);
    const res = await post(proxy.url, '/v1/messages', { ...chat('claude-fast', { stream: true }), max_tokens: 32 });
    expect(res.status).toBe(200);
    const events = res.text.split('\n\n').filter((e) => e !== '');
    expect(events.at(-1)).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"upstream_error: /);
    expect(sims.d.stats().requests).toBe(0);
  });

  it('a status outside the route\'s onStatus is relayed as it is', async () => {
    queue(sims.a, [{ status: 500 }]);
    const res = await post(proxy.url, '/v1/chat/completions', chat('strict'));
    expect(res.status).toBe(500);
    expect((res.body as { error: { type: string } }).error.type).toBe('server_error');
    expect(sims.b.stats().requests).toBe(0);
    expect(settled[0]?.outcome).toBe('upstream_status');
  });

  it('an explicit onStatus means exactly its list: 529 and 429 are relayed on `onStatus: [503]`', async () => {
    for (const status of [529, 429]) {
      resetSims(sims);
      queue(sims.a, [{ status }]);
      const res = await post(proxy.url, '/v1/chat/completions', chat('strict'));
      expect(res.status).toBe(status);
      expect(sims.b.stats().requests).toBe(0);
    }
  });

  it('a connection error on a route with onTimeout: false', async () => {
    queue(sims.a, [{ reset: true }]);
    const res = await post(proxy.url, '/v1/chat/completions', chat('strict'));
    expect(res.status).toBe(502);
    expect((res.body as { error: { code: string } }).error.code).toBe('upstream_error');
    expect(sims.b.stats().requests).toBe(0);
  });

  it('more attempts than the route\'s maxAttempts', async () => {
    queue(sims.a, [{ status: 503 }]);
    const res = await post(proxy.url, '/v1/chat/completions', chat('one-shot'));
    expect(res.status).toBe(502);
    expect(res.headers.get('x-switchyard-attempts')).toBe('1');
    expect(sims.b.stats().requests).toBe(0);
  });

  it('when every candidate fails, the error lists each attempt', async () => {
    queue(sims.a, [{ status: 503 }]);
    queue(sims.b, [{ status: 502 }]);
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'));
    expect(res.status).toBe(502);
    const error = (res.body as { error: { code: string; message: string; rule: string } }).error;
    expect(error.code).toBe('upstream_error');
    expect(error.rule).toBe('Route/default');
    expect(error.message).toContain('`primary-mini` (oa-primary): answered 503');
    expect(error.message).toContain('`backup-mini` (oa-backup): answered 502');
    expect(settled[0]?.outcome).toBe('failed');
  });

  it('when the last candidate timed out, 504', async () => {
    queue(sims.a, [{ status: 503 }]);
    queue(sims.b, [{ firstByteDelayMs: 2_000 }]);
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'));
    expect(res.status).toBe(504);
    expect((res.body as { error: { code: string } }).error.code).toBe('upstream_timeout');
  });
});

describe('candidates that cannot be tried', () => {
  it('skips a provider whose credential is not set, and says so', async () => {
    const noKey = await startProxy(sims, { env: { OA_BACKUP_KEY: 'pk-oa-backup' }, onSettle: (r) => settled.push(r) });
    try {
      const res = await post(noKey.url, '/v1/chat/completions', chat('auto'));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-switchyard-provider')).toBe('oa-backup');
      expect(res.headers.get('x-switchyard-attempts')).toBe('1');
      expect(sims.a.stats().requests).toBe(0);
      expect(settled[0]?.attempts[0]).toMatchObject({ provider: 'oa-primary', result: 'skipped', note: 'credential `OA_PRIMARY_KEY` is not set' });
    } finally {
      await noKey.close();
    }
  });

  it('tries candidates of the other protocol through translation (test/proxy/translate-*.test.ts has the rest)', async () => {
    const res = await post(proxy.url, '/v1/chat/completions', chat('mixed'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-provider')).toBe('claude');
    expect(sims.c.stats().lastRequest?.path).toBe('/v1/messages');
    expect(sims.a.stats().requests).toBe(0);
    expect(settled[0]?.attempts).toMatchObject([{ provider: 'claude', result: 'ok' }]);
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failures, skips the provider, and recovers through a probe after the cooldown', async () => {
    const cooldownMs = 300;
    const cb = await startProxy(sims, { circuit: { failureThreshold: 2, cooldownMs }, onSettle: (r) => settled.push(r) });
    try {
      queue(sims.a, [{ status: 500, count: 2 }]);
      for (let i = 0; i < 2; i++) expect((await post(cb.url, '/v1/chat/completions', chat('auto'))).headers.get('x-switchyard-provider')).toBe('oa-backup');
      expect(sims.a.stats().requests).toBe(2);
      // Open: the primary is skipped without a request.
      settled.length = 0;
      const skipped = await post(cb.url, '/v1/chat/completions', chat('auto'));
      expect(skipped.headers.get('x-switchyard-provider')).toBe('oa-backup');
      expect(skipped.headers.get('x-switchyard-attempts')).toBe('1');
      expect(sims.a.stats().requests).toBe(2);
      expect(settled[0]?.attempts[0]).toMatchObject({ provider: 'oa-primary', result: 'skipped', note: 'circuit open after repeated failures' });
      // After the cooldown a failed probe opens it again...
      await sleep(cooldownMs + 50);
      queue(sims.a, [{ status: 500 }]);
      expect((await post(cb.url, '/v1/chat/completions', chat('auto'))).headers.get('x-switchyard-provider')).toBe('oa-backup');
      expect(sims.a.stats().requests).toBe(3);
      await post(cb.url, '/v1/chat/completions', chat('auto'));
      expect(sims.a.stats().requests).toBe(3);
      // ...and a successful one closes it.
      await sleep(cooldownMs + 50);
      expect((await post(cb.url, '/v1/chat/completions', chat('auto'))).headers.get('x-switchyard-provider')).toBe('oa-primary');
      expect((await post(cb.url, '/v1/chat/completions', chat('auto'))).headers.get('x-switchyard-provider')).toBe('oa-primary');
      expect(sims.a.stats().requests).toBe(5);
    } finally {
      await cb.close();
    }
  });
});
