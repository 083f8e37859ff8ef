// The RateLimiter conformance suite: every backend registers it with `open` returning a limiter on a fresh,
// empty store, e.g. rateLimitConformance('sqlite', async () => openSqliteRateLimiter(':memory:')).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { perMinute, type RateLimiter, type TokenBucketSpec } from '../../src/budget/rate-limit.js';

const T0 = Date.UTC(2025, 0, 6, 10, 30);

/** A plain reference: tokens as exact fractions of a token-millisecond are overkill; doubles with a slack suffice. */
class ReferenceBucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly spec: TokenBucketSpec,
    now: number,
  ) {
    this.tokens = spec.capacity;
    this.at = now;
  }
  take(cost: number, now: number): boolean {
    if (now > this.at) {
      this.tokens = Math.min(this.spec.capacity, this.tokens + ((now - this.at) * this.spec.refillPerSecond) / 1000);
      this.at = now;
    }
    const need = Math.min(cost, this.spec.capacity);
    if (this.tokens + 1e-6 < need) return false;
    this.tokens -= cost;
    return true;
  }
}

export function rateLimitConformance(name: string, open: () => Promise<RateLimiter>): void {
  async function withLimiter(body: (limiter: RateLimiter) => Promise<void>): Promise<void> {
    const limiter = await open();
    try {
      await body(limiter);
    } finally {
      await limiter.close();
    }
  }

  describe(`RateLimiter conformance: ${name}`, () => {
    it('starts a new key full and refuses past its capacity', () =>
      withLimiter(async (limiter) => {
        const spec = { capacity: 5, refillPerSecond: 1 };
        const results = [];
        for (let i = 0; i < 6; i++) results.push((await limiter.take('team-a', spec, 1, T0)).ok);
        expect(results).toEqual([true, true, true, true, true, false]);
      }));

    it('takes costs above one and tells how long until the same take fits', () =>
      withLimiter(async (limiter) => {
        const spec = { capacity: 10, refillPerSecond: 4 };
        expect(await limiter.take('k', spec, 4, T0)).toEqual({ ok: true });
        expect(await limiter.take('k', spec, 4, T0)).toEqual({ ok: true });
        // 2 tokens left, 4 wanted: 2 more at 4 per second take 500 ms.
        expect(await limiter.take('k', spec, 4, T0)).toEqual({ ok: false, retryAfterMs: 500 });
        expect(await limiter.take('k', spec, 2, T0)).toEqual({ ok: true });
      }));

    it('refills over (injected) time, never beyond the capacity', () =>
      withLimiter(async (limiter) => {
        const spec = { capacity: 3, refillPerSecond: 2 };
        for (let i = 0; i < 3; i++) await limiter.take('k', spec, 1, T0);
        expect((await limiter.take('k', spec, 1, T0 + 499)).ok).toBe(false);
        expect((await limiter.take('k', spec, 1, T0 + 500)).ok).toBe(true);
        const later = T0 + 3_600_000;
        const burst = [];
        for (let i = 0; i < 4; i++) burst.push((await limiter.take('k', spec, 1, later)).ok);
        expect(burst).toEqual([true, true, true, false]);
      }));

    it('keeps keys apart', () =>
      withLimiter(async (limiter) => {
        const spec = { capacity: 1, refillPerSecond: 1 };
        expect((await limiter.take('team-a', spec, 1, T0)).ok).toBe(true);
        expect((await limiter.take('team-a', spec, 1, T0)).ok).toBe(false);
        expect((await limiter.take('team-b', spec, 1, T0)).ok).toBe(true);
      }));

    it('changes nothing on a refusal', () =>
      withLimiter(async (limiter) => {
        const spec = { capacity: 10, refillPerSecond: 10 };
        await limiter.take('k', spec, 8, T0);
        for (let i = 0; i < 5; i++) expect((await limiter.take('k', spec, 5, T0)).ok).toBe(false);
        expect(await limiter.take('k', spec, 2, T0)).toEqual({ ok: true });
      }));

    it('admits a cost above the capacity only from a full bucket, which then owes the rest', () =>
      withLimiter(async (limiter) => {
        const tpm = perMinute(6_000);
        expect(await limiter.take('k', tpm, 1, T0)).toEqual({ ok: true });
        const refused = await limiter.take('k', tpm, 9_000, T0);
        expect(refused.ok).toBe(false);
        // Full again after the one token comes back: 1 token at 100 per second is 10 ms.
        expect(refused).toEqual({ ok: false, retryAfterMs: 10 });
        expect(await limiter.take('k', tpm, 9_000, T0 + 10)).toEqual({ ok: true });
        // 3,000 tokens in debt: one more token needs 3,001 tokens of refill, 30,010 ms.
        expect(await limiter.take('k', tpm, 1, T0 + 10)).toEqual({ ok: false, retryAfterMs: 30_010 });
        expect((await limiter.take('k', tpm, 1, T0 + 10 + 30_010)).ok).toBe(true);
      }));

    it('admits a zero cost always', () =>
      withLimiter(async (limiter) => {
        const spec = { capacity: 1, refillPerSecond: 0.001 };
        await limiter.take('k', spec, 1, T0);
        expect(await limiter.take('k', spec, 0, T0)).toEqual({ ok: true });
      }));

    it('neither mints nor loses tokens when the clock steps back', () =>
      withLimiter(async (limiter) => {
        const spec = { capacity: 2, refillPerSecond: 1 };
        await limiter.take('other', spec, 1, T0 + 10_000);
        expect((await limiter.take('other', spec, 1, T0)).ok).toBe(true);
        await limiter.take('k', spec, 2, T0 + 10_000);
        expect((await limiter.take('k', spec, 1, T0)).ok).toBe(false);
        expect((await limiter.take('k', spec, 1, T0 + 10_999)).ok).toBe(false);
        expect((await limiter.take('k', spec, 1, T0 + 11_000)).ok).toBe(true);
      }));

    it('follows a capacity that shrinks', () =>
      withLimiter(async (limiter) => {
        await limiter.take('k', { capacity: 100, refillPerSecond: 1 }, 1, T0);
        const small = { capacity: 3, refillPerSecond: 1 };
        const burst = [];
        for (let i = 0; i < 4; i++) burst.push((await limiter.take('k', small, 1, T0 + 1)).ok);
        expect(burst).toEqual([true, true, true, false]);
      }));

    it('rejects specs and costs that make no sense', () =>
      withLimiter(async (limiter) => {
        await expect(limiter.take('k', { capacity: 0, refillPerSecond: 1 }, 1, T0)).rejects.toThrow();
        await expect(limiter.take('k', { capacity: 1, refillPerSecond: 0 }, 1, T0)).rejects.toThrow();
        await expect(limiter.take('k', { capacity: 1, refillPerSecond: 1 }, -1, T0)).rejects.toThrow();
        await expect(limiter.take('k', { capacity: 1, refillPerSecond: 1 }, Number.NaN, T0)).rejects.toThrow();
      }));

    it('admits exactly the capacity of 100 concurrent takes', () =>
      withLimiter(async (limiter) => {
        const spec = perMinute(25);
        const results = await Promise.all(Array.from({ length: 100 }, () => limiter.take('burst', spec, 1, T0)));
        expect(results.filter((r) => r.ok)).toHaveLength(25);
        for (const r of results) if (!r.ok) expect(r.retryAfterMs).toBe(2_400);
      }));

    it('retryAfterMs is the least wait after which the same take fits', () =>
      withLimiter(async (limiter) => {
        let n = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 1, max: 100_000 }),
            fc.oneof(fc.constantFrom(1, 2.5, 10, 1_000 / 60, 3 / 7), fc.double({ min: 0.01, max: 10_000, noNaN: true })),
            fc.array(fc.integer({ min: 0, max: 2_000 }), { maxLength: 5 }),
            fc.double({ min: 0, max: 1.5, noNaN: true }),
            async (capacity, refillPerSecond, gaps, costShare) => {
              const key = `p${n++}`;
              const spec = { capacity, refillPerSecond };
              let now = T0;
              await limiter.take(key, spec, capacity, now);
              for (const gap of gaps) {
                now += gap;
                await limiter.take(key, spec, Math.ceil(capacity * 0.3), now);
              }
              const cost = Math.max(1, Math.round(capacity * costShare));
              const first = await limiter.take(key, spec, cost, now);
              if (first.ok) return;
              expect(first.retryAfterMs).toBeGreaterThanOrEqual(1);
              expect(Number.isInteger(first.retryAfterMs)).toBe(true);
              if (first.retryAfterMs > 1) expect((await limiter.take(key, spec, cost, now + first.retryAfterMs - 1)).ok).toBe(false);
              expect((await limiter.take(key, spec, cost, now + first.retryAfterMs)).ok).toBe(true);
            },
          ),
          { numRuns: 200 },
        );
      }));

    it('agrees with a reference bucket over random takes and waits', () =>
      withLimiter(async (limiter) => {
        let n = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.record({ capacity: fc.integer({ min: 1, max: 50 }), refillPerSecond: fc.integer({ min: 1, max: 20 }) }),
            fc.array(fc.record({ wait: fc.integer({ min: 0, max: 3_000 }), cost: fc.integer({ min: 0, max: 60 }) }), { minLength: 1, maxLength: 40 }),
            async (spec, steps) => {
              const key = `m${n++}`;
              let now = T0;
              const reference = new ReferenceBucket(spec, now);
              for (const step of steps) {
                now += step.wait;
                expect((await limiter.take(key, spec, step.cost, now)).ok).toBe(reference.take(step.cost, now));
              }
            },
          ),
          { numRuns: 100 },
        );
      }));
  });
}
