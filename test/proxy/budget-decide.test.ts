// Budget states from the ledger drive decisions, as docs/decision-semantics.md step 5 says: downgrade removes
// targets above maxTier, deny refuses with budget_exhausted and retry-after to the window's end, both visible in
// the /admin/decide trace and in what the proxy does; an alert fires once per window crossing; /admin/spend.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { costMicros } from '../../src/budget/money.js';
import { spendReport } from '../../src/budget/spend.js';
import type { Decision } from '../../src/engine/index.js';
import { ADMIN_KEY, chat, closeSims, post, resetSims, startSims, type Sims } from './fixture.js';
import { committedOf, dayBucket, FIN_KEY, PROMPT, PROMPT_TOKENS, spendDirectly, startBudgetProxy, type BudgetProxy } from './budget-fixture.js';

const DAY = 86_400_000;
/** Noon UTC: twelve hours to the end of the day window. */
const NOON = Date.UTC(2026, 2, 10, 12, 0, 0);
let now = NOON;

let sims: Sims;
let proxy: BudgetProxy;
let spends = 0;

beforeAll(async () => {
  sims = await startSims();
  proxy = await startBudgetProxy(sims, { clock: () => now });
});
afterAll(async () => {
  await proxy.close();
  await closeSims(sims);
});
beforeEach(() => resetSims(sims));

const FIN_LIMIT = 1_000_000;
const finBucket = () => dayBucket('fin-daily', 'fin', now);
/** Brings fin's committed spend today to `micros`. */
async function spendUpTo(micros: number): Promise<void> {
  const { committed } = await committedOf(proxy.ledger, finBucket());
  if (micros > committed) await spendDirectly(proxy.ledger, { ...finBucket(), limitMicros: FIN_LIMIT }, micros - committed, now, `earlier-${spends++}`);
}

async function adminDecide(): Promise<Decision> {
  const res = await fetch(`${proxy.url}/admin/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ team: 'fin', keyId: 'fin-key', model: 'auto', promptTokens: PROMPT_TOKENS }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Decision;
}

const finRequest = () => post(proxy.url, '/v1/chat/completions', chat('auto', { messages: [{ role: 'user', content: PROMPT }] }), { authorization: `Bearer ${FIN_KEY}` });

describe('budget states from the ledger', () => {
  it('routes to the large model while the budget is under its thresholds', async () => {
    now = NOON;
    const decision = await adminDecide();
    expect(decision.candidates.map((c) => c.model)).toEqual(['big-model', 'primary-mini']);
    expect(decision.trace.filter((t) => t.step === 'budget' && t.rule === 'Budget/fin-daily')).toEqual([]);
    const res = await finRequest();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-model')).toBe('big-model');
  });

  it('downgrades at 80%: the trace removes the large model and the proxy sends to the small one', async () => {
    now = NOON;
    await proxy.runtime.drain();
    await spendUpTo(850_000);
    const decision = await adminDecide();
    expect(decision.candidates.map((c) => c.model)).toEqual(['primary-mini']);
    const removal = decision.trace.find((t) => t.step === 'budget' && t.rule === 'Budget/fin-daily' && t.effect === 'remove');
    expect(removal?.detail).toContain('big-model');
    expect(removal?.source).toMatch(/^policies\/budget-tests\.yaml:\d+$/);
    const res = await finRequest();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-model')).toBe('primary-mini');
    expect(sims.a.stats().byModel).toEqual({ 'up-primary': 1 });
  });

  it('denies at 100% with budget_exhausted, the rule, and retry-after to the end of the UTC day', async () => {
    now = NOON;
    await proxy.runtime.drain();
    await spendUpTo(FIN_LIMIT);
    const decision = await adminDecide();
    expect(decision.outcome).toBe('deny');
    expect(decision.deny).toMatchObject({ code: 'budget_exhausted', rule: 'Budget/fin-daily' });
    const res = await finRequest();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe(String(12 * 3600));
    expect(res.body).toMatchObject({ error: { code: 'budget_exhausted', type: 'rate_limit_error', rule: 'Budget/fin-daily' } });
    expect(sims.a.stats().requests).toBe(0);
  });

  it('alerts once per window crossing, on the committed figure', async () => {
    const alerts = () => proxy.events.filter((e) => e.budget === 'fin-daily' && e.action === 'alert');
    const cost = costMicros(proxy.snapshot.policy.models.get('big-model')!.spec, PROMPT_TOKENS, 8);
    const before = alerts().length;
    for (const day of [1, 2]) {
      now = NOON + day * DAY;
      // Just under 50%: the next request through the proxy commits past it.
      await spendUpTo(FIN_LIMIT / 2 - cost + 1);
      expect(alerts()).toHaveLength(before + day - 1);
      for (let i = 0; i < 3; i++) {
        const res = await finRequest();
        expect(res.headers.get('x-switchyard-model')).toBe('big-model');
        await proxy.runtime.drain();
      }
      expect(alerts()).toHaveLength(before + day);
      expect(alerts().at(-1)).toMatchObject({ bucket: 'fin', atPercent: 50, windowStart: new Date(finBucket().windowStart).toISOString() });
    }
    expect(proxy.runtime.thresholds.counts.alert).toBeGreaterThanOrEqual(2);
  });

  it('reports spend at /admin/spend as the spend report does', async () => {
    now = NOON + 2 * DAY;
    await proxy.runtime.drain();
    const res = await fetch(`${proxy.url}/admin/spend`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Awaited<ReturnType<typeof spendReport>>;
    expect(body).toEqual(JSON.parse(JSON.stringify(await spendReport(proxy.snapshot.policy, proxy.ledger, now))));
    const fin = body.budgets.find((b) => b.budget === 'fin-daily')!;
    const { committed } = await committedOf(proxy.ledger, finBucket());
    expect(fin.buckets).toEqual([expect.objectContaining({ bucket: 'fin', committedMicros: committed, reservedMicros: 0 })]);
    expect(fin.buckets[0]!.thresholdsCrossed).toEqual([{ atPercent: 50, action: 'alert' }]);
    expect(fin.windowStart).toBe(new Date(finBucket().windowStart).toISOString());
    const unauthorised = await fetch(`${proxy.url}/admin/spend`);
    expect(unauthorised.status).toBe(401);
  });
});
