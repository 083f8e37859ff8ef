// Spend across protocols, against a real (in-memory SQLite) ledger: one request to one provider commits the
// same amount whether the client spoke the provider's protocol or the other one, streaming or not, and that
// amount is the Model's price of the usage the provider reported.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { costMicros } from '../../src/budget/money.js';
import type { SettleRecord } from '../../src/proxy/index.js';
import { closeSims, resetSims, startSims, waitFor, type Sims } from './fixture.js';
import { committedOf, dayBucket, PROMPT, startBudgetProxy, STREAM_KEY, type BudgetProxy } from './budget-fixture.js';

let sims: Sims;
let proxy: BudgetProxy;
const settled: SettleRecord[] = [];

beforeAll(async () => {
  sims = await startSims();
  proxy = await startBudgetProxy(sims, { server: { onSettle: (r) => settled.push(r) } });
});
afterAll(async () => {
  await proxy.close();
  await closeSims(sims);
});
beforeEach(() => {
  resetSims(sims);
  settled.length = 0;
});

const bucket = () => dayBucket('stream-daily', 'streamy-key', Date.now());

/** Sends one request with the team key whose budget is per key, waits for its settlement, returns what it committed. */
async function spend(path: string, body: Record<string, unknown>): Promise<{ micros: number; record: SettleRecord }> {
  const before = (await committedOf(proxy.ledger, bucket())).committed;
  const res = await fetch(`${proxy.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': STREAM_KEY, 'anthropic-version': '2023-06-01', authorization: `Bearer ${STREAM_KEY}` },
    body: JSON.stringify(body),
  });
  await res.text();
  expect(res.status).toBe(200);
  const requestId = res.headers.get('x-switchyard-request-id');
  await waitFor(() => settled.some((r) => r.requestId === requestId));
  await proxy.runtime.drain();
  const record = settled.find((r) => r.requestId === requestId)!;
  return { micros: (await committedOf(proxy.ledger, bucket())).committed - before, record };
}

const openaiBody = (model: string, stream: boolean) => ({ model, stream, max_tokens: 7, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: PROMPT }] });
const anthropicBody = (model: string, stream: boolean) => ({ model, stream, max_tokens: 7, system: 'Be brief.', messages: [{ role: 'user', content: PROMPT }] });

describe('spend is exact across protocols', () => {
  for (const stream of [false, true]) {
    it(`commits the same for an anthropic provider from either client${stream ? ', streaming' : ''}`, async () => {
      const native = await spend('/v1/messages', anthropicBody('claude-fast', stream));
      const translated = await spend('/v1/chat/completions', openaiBody('claude-fast', stream));
      expect([native.record.provider, translated.record.provider]).toEqual(['claude', 'claude']);
      expect(translated.record.usage).toEqual(native.record.usage);
      const spec = proxy.snapshot.policy.models.get('claude-fast')!.spec;
      expect(native.micros).toBe(costMicros(spec, native.record.usage!.inputTokens, native.record.usage!.outputTokens));
      expect(native.micros).toBeGreaterThan(0);
      expect(translated.micros).toBe(native.micros);
    });

    it(`commits the same for an openai provider from either client${stream ? ', streaming' : ''}`, async () => {
      const native = await spend('/v1/chat/completions', openaiBody('auto', stream));
      const translated = await spend('/v1/messages', anthropicBody('auto', stream));
      expect([native.record.provider, translated.record.provider]).toEqual(['oa-primary', 'oa-primary']);
      expect(translated.record.usage).toEqual(native.record.usage);
      const spec = proxy.snapshot.policy.models.get('primary-mini')!.spec;
      expect(native.micros).toBe(costMicros(spec, native.record.usage!.inputTokens, native.record.usage!.outputTokens));
      expect(native.micros).toBeGreaterThan(0);
      expect(translated.micros).toBe(native.micros);
    });
  }
});
