// The Ledger conformance suite (hono-style): every implementation registers it with its own `open`, e.g.
//   ledgerConformance('sqlite', () => Promise.resolve(openSqliteLedger(':memory:')), { reopen })
// `open` must return a handle on a fresh, empty store each call. `reopen(ledger, now)` (optional) returns another
// handle on the same store as a restarted process would open it; the suite never closes the old handle before
// using the new one, and closes every handle it was given at the end of each test.
import { describe, expect, it } from 'vitest';
import type { BucketCharge, BucketKey, Ledger, ReserveRequest } from '../../src/budget/ledger.js';
import { windowStart } from '../../src/budget/window.js';
import { buildsOneHiddenClass } from '../support/hidden-class.js';
import { ledgerModelTest } from './ledger-model.js';

export type WithLedger = (body: (ledger: Ledger, reopen: (now: number) => Promise<Ledger>) => Promise<void>) => Promise<void>;

export interface LedgerConformanceOptions {
  /** Another handle on the same store as `ledger`, as a process restarted at `now` would open it. */
  readonly reopen?: (ledger: Ledger, now: number) => Promise<Ledger>;
  /** Runs of the fast-check model test (default 50). */
  readonly modelRuns?: number;
}

/** 2025-01-06 (a Monday) 10:30 UTC. */
export const T0 = Date.UTC(2025, 0, 6, 10, 30);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export function charge(budget: string, limitMicros: number, at = T0, more: Partial<BucketCharge> = {}): BucketCharge {
  const window = more.window ?? 'hour';
  return { budget, bucket: '*', window, windowStart: windowStart(window, at), limitMicros, enforce: true, ...more };
}

export const keyOf = (c: BucketKey): BucketKey => ({
  budget: c.budget,
  bucket: c.bucket,
  window: c.window,
  windowStart: c.windowStart,
});

const request = (id: string, charges: readonly BucketCharge[], amountMicros: number, now = T0, ttlMs = MINUTE): ReserveRequest => ({
  id,
  charges,
  amountMicros,
  ttlMs,
  now,
});

export function ledgerConformance(name: string, open: () => Promise<Ledger>, options: LedgerConformanceOptions = {}): void {
  /** Runs `body` with a fresh ledger (and any reopened handles) and closes them all afterwards. */
  const withLedger: WithLedger = async (body) => {
    const first = await open();
    const handles: Ledger[] = [first];
    const reopen = async (now: number): Promise<Ledger> => {
      if (!options.reopen) throw new Error('this ledger has no reopen');
      const next = await options.reopen(first, now);
      handles.push(next);
      return next;
    };
    try {
      await body(first, reopen);
    } finally {
      for (const h of handles.reverse()) await h.close();
    }
  };

  async function usageOf(ledger: Ledger, key: BucketKey): Promise<{ committed: number; reserved: number }> {
    const [u] = await ledger.usage([key]);
    if (!u) throw new Error('usage returned no row');
    expect(keyOf(u)).toEqual(keyOf(key));
    return { committed: u.committedMicros, reserved: u.reservedMicros };
  }

  describe(`Ledger conformance: ${name}`, () => {
    describe('reserve, settle, release', () => {
      it('reserves, then settles the actual cost and frees the reservation', () =>
        withLedger(async (ledger) => {
          const a = charge('team-a', 1_000);
          expect(await ledger.reserve(request('r1', [a], 400))).toEqual({ ok: true });
          expect(await usageOf(ledger, a)).toEqual({ committed: 0, reserved: 400 });
          const settled = await ledger.settle('r1', 250, T0 + 1_000);
          expect(settled).toEqual({ ok: true, buckets: [{ ...keyOf(a), committedMicros: 250, reservedMicros: 0, limitMicros: 1_000 }] });
          expect(await usageOf(ledger, a)).toEqual({ committed: 250, reserved: 0 });
        }));

      it('releases without spending', () =>
        withLedger(async (ledger) => {
          const a = charge('team-a', 1_000);
          await ledger.reserve(request('r1', [a], 400));
          const released = await ledger.release('r1', T0 + 1_000);
          expect(released).toEqual({ ok: true, buckets: [{ ...keyOf(a), committedMicros: 0, reservedMicros: 0, limitMicros: 1_000 }] });
          expect(await ledger.reserve(request('r2', [a], 1_000))).toEqual({ ok: true });
        }));

      it('refuses what does not fit, reporting the bucket, and admits what fits exactly', () =>
        withLedger(async (ledger) => {
          const a = charge('team-a', 1_000);
          expect(await ledger.reserve(request('r1', [a], 600))).toEqual({ ok: true });
          expect(await ledger.reserve(request('r2', [a], 401))).toEqual({
            ok: false,
            reason: 'insufficient',
            bucket: keyOf(a),
            committedMicros: 0,
            reservedMicros: 600,
            limitMicros: 1_000,
          });
          expect(await ledger.reserve(request('r3', [a], 400))).toEqual({ ok: true });
          expect(await usageOf(ledger, a)).toEqual({ committed: 0, reserved: 1_000 });
        }));

      it('counts committed spend against the limit', () =>
        withLedger(async (ledger) => {
          const a = charge('team-a', 1_000);
          await ledger.reserve(request('r1', [a], 900));
          await ledger.settle('r1', 800, T0);
          const refused = await ledger.reserve(request('r2', [a], 201));
          expect(refused).toMatchObject({ ok: false, reason: 'insufficient', committedMicros: 800, reservedMicros: 0 });
          expect(await ledger.reserve(request('r3', [a], 200))).toEqual({ ok: true });
        }));

      it('reserves all-or-nothing: a full second bucket leaves the first untouched', () =>
        withLedger(async (ledger) => {
          const roomy = charge('roomy', 10_000);
          const full = charge('full', 500);
          await ledger.reserve(request('fill', [full], 500));
          const refused = await ledger.reserve(request('r1', [roomy, full], 100));
          expect(refused).toMatchObject({ ok: false, reason: 'insufficient', bucket: keyOf(full), reservedMicros: 500, limitMicros: 500 });
          expect(await usageOf(ledger, roomy)).toEqual({ committed: 0, reserved: 0 });
          expect(await ledger.settle('r1', 100, T0)).toEqual({ ok: false, reason: 'unknown' });
        }));

      it('reports the first enforced bucket that cannot fit, in charge order', () =>
        withLedger(async (ledger) => {
          const b1 = charge('first', 100);
          const b2 = charge('second', 100);
          const refused = await ledger.reserve(request('r1', [b1, b2], 150));
          expect(refused).toMatchObject({ ok: false, reason: 'insufficient', bucket: keyOf(b1) });
        }));

      it('never refuses for a monitor bucket, but records its spend', () =>
        withLedger(async (ledger) => {
          const watch = charge('watch', 100, T0, { enforce: false });
          const a = charge('team-a', 10_000);
          expect(await ledger.reserve(request('r1', [watch, a], 5_000))).toEqual({ ok: true });
          expect(await ledger.reserve(request('r2', [watch], 5_000))).toEqual({ ok: true });
          const settled = await ledger.settle('r1', 4_000, T0);
          expect(settled).toMatchObject({ ok: true, buckets: [{ budget: 'watch', committedMicros: 4_000, reservedMicros: 5_000, limitMicros: 100 }, { budget: 'team-a', committedMicros: 4_000, reservedMicros: 0 }] });
        }));

      it('accepts a settlement above the reservation (the provider did not honour max tokens)', () =>
        withLedger(async (ledger) => {
          const a = charge('team-a', 1_000);
          await ledger.reserve(request('r1', [a], 100));
          expect(await ledger.settle('r1', 1_200, T0)).toMatchObject({ ok: true, buckets: [{ committedMicros: 1_200, reservedMicros: 0 }] });
          expect(await ledger.reserve(request('r2', [a], 0))).toMatchObject({ ok: false, reason: 'insufficient', committedMicros: 1_200 });
        }));

      it('admits a zero-amount reservation into a bucket that is exactly full', () =>
        withLedger(async (ledger) => {
          const a = charge('team-a', 1_000);
          await ledger.reserve(request('r1', [a], 1_000));
          expect(await ledger.reserve(request('r2', [a], 0))).toEqual({ ok: true });
        }));
    });

    describe('exactly once', () => {
      it('settles once: a second settle changes nothing', () =>
        withLedger(async (ledger) => {
          const a = charge('team-a', 1_000);
          await ledger.reserve(request('r1', [a], 400));
          await ledger.settle('r1', 300, T0);
          expect(await ledger.settle('r1', 300, T0)).toEqual({ ok: false, reason: 'already-settled' });
          expect(await ledger.settle('r1', 999, T0)).toEqual({ ok: false, reason: 'already-settled' });
          expect(await usageOf(ledger, a)).toEqual({ committed: 300, reserved: 0 });
        }));

      it('refuses settle after release and release after settle', () =>
        withLedger(async (ledger) => {
          const a = charge('team-a', 1_000);
          await ledger.reserve(request('r1', [a], 400));
          await ledger.release('r1', T0);
          expect(await ledger.settle('r1', 300, T0)).toEqual({ ok: false, reason: 'already-settled' });
          expect(await ledger.release('r1', T0)).toEqual({ ok: false, reason: 'already-settled' });
          await ledger.reserve(request('r2', [a], 400));
          await ledger.settle('r2', 100, T0);
          expect(await ledger.release('r2', T0)).toEqual({ ok: false, reason: 'already-settled' });
          expect(await usageOf(ledger, a)).toEqual({ committed: 100, reserved: 0 });
        }));

      it('answers unknown for ids never reserved', () =>
        withLedger(async (ledger) => {
          expect(await ledger.settle('nope', 1, T0)).toEqual({ ok: false, reason: 'unknown' });
          expect(await ledger.release('nope', T0)).toEqual({ ok: false, reason: 'unknown' });
        }));

      it('refuses a duplicate reservation id, open or finished, without touching any bucket', () =>
        withLedger(async (ledger) => {
          const a = charge('team-a', 1_000);
          const b = charge('team-b', 1_000);
          await ledger.reserve(request('r1', [a], 400));
          expect(await ledger.reserve(request('r1', [b], 100))).toEqual({ ok: false, reason: 'duplicate' });
          await ledger.settle('r1', 400, T0);
          expect(await ledger.reserve(request('r1', [a], 100))).toEqual({ ok: false, reason: 'duplicate' });
          expect(await usageOf(ledger, a)).toEqual({ committed: 400, reserved: 0 });
          expect(await usageOf(ledger, b)).toEqual({ committed: 0, reserved: 0 });
        }));

      if (options.reopen) {
        it('settles from another handle of the same store', () =>
          withLedger(async (ledger, reopen) => {
          const a = charge('team-a', 1_000);
          await ledger.reserve(request('r1', [a], 400));
          const other = await reopen(T0);
          expect(await other.settle('r1', 123, T0)).toMatchObject({ ok: true });
          expect(await ledger.settle('r1', 123, T0)).toEqual({ ok: false, reason: 'already-settled' });
          expect(await usageOf(ledger, a)).toEqual({ committed: 123, reserved: 0 });
          }));
      }
    });

    describe('expiry', () => {
      it('releases only reservations whose TTL has passed', () =>
        withLedger(async (ledger) => {
          const a = charge('team-a', 1_000);
          await ledger.reserve(request('short', [a], 100, T0, 1_000));
          await ledger.reserve(request('long', [a], 200, T0, 60_000));
          expect(await ledger.expire(T0 + 999)).toBe(0);
          expect(await ledger.expire(T0 + 1_000)).toBe(1);
          expect(await usageOf(ledger, a)).toEqual({ committed: 0, reserved: 200 });
          expect(await ledger.expire(T0 + 1_000)).toBe(0);
          expect(await ledger.settle('long', 150, T0 + 2_000)).toMatchObject({ ok: true });
          expect(await ledger.expire(T0 + 120_000)).toBe(0);
          expect(await usageOf(ledger, a)).toEqual({ committed: 150, reserved: 0 });
        }));

      it('does not expire settled or released reservations', () =>
        withLedger(async (ledger) => {
          const a = charge('team-a', 1_000);
          await ledger.reserve(request('s', [a], 100, T0, 1_000));
          await ledger.reserve(request('r', [a], 100, T0, 1_000));
          await ledger.settle('s', 60, T0);
          await ledger.release('r', T0);
          expect(await ledger.expire(T0 + 5_000)).toBe(0);
          expect(await usageOf(ledger, a)).toEqual({ committed: 60, reserved: 0 });
        }));

      // A late settlement is real spend the provider billed; dropping it would lose money from the books.
      it('records a settlement that arrives after expiry, once; a late release is refused', () =>
        withLedger(async (ledger) => {
          const a = charge('team-a', 1_000);
          await ledger.reserve(request('late', [a], 300, T0, 1_000));
          await ledger.reserve(request('gone', [a], 300, T0, 1_000));
          expect(await ledger.expire(T0 + 2_000)).toBe(2);
          expect(await ledger.settle('late', 250, T0 + 3_000)).toMatchObject({ ok: true, buckets: [{ committedMicros: 250, reservedMicros: 0 }] });
          expect(await ledger.settle('late', 250, T0 + 3_000)).toEqual({ ok: false, reason: 'already-settled' });
          expect(await ledger.release('gone', T0 + 3_000)).toEqual({ ok: false, reason: 'already-settled' });
          expect(await usageOf(ledger, a)).toEqual({ committed: 250, reserved: 0 });
        }));
    });

    describe('windows and reads', () => {
      it('keeps spend in different windows independent', () =>
        withLedger(async (ledger) => {
          const tenOClock = charge('hourly', 1_000, T0);
          const elevenOClock = charge('hourly', 1_000, T0 + HOUR);
          expect(tenOClock.windowStart).not.toBe(elevenOClock.windowStart);
          await ledger.reserve(request('r1', [tenOClock], 1_000));
          await ledger.settle('r1', 1_000, T0 + MINUTE);
          expect(await ledger.reserve(request('r2', [tenOClock], 1, T0 + 2 * MINUTE))).toMatchObject({ ok: false });
          expect(await ledger.reserve(request('r3', [elevenOClock], 1_000, T0 + HOUR))).toEqual({ ok: true });
          const both = await ledger.usage([tenOClock, elevenOClock]);
          expect(both.map((u) => [u.committedMicros, u.reservedMicros])).toEqual([[1_000, 0], [0, 1_000]]);
        }));

      it('keeps buckets of one budget (teams, keys) and windows of different length apart', () =>
        withLedger(async (ledger) => {
          const eng = charge('per-team', 500, T0, { bucket: 'eng' });
          const ops = charge('per-team', 500, T0, { bucket: 'ops' });
          const daily = charge('per-team', 500, T0, { bucket: 'eng', window: 'day' });
          await ledger.reserve(request('r1', [eng], 500));
          expect(await ledger.reserve(request('r2', [ops], 500))).toEqual({ ok: true });
          expect(await ledger.reserve(request('r3', [daily], 500))).toEqual({ ok: true });
        }));

      it('answers zeros for buckets never used, in the order asked', () =>
        withLedger(async (ledger) => {
          const used = charge('used', 1_000);
          const never = charge('never', 1_000, T0, { bucket: 'k-123', window: 'month' });
          await ledger.reserve(request('r1', [used], 10));
          const rows = await ledger.usage([never, used, never]);
          expect(rows).toEqual([
            { ...keyOf(never), committedMicros: 0, reservedMicros: 0 },
            { ...keyOf(used), committedMicros: 0, reservedMicros: 10 },
            { ...keyOf(never), committedMicros: 0, reservedMicros: 0 },
          ]);
          expect(await ledger.usage([])).toEqual([]);
        }));

      it('lists the buckets of current windows with spend or reservations', () =>
        withLedger(async (ledger) => {
          const past = charge('hourly', 1_000, T0 - HOUR);
          const now = charge('hourly', 1_000, T0);
          const daily = charge('daily', 9_000, T0, { window: 'day', bucket: 'eng' });
          const emptied = charge('emptied', 1_000, T0);
          await ledger.reserve(request('p', [past], 100, T0 - HOUR));
          await ledger.settle('p', 100, T0 - HOUR);
          await ledger.reserve(request('n', [now, daily], 200));
          await ledger.settle('n', 150, T0);
          await ledger.reserve(request('open', [daily], 70));
          await ledger.reserve(request('e', [emptied], 50));
          await ledger.release('e', T0);
          const sorted = (await ledger.listCurrent(T0 + MINUTE)).sort((x, y) => x.budget.localeCompare(y.budget));
          expect(sorted).toEqual([
            { ...keyOf(daily), committedMicros: 150, reservedMicros: 70 },
            { ...keyOf(now), committedMicros: 150, reservedMicros: 0 },
          ]);
          const nextHour = await ledger.listCurrent(T0 + HOUR);
          expect(nextHour.map((u) => u.budget)).toEqual(['daily']);
        }));

      it('marks a threshold once per bucket, threshold and window', () =>
        withLedger(async (ledger) => {
          const key = keyOf(charge('team-a', 1_000));
          expect(await ledger.markThreshold(key, 80)).toBe(true);
          expect(await ledger.markThreshold(key, 80)).toBe(false);
          expect(await ledger.markThreshold(key, 100)).toBe(true);
          expect(await ledger.markThreshold({ ...key, bucket: 'other' }, 80)).toBe(true);
          expect(await ledger.markThreshold(keyOf(charge('team-a', 1_000, T0 + HOUR)), 80)).toBe(true);
          expect(await ledger.markThreshold(key, 80)).toBe(false);
        }));

      it('marks thresholds concurrently exactly once', () =>
        withLedger(async (ledger) => {
          const key = keyOf(charge('team-a', 1_000));
          const marks = await Promise.all(Array.from({ length: 20 }, () => ledger.markThreshold(key, 50)));
          expect(marks.filter(Boolean)).toHaveLength(1);
        }));
    });

    // The request path reads these objects per request: one hidden class keeps its loads monomorphic (see
    // test/support/hidden-class.ts for why a spread-built literal would not).
    describe('shapes', () => {
      it('reports settled buckets, usage rows and current buckets each in one hidden class', () =>
        withLedger(async (ledger) => {
          const charges = ['team-a', 'team-b', 'team-c'].map((t) => charge(t, 10 ** 12));
          expect(
            await buildsOneHiddenClass(async (i) => {
              const c = charges[i % charges.length]!;
              await ledger.reserve(request(`s${i}`, [c], 10));
              const settled = await ledger.settle(`s${i}`, 5, T0);
              if (!settled.ok) throw new Error(`settle refused: ${settled.reason}`);
              return settled.buckets[0]!;
            }),
          ).toBe(true);
          const never = charge('never-used', 1_000);
          expect(await buildsOneHiddenClass(async (i) => (await ledger.usage([keyOf(charges[i % 3]!), keyOf(never)]))[i % 2]!)).toBe(true);
          expect(await buildsOneHiddenClass(async (i) => (await ledger.listCurrent(T0))[i % 3]!)).toBe(true);
        }));
    });

    describe('money', () => {
      it('keeps integer micro-dollars exact at large magnitudes', () =>
        withLedger(async (ledger) => {
          const big = charge('org', 10 ** 15);
          const amounts = [123_456_789_012, 987_654_321_098, 1, 7];
          for (const [i, amount] of amounts.entries()) {
            expect(await ledger.reserve(request(`r${i}`, [big], amount))).toEqual({ ok: true });
            await ledger.settle(`r${i}`, amount, T0);
          }
          const { committed } = await usageOf(ledger, big);
          expect(committed).toBe(amounts.reduce((s, a) => s + a, 0));
          expect(Number.isInteger(committed)).toBe(true);
        }));

      it('rejects amounts that are not non-negative integers', () =>
        withLedger(async (ledger) => {
          const a = charge('team-a', 1_000);
          await expect(ledger.reserve(request('f', [a], 1.5))).rejects.toThrow();
          await expect(ledger.reserve(request('n', [a], -1))).rejects.toThrow();
          await ledger.reserve(request('ok', [a], 10));
          await expect(ledger.settle('ok', 0.25, T0)).rejects.toThrow();
          await expect(ledger.settle('ok', Number.NaN, T0)).rejects.toThrow();
          expect(await usageOf(ledger, a)).toEqual({ committed: 0, reserved: 10 });
          expect(await ledger.settle('ok', 10, T0)).toMatchObject({ ok: true });
        }));
    });

    describe('in-process forms', () => {
      it('answers reserveSync and usageSync as reserve and usage do, or has neither', () =>
        withLedger(async (ledger) => {
          const { reserveSync, usageSync } = ledger;
          expect(reserveSync === undefined).toBe(usageSync === undefined);
          if (reserveSync === undefined || usageSync === undefined) return;
          const a = charge('team-a', 1_000);
          const b = charge('team-b', 1_000);
          expect(reserveSync.call(ledger, request('s1', [a, b], 600))).toEqual({ ok: true });
          expect(usageSync.call(ledger, [keyOf(a), keyOf(b), keyOf(charge('never-used', 1))])).toEqual(await ledger.usage([keyOf(a), keyOf(b), keyOf(charge('never-used', 1))]));
          expect(usageSync.call(ledger, [])).toEqual([]);
          expect(reserveSync.call(ledger, request('s2', [b], 401))).toEqual({ ok: false, reason: 'insufficient', bucket: keyOf(b), committedMicros: 0, reservedMicros: 600, limitMicros: 1_000 });
          expect(reserveSync.call(ledger, request('s1', [a], 1))).toEqual({ ok: false, reason: 'duplicate' });
          // A caller's bug is thrown, not answered, and changes nothing.
          expect(() => reserveSync.call(ledger, request('s3', [a], 1.5))).toThrow(RangeError);
          expect(await ledger.settle('s1', 500, T0)).toMatchObject({ ok: true });
          expect(usageSync.call(ledger, [keyOf(a), keyOf(b)]).map((u) => [u.committedMicros, u.reservedMicros])).toEqual([
            [500, 0],
            [500, 0],
          ]);
          expect(reserveSync.call(ledger, request('s4', [a], 500))).toEqual({ ok: true });
        }));
    });

    describe('concurrency', () => {
      // ⌊B/r⌋ reservations fit; the rest must be refused even when they race (on several handles if reopen exists).
      it('admits exactly ⌊B/r⌋ of 200 concurrent reservations at the edge of a budget', () =>
        withLedger(async (ledger, reopen) => {
          const handles = [ledger];
          if (options.reopen) for (let i = 0; i < 3; i++) handles.push(await reopen(T0));
          const B = 1_000_000;
          const r = 7_001;
          const limited = charge('edge', B);
          const watch = charge('watch', 1, T0, { enforce: false });
          const results = await Promise.all(
            Array.from({ length: 200 }, (_, i) => handles[i % handles.length]!.reserve(request(`c${i}`, [watch, limited], r))),
          );
          const admitted = results.flatMap((res, i) => (res.ok ? [`c${i}`] : []));
          expect(admitted).toHaveLength(Math.floor(B / r));
          for (const res of results) if (!res.ok) expect(res).toMatchObject({ reason: 'insufficient', bucket: keyOf(limited) });
          const settled = await Promise.all(admitted.map((id, i) => handles[i % handles.length]!.settle(id, r, T0 + 1)));
          expect(settled.every((s) => s.ok)).toBe(true);
          const after = await usageOf(ledger, limited);
          expect(after).toEqual({ committed: Math.floor(B / r) * r, reserved: 0 });
          expect(after.committed).toBeLessThanOrEqual(B);
          expect(await usageOf(ledger, watch)).toEqual({ committed: Math.floor(B / r) * r, reserved: 0 });
        }));

      it('settles exactly once when the same id is settled concurrently', () =>
        withLedger(async (ledger) => {
          const a = charge('team-a', 1_000);
          await ledger.reserve(request('r1', [a], 500));
          const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? ledger.settle('r1', 400, T0) : ledger.release('r1', T0))));
          expect(results.filter((s) => s.ok)).toHaveLength(1);
          const { committed, reserved } = await usageOf(ledger, a);
          expect(reserved).toBe(0);
          expect([0, 400]).toContain(committed);
        }));
    });

    ledgerModelTest(withLedger, options.reopen !== undefined, options.modelRuns ?? 50);
  });
}
