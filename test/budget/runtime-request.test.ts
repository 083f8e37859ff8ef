// One request's budget work against a real (in-memory SQLite) ledger and rate limiter: the usage read as the
// decision's budget state, reservations per candidate with refusals and moves, settlement exactly once,
// threshold events once per crossing, and a ledger that fails without stopping traffic.
import { afterEach, describe, expect, it } from 'vitest';
import { BudgetRuntime } from '../../src/budget/budget-runtime.js';
import type { BucketKey, Ledger } from '../../src/budget/ledger.js';
import type { BudgetState } from '../../src/engine/index.js';
import { costMicros } from '../../src/budget/money.js';
import { openSqliteLedger } from '../../src/budget/sqlite-ledger.js';
import { openSqliteRateLimiter } from '../../src/budget/sqlite-rate-limit.js';
import type { ThresholdEvent } from '../../src/budget/thresholds.js';
import { windowStart } from '../../src/budget/window.js';
import { buildPolicy, model, provider, route, team } from '../support/policy-builder.js';

const T = Date.UTC(2026, 5, 15, 18, 0, 0);
const policy = buildPolicy({
  providers: [provider('p1')],
  models: [model('small', 'p1', { pricing: { inputPerMTok: 1, outputPerMTok: 2 }, maxOutputTokens: 1000 }), model('large', 'p1', { pricing: { inputPerMTok: 10, outputPerMTok: 40 }, tier: 'large' })],
  teams: [team('web', ['internal'])],
  routes: [route('all', { targets: [{ model: 'large' }, { model: 'small' }] })],
  budgets: [
    { name: 'web-day', spec: { match: { teams: ['web'] }, per: 'team', window: 'day', limitUsd: 1, thresholds: [{ atPercent: 50, action: 'alert' }, { atPercent: 100, action: 'deny' }] } },
    { name: 'large-keys', spec: { match: { models: ['large'] }, per: 'key', window: 'hour', limitUsd: 0.05 } },
    { name: 'watch', spec: { per: 'shared', window: 'month', limitUsd: 0.000001, enforcement: 'monitor' } },
  ],
});
const small = policy.models.get('small')!;
const large = policy.models.get('large')!;
const key = (budget: string, bucket: string, window: BucketKey['window']): BucketKey => ({ budget, bucket, window, windowStart: windowStart(window, T) });

interface Logged {
  level: 'warn' | 'error';
  msg: string;
}

const opened: BudgetRuntime[] = [];
afterEach(async () => {
  for (const rt of opened.splice(0)) await rt.close();
});

function runtime(ledger: Ledger = openSqliteLedger(':memory:'), extra: { events?: ThresholdEvent[]; logged?: Logged[] } = {}): BudgetRuntime {
  const rt = new BudgetRuntime({
    ledger,
    limiter: openSqliteRateLimiter(':memory:'),
    clock: () => T,
    expireEveryMs: 0,
    log: { warn: (_o, msg) => extra.logged?.push({ level: 'warn', msg }), error: (_o, msg) => extra.logged?.push({ level: 'error', msg }) },
    onThreshold: (e) => extra.events?.push(e),
  });
  opened.push(rt);
  return rt;
}

const sent = { outcome: 'completed', sent: true, usage: { inputTokens: 100, outputTokens: 50 }, outputChars: 0, promptTokens: 100 } as const;

describe('a request budget', () => {
  it('reads every bucket the request can fall in with one ledger call, as committed + reserved USD', async () => {
    const ledger = openSqliteLedger(':memory:');
    const keysRead: BucketKey[][] = [];
    // Both forms counted: the runtime reads in-process when the ledger can (`usageSync`), else through `usage`.
    const counting: Ledger = {
      ...ledger,
      kind: ledger.kind,
      usage: (keys) => (keysRead.push([...keys]), ledger.usage(keys)),
      usageSync: (keys) => (keysRead.push([...keys]), ledger.usageSync!(keys)),
    };
    const rt = runtime(counting);
    await ledger.reserve({ id: 'old', charges: [{ ...key('web-day', 'web', 'day'), limitMicros: 1_000_000, enforce: true }], amountMicros: 300_000, ttlMs: 60_000, now: T });
    await ledger.settle('old', 250_000, T);
    await ledger.reserve({ id: 'open', charges: [{ ...key('web-day', 'web', 'day'), limitMicros: 1_000_000, enforce: true }], amountMicros: 20_000, ttlMs: 60_000, now: T });
    const state = await rt.begin(policy, 'web', 'k1', 'r1')!.state();
    expect(keysRead).toEqual([[key('web-day', 'web', 'day'), key('large-keys', 'k1', 'hour'), key('watch', '*', 'month')]]);
    expect(state.usedUsd('web-day', 'web')).toBeCloseTo(0.27, 9);
    expect(state.usedUsd('web-day', 'other-team')).toBe(0);
    expect(state.usedUsd('large-keys', 'k1')).toBe(0);
  });

  it('reserves the worst case of a candidate against every budget that charges it, monitor ones included', async () => {
    const rt = runtime();
    const rb = rt.begin(policy, 'web', 'k1', 'r1')!;
    expect(await rb.admit(small, 100, undefined)).toEqual({ ok: true });
    const worst = costMicros(small.spec, 100, 1000);
    const rows = await rt.ledger.usage([key('web-day', 'web', 'day'), key('large-keys', 'k1', 'hour'), key('watch', '*', 'month')]);
    expect(rows.map((r) => r.reservedMicros)).toEqual([worst, 0, worst]);
  });

  it('refuses a candidate an enforced budget cannot fit, with the rule and the seconds to the window end', async () => {
    const rt = runtime();
    const rb = rt.begin(policy, 'web', 'k1', 'r1')!;
    const result = await rb.admit(large, 100, 2000);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.refusal).toMatchObject({ code: 'budget_exhausted', rule: 'Budget/large-keys', retryAfterSec: 3600 });
    expect(result.refusal.message).toBe(
      `budget \`large-keys\` (bucket \`k1\`, hour) cannot fit the worst case of \`large\`, $${(costMicros(large.spec, 100, 2000) / 1e6).toFixed(4)}: $0.0500 of $0.0500 left`,
    );
    // Nothing was held for the refused candidate; the next one is admitted.
    expect(await rb.admit(small, 100, 2000)).toEqual({ ok: true });
    const [day] = await rt.ledger.usage([key('web-day', 'web', 'day')]);
    expect(day!.reservedMicros).toBe(costMicros(small.spec, 100, 2000));
  });

  it('settles once at the real cost, and a second finish does nothing', async () => {
    const rt = runtime();
    const rb = rt.begin(policy, 'web', 'k1', 'r1')!;
    await rb.admit(small, 100, 200);
    rb.finish('small', sent);
    rb.finish('small', { ...sent, usage: { inputTokens: 1, outputTokens: 1 } });
    await rt.drain();
    const [day] = await rt.ledger.usage([key('web-day', 'web', 'day')]);
    expect(day).toMatchObject({ committedMicros: costMicros(small.spec, 100, 50), reservedMicros: 0 });
  });

  it('releases unspent when the candidate was never sent', async () => {
    const rt = runtime();
    const rb = rt.begin(policy, 'web', 'k1', 'r1')!;
    await rb.admit(small, 100, 200);
    rb.finish(undefined, { ...sent, outcome: 'failed', sent: false, usage: undefined });
    await rt.drain();
    const [day] = await rt.ledger.usage([key('web-day', 'web', 'day')]);
    expect(day).toMatchObject({ committedMicros: 0, reservedMicros: 0 });
    expect(await rt.ledger.settle('r1', 1, T)).toEqual({ ok: false, reason: 'already-settled' });
  });

  it('emits a threshold crossing once, however many requests or processes settle past it', async () => {
    const ledger = openSqliteLedger(':memory:');
    const events: ThresholdEvent[] = [];
    const logged: Logged[] = [];
    const a = runtime(ledger, { events, logged });
    const b = runtime(ledger, { events, logged });
    for (let i = 0; i < 4; i++) {
      const rb = (i % 2 === 0 ? a : b).begin(policy, 'web', 'k1', `r${i}`)!;
      expect(await rb.admit(small, 0, 100_000)).toEqual({ ok: true });
      rb.finish('small', { ...sent, usage: { inputTokens: 0, outputTokens: 100_000 } });
      await a.drain();
      await b.drain();
    }
    const day = events.filter((e) => e.budget === 'web-day');
    expect(day).toEqual([
      { budget: 'web-day', rule: 'Budget/web-day', bucket: 'web', window: 'day', windowStart: new Date(windowStart('day', T)).toISOString(), atPercent: 50, action: 'alert', committedUsd: 0.6, limitUsd: 1, percentUsed: 60 },
    ]);
    expect(events.filter((e) => e.budget === 'watch').map((e) => e.action)).toEqual(['deny']);
    expect(a.thresholds.counts.alert + b.thresholds.counts.alert).toBe(1);
    expect(logged.filter((l) => l.level === 'warn').map((l) => l.msg)).toContain('budget `web-day` crossed 50% (alert) for bucket `web`');
  });

  it('reads and reserves at once, without a promise, through a ledger that answers in-process', async () => {
    const rt = runtime();
    const rb = rt.begin(policy, 'web', 'k1', 'r1')!;
    const state = rb.state();
    expect(state).not.toBeInstanceOf(Promise);
    expect((state as BudgetState).usedUsd('web-day', 'web')).toBe(0);
    const admitted = rb.admit(small, 10, 10);
    expect(admitted).toEqual({ ok: true });
    // Through a ledger without the in-process forms, the same answers come as promises.
    const remote = openSqliteLedger(':memory:');
    const rt2 = runtime({ ...remote, kind: remote.kind, usageSync: undefined, reserveSync: undefined });
    const rb2 = rt2.begin(policy, 'web', 'k1', 'r1')!;
    const state2 = rb2.state();
    expect(state2).toBeInstanceOf(Promise);
    expect((await state2).usedUsd('web-day', 'web')).toBe(0);
    const admitted2 = rb2.admit(small, 10, 10);
    expect(admitted2).toBeInstanceOf(Promise);
    expect(await admitted2).toEqual({ ok: true });
    expect(await remote.usage([key('web-day', 'web', 'day')])).toEqual(await rt.ledger.usage([key('web-day', 'web', 'day')]));
  });

  const thrown = (): never => {
    throw new Error('disk I/O error');
  };
  const rejected = (): Promise<never> => Promise.reject(new Error('connection refused'));
  it.each([
    ['an in-process ledger throws', { usageSync: thrown, reserveSync: thrown }],
    ['the ledger fails', { usage: rejected, reserve: rejected, usageSync: undefined, reserveSync: undefined }],
  ] as const)('keeps traffic moving when %s: no spend read, no reservation, errors logged', async (_how, failing) => {
    const broken = openSqliteLedger(':memory:');
    const logged: Logged[] = [];
    const rt = runtime({ ...broken, kind: broken.kind, ...failing }, { logged });
    const rb = rt.begin(policy, 'web', 'k1', 'r1')!;
    expect((await rb.state()).usedUsd('web-day', 'web')).toBe(0);
    expect(await rb.admit(small, 10, 10)).toEqual({ ok: true });
    rb.finish('small', sent);
    await rt.drain();
    expect(logged.map((l) => `${l.level}: ${l.msg}`)).toEqual([
      'error: cannot read budget usage; deciding as if nothing were spent',
      'error: cannot reserve budget; forwarding without a reservation',
    ]);
  });

  it('refuses, with `closed`, what an enforced budget would charge while the ledger fails', async () => {
    const gone = openSqliteLedger(':memory:');
    await gone.close();
    const logged: Logged[] = [];
    const rt = new BudgetRuntime({
      ledger: gone,
      clock: () => T,
      expireEveryMs: 0,
      onLedgerFailure: 'closed',
      log: { warn: (_o, msg) => logged.push({ level: 'warn', msg }), error: (_o, msg) => logged.push({ level: 'error', msg }) },
    });
    opened.push(rt);
    const rb = rt.begin(policy, 'web', 'k1', 'r1')!;
    // `small` is charged by `web-day` (enforced) and `watch` (monitor): the enforced one refuses.
    expect(await rb.admit(small, 10, 10)).toEqual({
      ok: false,
      refusal: { code: 'ledger_unavailable', rule: 'Budget/web-day', retryAfterSec: 1, message: 'the ledger that keeps budget `web-day` cannot be reached; not forwarding while spend cannot be recorded' },
    });
    expect(logged.map((l) => `${l.level}: ${l.msg}`)).toEqual(['error: cannot reserve budget; refusing the request (--ledger-failure closed)']);
  });

  it('releases, from a timer, reservations a stopped process left once their TTL has passed', async () => {
    const ledger = openSqliteLedger(':memory:');
    const crashed = new BudgetRuntime({ ledger, clock: () => T, expireEveryMs: 0, reservationTtlMs: 60_000 });
    expect(await crashed.begin(policy, 'web', 'k1', 'lost')!.admit(small, 100, 100)).toEqual({ ok: true });
    const logged: Logged[] = [];
    const survivor = new BudgetRuntime({
      ledger,
      clock: () => T + 60_001,
      expireEveryMs: 5,
      log: { warn: (_o, msg) => logged.push({ level: 'warn', msg }), error: (_o, msg) => logged.push({ level: 'error', msg }) },
    });
    opened.push(survivor);
    const deadline = Date.now() + 5_000;
    while (logged.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(logged).toEqual([{ level: 'warn', msg: 'released 1 reservation(s) left by a process that stopped' }]);
    const [day] = await ledger.usage([key('web-day', 'web', 'day')]);
    expect(day!.reservedMicros).toBe(0);
  });

  it('has nothing to do for a team without budgets or rate limits', () => {
    const other = buildPolicy({ providers: [provider('p1')], models: [model('small', 'p1')], teams: [team('web', ['internal'])], routes: [route('all', { targets: [{ model: 'small' }] })] });
    expect(runtime().begin(other, 'web', 'k1', 'r1')).toBeNull();
  });
});
