// Model test of the Ledger contract: random interleavings of reserve / settle / release / clock ticks / expire /
// crash (a new handle on the same store; the old process's open reservations are orphaned) run against a plain
// in-memory model. After every step the ledger's figures must equal the model's, and for enforced buckets
// committed + reserved ≤ limit (plus what late settlements of expired reservations added, which is real spend).
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { BucketCharge, BucketKey, BucketUsage, BudgetWindow, Ledger, ReserveResult, SettleResult } from '../../src/budget/ledger.js';
import { windowEnd, windowStart } from '../../src/budget/window.js';
import type { WithLedger } from './ledger-conformance.js';

const MINUTE = 60_000;
/** 2025-01-06 10:40 UTC: a few ticks cross into the next hour window. */
const START = Date.UTC(2025, 0, 6, 10, 40);
const MAX_TTL = 20 * MINUTE;

interface BudgetDef {
  readonly budget: string;
  readonly bucket: string;
  readonly window: BudgetWindow;
  readonly limit: number;
  readonly enforce: boolean;
}

const DEFS: readonly BudgetDef[] = [
  { budget: 'team-hourly', bucket: 'eng', window: 'hour', limit: 1_000, enforce: true },
  { budget: 'shared-daily', bucket: '*', window: 'day', limit: 1_500, enforce: true },
  { budget: 'watch', bucket: 'eng', window: 'hour', limit: 300, enforce: false },
];

type Op =
  | { readonly kind: 'reserve'; readonly defs: readonly number[]; readonly amount: number; readonly ttl: number; readonly reuse: number | null }
  | { readonly kind: 'settle'; readonly pick: number; readonly percent: number }
  | { readonly kind: 'release'; readonly pick: number }
  | { readonly kind: 'tick'; readonly ms: number }
  | { readonly kind: 'expire' }
  | { readonly kind: 'crash' };

function opArbitrary(withCrash: boolean): fc.Arbitrary<Op> {
  const ops: fc.Arbitrary<Op>[] = [
    fc.record({
      kind: fc.constant('reserve' as const),
      defs: fc.shuffledSubarray([0, 1, 2], { minLength: 1 }),
      // Amounts that tile the limits exactly, so reservations often land right at the edge.
      amount: fc.oneof(fc.constantFrom(0, 100, 250, 500), fc.integer({ min: 0, max: 600 })),
      ttl: fc.integer({ min: 1, max: MAX_TTL }),
      reuse: fc.oneof({ arbitrary: fc.constant(null), weight: 7 }, { arbitrary: fc.nat(), weight: 1 }),
    }),
    fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), percent: fc.integer({ min: 0, max: 100 }) }),
    fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 10 * MINUTE }) }),
    fc.constant({ kind: 'expire' as const }),
  ];
  if (withCrash) ops.push(fc.constant({ kind: 'crash' as const }));
  return fc.oneof(
    { arbitrary: ops[0]!, weight: 4 },
    { arbitrary: ops[1]!, weight: 3 },
    { arbitrary: ops[2]!, weight: 1 },
    ...ops.slice(3).map((arbitrary) => ({ arbitrary, weight: 1 })),
  );
}

interface ModelBucket {
  readonly key: BucketKey;
  readonly limit: number;
  readonly enforce: boolean;
  committed: number;
  reserved: number;
  /** Spend added by settlements of already-expired reservations. */
  late: number;
}

interface ModelReservation {
  readonly amount: number;
  readonly buckets: readonly string[];
  readonly expires: number;
  /** Which process (handle generation) made it: a crashed process can no longer settle its requests. */
  readonly epoch: number;
  state: 'open' | 'settled' | 'released' | 'expired';
}

const keyString = (k: BucketKey): string => `${k.budget}\u0000${k.bucket}\u0000${k.window}\u0000${k.windowStart}`;

class Model {
  now = START;
  epoch = 0;
  readonly buckets = new Map<string, ModelBucket>();
  readonly reservations = new Map<string, ModelReservation>();
  readonly ids: string[] = [];

  bucket(c: BucketCharge): ModelBucket {
    const k = keyString(c);
    let b = this.buckets.get(k);
    if (!b) {
      b = { key: { budget: c.budget, bucket: c.bucket, window: c.window, windowStart: c.windowStart }, limit: c.limitMicros, enforce: c.enforce, committed: 0, reserved: 0, late: 0 };
      this.buckets.set(k, b);
    }
    return b;
  }

  reserve(id: string, charges: readonly BucketCharge[], amount: number, ttl: number): ReserveResult {
    if (this.reservations.has(id)) return { ok: false, reason: 'duplicate' };
    const buckets = charges.map((c) => this.bucket(c));
    const full = buckets.find((b) => b.enforce && b.committed + b.reserved + amount > b.limit);
    if (full) {
      return { ok: false, reason: 'insufficient', bucket: full.key, committedMicros: full.committed, reservedMicros: full.reserved, limitMicros: full.limit };
    }
    for (const b of buckets) b.reserved += amount;
    this.reservations.set(id, { amount, buckets: buckets.map((b) => keyString(b.key)), expires: this.now + ttl, epoch: this.epoch, state: 'open' });
    this.ids.push(id);
    return { ok: true };
  }

  finish(id: string, actual: number | null): SettleResult {
    const r = this.reservations.get(id);
    if (!r) return { ok: false, reason: 'unknown' };
    const settling = actual !== null;
    if (r.state === 'settled' || r.state === 'released' || (r.state === 'expired' && !settling)) return { ok: false, reason: 'already-settled' };
    const buckets = r.buckets.map((k) => this.buckets.get(k)!);
    for (const b of buckets) {
      if (r.state === 'open') b.reserved -= r.amount;
      if (settling) b.committed += actual;
      if (settling && r.state === 'expired') b.late += actual;
    }
    r.state = settling ? 'settled' : 'released';
    return { ok: true, buckets: buckets.map((b) => ({ ...b.key, committedMicros: b.committed, reservedMicros: b.reserved, limitMicros: b.limit })) };
  }

  expire(): number {
    let n = 0;
    for (const r of this.reservations.values()) {
      if (r.state !== 'open' || r.expires > this.now) continue;
      r.state = 'expired';
      for (const k of r.buckets) this.buckets.get(k)!.reserved -= r.amount;
      n++;
    }
    return n;
  }

  usage(): BucketUsage[] {
    return [...this.buckets.values()].map((b) => ({ ...b.key, committedMicros: b.committed, reservedMicros: b.reserved }));
  }

  current(): BucketUsage[] {
    return this.usage().filter(
      (u) => (u.committedMicros > 0 || u.reservedMicros > 0) && u.windowStart <= this.now && this.now < windowEnd(u.window, u.windowStart),
    );
  }
}

const sortUsage = (rows: readonly BucketUsage[]): BucketUsage[] => [...rows].sort((a, b) => keyString(a).localeCompare(keyString(b)));

async function check(ledger: Ledger, model: Model): Promise<void> {
  const keys = [...model.buckets.values()].map((b) => b.key);
  expect(await ledger.usage(keys)).toEqual(model.usage());
  for (const b of model.buckets.values()) {
    // INVARIANT (contract): committed + reserved ≤ limit for enforced buckets, beyond spend that arrived late.
    if (b.enforce) expect(b.committed + b.reserved).toBeLessThanOrEqual(b.limit + b.late);
  }
  expect(sortUsage(await ledger.listCurrent(model.now))).toEqual(sortUsage(model.current()));
}

export function ledgerModelTest(withLedger: WithLedger, withCrash: boolean, numRuns: number): void {
  it(`matches an in-memory model over random interleavings${withCrash ? ' with crashes' : ''}`, () =>
    fc.assert(
      fc.asyncProperty(fc.array(opArbitrary(withCrash), { minLength: 10, maxLength: 60, size: 'max' }), (ops) =>
        withLedger(async (first, reopen) => {
          const model = new Model();
          let ledger = first;
          let next = 0;
          for (const op of ops) {
            switch (op.kind) {
              case 'reserve': {
                const reused = op.reuse !== null && model.ids.length > 0 ? model.ids[op.reuse % model.ids.length] : undefined;
                const id = reused ?? `r${next++}`;
                const charges = op.defs.map((i): BucketCharge => {
                  const d = DEFS[i]!;
                  return { budget: d.budget, bucket: d.bucket, window: d.window, windowStart: windowStart(d.window, model.now), limitMicros: d.limit, enforce: d.enforce };
                });
                const got = await ledger.reserve({ id, charges, amountMicros: op.amount, ttlMs: op.ttl, now: model.now });
                expect(got).toEqual(model.reserve(id, charges, op.amount, op.ttl));
                break;
              }
              case 'settle':
              case 'release': {
                if (model.ids.length === 0) break;
                const id = model.ids[op.pick % model.ids.length]!;
                const r = model.reservations.get(id)!;
                // A crashed process's requests are gone: nobody is left to settle its unfinished reservations.
                if (r.epoch !== model.epoch && (r.state === 'open' || r.state === 'expired')) break;
                const actual = op.kind === 'settle' ? Math.floor((r.amount * op.percent) / 100) : null;
                const got = actual === null ? await ledger.release(id, model.now) : await ledger.settle(id, actual, model.now);
                expect(got).toEqual(model.finish(id, actual));
                break;
              }
              case 'tick':
                model.now += op.ms;
                break;
              case 'expire':
                expect(await ledger.expire(model.now)).toBe(model.expire());
                break;
              case 'crash':
                ledger = await reopen(model.now);
                model.epoch++;
                // The new process may expire on open; expiring again must find the same state either way.
                model.expire();
                await ledger.expire(model.now);
                break;
              default:
                return assertNever(op);
            }
            await check(ledger, model);
          }
          model.now += MAX_TTL + 1;
          expect(await ledger.expire(model.now)).toBe(model.expire());
          await check(ledger, model);
          for (const u of await ledger.usage([...model.buckets.values()].map((b) => b.key))) expect(u.reservedMicros).toBe(0);
        }),
      ),
      { numRuns },
    ));
}

function assertNever(x: never): never {
  throw new Error(`unexpected op ${JSON.stringify(x)}`);
}
