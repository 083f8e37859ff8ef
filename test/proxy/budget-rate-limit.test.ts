// Rate limits through the proxy: a Team's rpm and a Budget's tpm refuse with 429 rate_limited and retry-after,
// in both APIs' error shapes, and admit again once the bucket has refilled (the clock is injected).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chat, closeSims, post, resetSims, startSims, type Sims } from './fixture.js';
import { PROMPT, PROMPT_TOKENS, RATE_KEY, startBudgetProxy, TOKEN_KEY, type BudgetProxy } from './budget-fixture.js';

let now = Date.UTC(2026, 4, 1, 9, 0, 0);
let sims: Sims;
let proxy: BudgetProxy;

beforeAll(async () => {
  sims = await startSims();
  proxy = await startBudgetProxy(sims, { clock: () => now });
});
afterAll(async () => {
  await proxy.close();
  await closeSims(sims);
});
beforeEach(() => resetSims(sims));

const body = (extra: Record<string, unknown> = {}) => chat('auto', { messages: [{ role: 'user', content: PROMPT }], ...extra });

describe('rate limits', () => {
  it('refuses the request past a team rpm with 429 rate_limited and retry-after, and admits again after the refill', async () => {
    const headers = { authorization: `Bearer ${RATE_KEY}` };
    expect((await post(proxy.url, '/v1/chat/completions', body(), headers)).status).toBe(200);
    expect((await post(proxy.url, '/v1/chat/completions', body(), headers)).status).toBe(200);
    const refused = await post(proxy.url, '/v1/chat/completions', body(), headers);
    expect(refused.status).toBe(429);
    // rpm 2 refills one request every 30 s.
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.body).toMatchObject({ error: { code: 'rate_limited', type: 'rate_limit_error', rule: 'Team/ratey' } });
    expect((refused.body as { error: { message: string } }).error.message).toContain('team `ratey` is over its rate limit of 2 requests per minute');
    expect(sims.a.stats().requests + sims.b.stats().requests).toBe(2);

    const anthropic = await post(proxy.url, '/v1/messages', { model: 'claude-fast', max_tokens: 16, messages: [{ role: 'user', content: PROMPT }] }, { 'x-api-key': RATE_KEY });
    expect(anthropic.status).toBe(429);
    expect(anthropic.body).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect((anthropic.body as { error: { message: string } }).error.message).toMatch(/^rate_limited: .*decided by `Team\/ratey`$/);

    now += 29_000;
    expect((await post(proxy.url, '/v1/chat/completions', body(), headers)).status).toBe(429);
    now += 1_000;
    expect((await post(proxy.url, '/v1/chat/completions', body(), headers)).status).toBe(200);
  });

  it('counts prompt and max_tokens against a budget tpm, per key, before forwarding', async () => {
    const headers = { authorization: `Bearer ${TOKEN_KEY}` };
    const first = PROMPT_TOKENS + 60;
    expect((await post(proxy.url, '/v1/chat/completions', body({ max_tokens: 60 }), headers)).status).toBe(200);
    const left = 100 - first;
    const refused = await post(proxy.url, '/v1/chat/completions', body({ max_tokens: 80 }), headers);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { code: 'rate_limited', rule: 'Budget/token-minute' } });
    // 100 tokens a minute: each missing token takes 0.6 s.
    expect(refused.headers.get('retry-after')).toBe(String(Math.ceil((PROMPT_TOKENS + 80 - left) * 0.6)));
    expect(sims.a.stats().requests + sims.b.stats().requests).toBe(1);
    // A smaller request fits exactly what is left.
    expect((await post(proxy.url, '/v1/chat/completions', body({ max_tokens: left - PROMPT_TOKENS }), headers)).status).toBe(200);
    expect((await post(proxy.url, '/v1/chat/completions', body({ max_tokens: 1 }), headers)).status).toBe(429);
    now += 60_000;
    expect((await post(proxy.url, '/v1/chat/completions', body({ max_tokens: 80 }), headers)).status).toBe(200);
  });
});
