// Streams: the usage seen reaches onSettle exactly once — completed, cut by the provider, or abandoned by the
// client — and a client that goes away aborts the upstream request.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SettleRecord } from '../../src/proxy/index.js';
import { APP_KEY, chat, closeSims, post, resetSims, startProxy, startSims, waitFor, type Proxy, type Sims } from './fixture.js';

let sims: Sims;
let proxy: Proxy;
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
  for (const sim of Object.values(sims)) sim.configure({ tokenIntervalMs: 0 });
  settled.length = 0;
});

/** Settles exactly once: wait for the first record, then give a duplicate the chance to show up. */
async function settledOnce(): Promise<SettleRecord> {
  await waitFor(() => settled.length > 0);
  await sleep(50);
  expect(settled).toHaveLength(1);
  return settled[0]!;
}

/** Starts a stream, reads its first bytes, then goes away. */
async function abandon(path: string, body: unknown): Promise<string> {
  const controller = new AbortController();
  const res = await fetch(`${proxy.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}` },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  const reader = res.body!.getReader();
  const first = await reader.read();
  controller.abort();
  return new TextDecoder().decode(first.value);
}

describe('usage of streams', () => {
  it('settles the usage of a completed openai stream once', async () => {
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto', { stream: true }));
    expect(res.text.endsWith('data: [DONE]\n\n')).toBe(true);
    const record = await settledOnce();
    expect(record).toMatchObject({ outcome: 'completed', status: 200, usage: { outputTokens: 8 } });
    expect(record.usage?.inputTokens).toBeGreaterThan(0);
  });

  it('settles once, without usage, an openai stream cut before its usage chunk', async () => {
    sims.a.queueFaults([{ cutAfterChunks: 4 }]);
    await post(proxy.url, '/v1/chat/completions', chat('auto', { stream: true }));
    const record = await settledOnce();
    expect(record).toMatchObject({ outcome: 'cut', errorCode: 'upstream_error', usage: undefined });
  });

  it('settles once the input usage an anthropic stream reported before it was cut', async () => {
    sims.c.queueFaults([{ cutAfterChunks: 3 }]);
    const res = await post(proxy.url, '/v1/messages', { ...chat('claude-fast', { stream: true }), max_tokens: 32 });
    expect(res.text).toContain('event: message_start');
    const record = await settledOnce();
    expect(record.outcome).toBe('cut');
    expect(record.usage?.inputTokens).toBeGreaterThan(0);
  });

  it('settles once, without usage, when the provider reports none', async () => {
    sims.a.queueFaults([{ noUsage: true }]);
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto', { stream: true }));
    expect(res.text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(await settledOnce()).toMatchObject({ outcome: 'completed', usage: undefined });
  });
});

describe('a client that goes away', () => {
  it('aborts the upstream openai stream and settles once as aborted', async () => {
    sims.a.configure({ tokenIntervalMs: 40 });
    const first = await abandon('/v1/chat/completions', chat('auto', { stream: true }));
    expect(first).toContain('data: ');
    await waitFor(() => sims.a.stats().streamsAborted === 1);
    const record = await settledOnce();
    expect(record).toMatchObject({ outcome: 'aborted', status: 499, usage: undefined });
  });

  it('aborts the upstream anthropic stream and settles the input usage already seen', async () => {
    sims.c.configure({ tokenIntervalMs: 40 });
    await abandon('/v1/messages', { ...chat('claude-fast', { stream: true }), max_tokens: 32 });
    await waitFor(() => sims.c.stats().streamsAborted === 1);
    const record = await settledOnce();
    expect(record.outcome).toBe('aborted');
    expect(record.usage?.inputTokens).toBeGreaterThan(0);
  });

  for (const stream of [false, true]) {
    it(`aborts an upstream ${stream ? 'stream' : 'request'} still waiting for its first byte`, async () => {
      sims.a.configure({ latencyMs: 300 });
      try {
        const controller = new AbortController();
        const pending = fetch(`${proxy.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}` },
          body: JSON.stringify(chat('auto', stream ? { stream: true } : {})),
          signal: controller.signal,
        }).catch((e: unknown) => e);
        await waitFor(() => sims.a.stats().inFlight === 1);
        controller.abort();
        await pending;
        const record = await settledOnce();
        expect(record.outcome).toBe('aborted');
        expect(sims.b.stats().requests).toBe(0);
        await waitFor(() => sims.a.stats().inFlight === 0);
      } finally {
        sims.a.configure({ latencyMs: 0 });
      }
    });
  }
});

describe('passing events through', () => {
  it('relays every event of a stream in order, byte for byte apart from the usage chunk', async () => {
    const direct = await fetch(`${sims.a.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
      // What the proxy asks for on the client's behalf.
      body: JSON.stringify({ ...chat('up-primary', { stream: true, stream_options: { include_usage: true } }) }),
    }).then((r) => r.text());
    const usageChunk = direct.split('\n\n').find((e) => e.includes('"choices":[]'));
    expect(usageChunk).toBeDefined();
    const proxied = await post(proxy.url, '/v1/chat/completions', chat('auto', { stream: true }));
    expect(proxied.text).not.toContain('"choices":[]');
    // Ids and timestamps differ per answer; everything else is the same.
    const normalise = (s: string): string => s.replace(/"id":"[^"]*"/g, '"id":""').replace(/"created":\d+/g, '"created":0');
    expect(normalise(proxied.text)).toBe(normalise(direct.replace(`${usageChunk}\n\n`, '')));
    expect(proxied.headers.get('content-type')).toContain('text/event-stream');
  });
});
