// 200 concurrent requests at the edge of a budget that fits exactly ⌊B/r⌋ of them: exactly that many reach a
// provider, the rest get 429 budget_exhausted with retry-after, and after settlement committed ≤ limit.
// Parametrised by ledger URL, from one proxy and from two proxies sharing the ledger.
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { costMicros } from '../../src/budget/money.js';
import { chat, closeSims, post, resetSims, startSims, type Sims } from './fixture.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { committedOf, dayBucket, EDGE_KEY, EDGE_LIMIT_MICROS, ledgerDir, PROMPT, PROMPT_TOKENS, startBudgetProxy, type BudgetProxy } from './budget-fixture.js';

const REQUESTS = 200;
const MAX_TOKENS = 8;

let sims: Sims;
let redis: RedisServer | undefined;
const scratch = ledgerDir();

beforeAll(async () => {
  sims = await startSims();
  redis = await startRedisServer();
});
afterAll(async () => {
  await closeSims(sims);
  await redis?.stop();
  scratch.cleanup();
});
beforeEach(() => resetSims(sims));

interface Backend {
  readonly name: string;
  /** A fresh, empty ledger each call. */
  url(): string;
}

let files = 0;
const BACKENDS: Backend[] = [
  { name: 'sqlite', url: () => `sqlite:${join(scratch.dir, `edge-${files++}.db`)}` },
  // A namespace of its own on the file's redis-server is a fresh, empty store.
  { name: 'redis', url: () => `${redis?.url ?? 'redis://unstarted'}/0?namespace=edge-${files++}` },
];

/** Fires `count` requests at once, spread over the proxies; returns each status and body. */
async function burst(proxies: readonly BudgetProxy[], count: number): Promise<{ status: number; body: unknown; retryAfter: string | null; attempts: number }[]> {
  // max_tokens equals what the simulator answers (8 tokens), and the prompt's estimate equals its count, so the
  // settled cost equals the reservation and no settlement frees room during the burst: the edge is exact.
  const body = chat('auto', { messages: [{ role: 'user', content: PROMPT }], max_tokens: MAX_TOKENS });
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const res = await post(proxies[i % proxies.length]!.url, '/v1/chat/completions', body, { authorization: `Bearer ${EDGE_KEY}` });
      return { status: res.status, body: res.body, retryAfter: res.headers.get('retry-after'), attempts: Number(res.headers.get('x-switchyard-attempts')) };
    }),
  );
}

const upstreamRequests = (): number => sims.a.stats().requests + sims.b.stats().requests;

describe.each(BACKENDS)('a budget at its edge ($name ledger)', (backend) => {
  for (const processes of [1, 2]) {
    it(`admits exactly floor(B/r) of ${REQUESTS} concurrent requests from ${processes} prox${processes === 1 ? 'y' : 'ies'}`, async () => {
      const url = backend.url();
      const proxies: BudgetProxy[] = [];
      for (let i = 0; i < processes; i++) proxies.push(await startBudgetProxy(sims, { ledgerUrl: url }));
      try {
        const model = proxies[0]!.snapshot.policy.models.get('primary-mini')!.spec;
        const r = costMicros(model, PROMPT_TOKENS, MAX_TOKENS);
        const fits = Math.floor(EDGE_LIMIT_MICROS / r);
        expect(fits).toBeGreaterThan(1);
        expect(fits).toBeLessThan(REQUESTS);

        const results = await burst(proxies, REQUESTS);
        const ok = results.filter((x) => x.status === 200);
        const refused = results.filter((x) => x.status === 429);
        expect(ok).toHaveLength(fits);
        expect(refused).toHaveLength(REQUESTS - fits);
        for (const x of refused) {
          expect((x.body as { error: { code: string } }).error.code).toBe('budget_exhausted');
          expect(Number(x.retryAfter)).toBeGreaterThan(0);
        }
        // Exactly the admitted requests reached a provider (a failover would add attempts, never requests).
        expect(results.filter((x) => x.attempts > 0)).toHaveLength(fits);
        expect(refused.every((x) => x.attempts === 0)).toBe(true);
        expect(upstreamRequests()).toBe(results.reduce((n, x) => n + x.attempts, 0));

        for (const p of proxies) await p.runtime.drain();
        const usage = await committedOf(proxies[0]!.ledger, dayBucket('edge-daily', 'edge', Date.now()));
        expect(usage.reserved).toBe(0);
        expect(usage.committed).toBeLessThanOrEqual(EDGE_LIMIT_MICROS);
        expect(usage.committed).toBe(fits * r);
      } finally {
        for (const p of proxies) await p.close();
      }
    });
  }
});
