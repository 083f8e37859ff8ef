// Streams and their settlement: completed, cut by the provider at several points, abandoned by the client at
// several points. Each request's reservation is settled exactly once, never at zero, and text the client
// received is billed even when the provider never reported usage.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { costMicros } from '../../src/budget/money.js';
import type { ModelSpec } from '../../src/policy/generated/policy.js';
import type { SettleRecord } from '../../src/proxy/index.js';
import { chat, closeSims, resetSims, startSims, waitFor, type Sims } from './fixture.js';
import { committedOf, countingLedger, dayBucket, FIN_KEY, PROMPT, PROMPT_TOKENS, startBudgetProxy, STREAM_KEY, type BudgetProxy, type LedgerCalls } from './budget-fixture.js';

let sims: Sims;
let proxy: BudgetProxy;
const calls: LedgerCalls = { settles: [], releases: [], reserves: [] };
const settled: SettleRecord[] = [];
const bucket = () => dayBucket('stream-daily', 'streamy-key', Date.now());

beforeAll(async () => {
  sims = await startSims();
  proxy = await startBudgetProxy(sims, { wrapLedger: countingLedger(calls), server: { onSettle: (r) => settled.push(r) } });
});
afterAll(async () => {
  await proxy.close();
  await closeSims(sims);
});
beforeEach(() => {
  resetSims(sims);
  for (const sim of Object.values(sims)) sim.configure({ tokenIntervalMs: 0 });
  calls.settles.length = 0;
  calls.releases.length = 0;
  calls.reserves.length = 0;
  settled.length = 0;
});

const spec = (model: string): ModelSpec => proxy.snapshot.policy.models.get(model)!.spec;

const OPENAI = { path: '/v1/chat/completions', model: 'primary-mini', body: chat('auto', { stream: true, messages: [{ role: 'user', content: PROMPT }] }) };
const ANTHROPIC = { path: '/v1/messages', model: 'claude-fast', body: { model: 'claude-fast', stream: true, max_tokens: 32, messages: [{ role: 'user', content: PROMPT }] } };

/** Answer text in what the client received, read the way a client library would (parsed events). */
function textReceived(sse: string): number {
  let n = 0;
  for (const event of sse.split('\n\n')) {
    const data = event.split('\n').find((l) => l.startsWith('data: '))?.slice(6);
    if (data === undefined || data === '[DONE]') continue;
    let value: { choices?: { delta?: { content?: string } }[]; delta?: { text?: string } };
    try {
      value = JSON.parse(data) as typeof value;
    } catch {
      continue;
    }
    n += value.choices?.[0]?.delta?.content?.length ?? 0;
    n += value.delta?.text?.length ?? 0;
  }
  return n;
}

/** Runs one stream; `abandonAfter` reads that many bytes-bearing reads, then goes away. */
async function stream(target: typeof OPENAI | typeof ANTHROPIC, abandonAfter?: number): Promise<{ requestId: string; text: string }> {
  const controller = new AbortController();
  const res = await fetch(`${proxy.url}${target.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${STREAM_KEY}` },
    body: JSON.stringify(target.body),
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  const requestId = res.headers.get('x-switchyard-request-id')!;
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (let reads = 0; ; reads++) {
    if (abandonAfter !== undefined && reads === abandonAfter) {
      controller.abort();
      break;
    }
    const next = await reader.read();
    if (next.done) break;
    text += decoder.decode(next.value, { stream: true });
  }
  return { requestId, text };
}

/** Waits until the request has settled and its ledger write has finished, then checks it happened once. */
async function settledOnce(requestId: string): Promise<SettleRecord> {
  await waitFor(() => settled.some((r) => r.requestId === requestId));
  await proxy.runtime.drain();
  await sleep(30);
  expect(settled.filter((r) => r.requestId === requestId)).toHaveLength(1);
  expect(calls.reserves).toEqual([requestId]);
  expect(calls.settles).toEqual([requestId]);
  expect(calls.releases).toEqual([]);
  return settled.find((r) => r.requestId === requestId)!;
}

describe('settling streams', () => {
  it('settles a completed stream once at the usage the provider reported', async () => {
    const before = (await committedOf(proxy.ledger, bucket())).committed;
    const { requestId } = await stream(OPENAI);
    const record = await settledOnce(requestId);
    expect(record.outcome).toBe('completed');
    const usage = await committedOf(proxy.ledger, bucket());
    expect(usage.committed - before).toBe(costMicros(spec('primary-mini'), record.usage!.inputTokens, record.usage!.outputTokens));
    expect(usage.reserved).toBe(0);
  });

  for (const cutAfterChunks of [1, 3, 6]) {
    it(`bills an openai stream the provider cut after ${cutAfterChunks} event(s), without usage, by the prompt and the text delivered`, async () => {
      sims.a.queueFaults([{ cutAfterChunks }]);
      const before = (await committedOf(proxy.ledger, bucket())).committed;
      const { requestId, text } = await stream(OPENAI);
      const record = await settledOnce(requestId);
      expect(record).toMatchObject({ outcome: 'cut', usage: undefined });
      const delivered = textReceived(text);
      if (cutAfterChunks > 1) expect(delivered).toBeGreaterThan(0);
      const spent = (await committedOf(proxy.ledger, bucket())).committed - before;
      expect(spent).toBeGreaterThan(0);
      expect(spent).toBe(costMicros(spec('primary-mini'), PROMPT_TOKENS, Math.ceil(delivered / 4)));
    });
  }

  for (const cutAfterChunks of [2, 4, 7]) {
    it(`bills an anthropic stream the provider cut after ${cutAfterChunks} events by its reported input and the text delivered`, async () => {
      sims.c.queueFaults([{ cutAfterChunks }]);
      const before = (await committedOf(proxy.ledger, bucket())).committed;
      const { requestId, text } = await stream(ANTHROPIC);
      const record = await settledOnce(requestId);
      expect(record.outcome).toBe('cut');
      expect(record.usage?.inputTokens).toBe(PROMPT_TOKENS);
      const delivered = textReceived(text);
      const spent = (await committedOf(proxy.ledger, bucket())).committed - before;
      expect(spent).toBe(costMicros(spec('claude-fast'), PROMPT_TOKENS, Math.max(record.usage!.outputTokens, Math.ceil(delivered / 4))));
      if (cutAfterChunks > 3) expect(spent).toBeGreaterThan(costMicros(spec('claude-fast'), PROMPT_TOKENS, 0));
    });
  }

  for (const [target, reads] of [
    [OPENAI, 1],
    [OPENAI, 3],
    [ANTHROPIC, 1],
    [ANTHROPIC, 4],
  ] as const) {
    it(`bills a ${target === OPENAI ? 'openai' : 'anthropic'} stream the client left after ${reads} read(s) at least for what it received`, async () => {
      for (const sim of Object.values(sims)) sim.configure({ tokenIntervalMs: 30 });
      const before = (await committedOf(proxy.ledger, bucket())).committed;
      const { requestId, text } = await stream(target, reads);
      const record = await settledOnce(requestId);
      expect(record.outcome).toBe('aborted');
      const spent = (await committedOf(proxy.ledger, bucket())).committed - before;
      expect(spent).toBeGreaterThan(0);
      expect(spent).toBeGreaterThanOrEqual(costMicros(spec(target.model), PROMPT_TOKENS, Math.ceil(textReceived(text) / 4)));
      // Never more than the worst case reserved for it.
      expect(spent).toBeLessThanOrEqual(costMicros(spec(target.model), PROMPT_TOKENS, target === ANTHROPIC ? 32 : spec(target.model).maxOutputTokens));
    });
  }

});

describe('settling across failover', () => {
  it('keeps the reservation for a fallback charged by the same budgets, and settles a request every candidate failed once at zero', async () => {
    sims.a.queueFaults([{ status: 503 }]);
    sims.b.queueFaults([{ status: 503 }]);
    const before = await committedOf(proxy.ledger, bucket());
    const res = await fetch(`${proxy.url}${OPENAI.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${STREAM_KEY}` },
      body: JSON.stringify(OPENAI.body),
    });
    expect(res.status).toBe(502);
    expect(res.headers.get('x-switchyard-attempts')).toBe('2');
    const requestId = res.headers.get('x-switchyard-request-id')!;
    await res.text();
    const record = await settledOnce(requestId);
    expect(record.outcome).toBe('failed');
    const after = await committedOf(proxy.ledger, bucket());
    expect(after).toEqual({ committed: before.committed, reserved: 0 });
  });

  it('moves the reservation when the fallback is charged by other budgets: released for the first, settled for the second', async () => {
    // fin's route tries big-model (charged by fin-daily and fin-watch) before primary-mini (fin-daily only).
    sims.a.queueFaults([{ status: 503 }], { model: 'up-big' });
    const res = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${FIN_KEY}` },
      body: JSON.stringify(OPENAI.body),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-model')).toBe('primary-mini');
    const requestId = res.headers.get('x-switchyard-request-id')!;
    await res.text();
    await waitFor(() => settled.some((r) => r.requestId === requestId));
    await proxy.runtime.drain();
    expect(calls.reserves).toEqual([requestId, `${requestId}~1`]);
    expect(calls.releases).toEqual([requestId]);
    expect(calls.settles).toEqual([`${requestId}~1`]);
    const fin = await committedOf(proxy.ledger, dayBucket('fin-daily', 'fin', Date.now()));
    const record = settled.find((r) => r.requestId === requestId)!;
    expect(fin).toEqual({ committed: costMicros(spec('primary-mini'), record.usage!.inputTokens, record.usage!.outputTokens), reserved: 0 });
  });
});
