// A Redis that stops answering (SIGSTOP: hung, not refusing) while a request does its budget work, on a real
// redis-server. A timed-out command is still queued on the connection and runs once the server resumes: the
// request must not wait on the ledger twice, and a reserve that was applied late must be settled (its real cost
// committed), not left holding budget until its TTL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetRuntime } from '../../src/budget/budget-runtime.js';
import type { Ledger } from '../../src/budget/ledger.js';
import { costMicros } from '../../src/budget/money.js';
import { openRedisLedger } from '../../src/budget/redis-ledger.js';
import { windowStart } from '../../src/budget/window.js';
import { buildPolicy, model, provider, route, team } from '../support/policy-builder.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

const T = Date.UTC(2026, 5, 15, 18, 0, 0);
const policy = buildPolicy({
  providers: [provider('p1')],
  models: [model('small', 'p1', { pricing: { inputPerMTok: 1, outputPerMTok: 2 }, maxOutputTokens: 1000 })],
  teams: [team('web', ['internal'])],
  routes: [route('all', { targets: [{ model: 'small' }] })],
  budgets: [{ name: 'web-day', spec: { match: { teams: ['web'] }, per: 'team', window: 'day', limitUsd: 1 } }],
});
const small = policy.models.get('small')!;
const bucket = { budget: 'web-day', bucket: 'web', window: 'day' as const, windowStart: windowStart('day', T) };
const sent = { outcome: 'completed', sent: true, usage: { inputTokens: 100, outputTokens: 50 }, outputChars: 0, promptTokens: 100 } as const;

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server?.stop());

/** The real ledger, counting the calls that reach it. */
function counted(ledger: Ledger): { ledger: Ledger; calls: string[] } {
  const calls: string[] = [];
  const wrap =
    <A extends unknown[], R>(name: string, f: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      calls.push(name);
      return f(...args);
    };
  return {
    calls,
    ledger: { ...ledger, usage: wrap('usage', ledger.usage.bind(ledger)), reserve: wrap('reserve', ledger.reserve.bind(ledger)), settle: wrap('settle', ledger.settle.bind(ledger)), release: wrap('release', ledger.release.bind(ledger)) },
  };
}

async function withStalledRedis<R>(work: () => R | Promise<R>): Promise<R> {
  process.kill(server.pid, 'SIGSTOP');
  try {
    return await work();
  } finally {
    process.kill(server.pid, 'SIGCONT');
  }
}

describe('a stalled Redis ledger', () => {
  it('is waited on once per request: after the usage read times out, the reserve is not tried', async () => {
    const real = await openRedisLedger(server.url, { namespace: 'stall-once', commandTimeoutMs: 200 });
    const { ledger, calls } = counted(real);
    const logged: string[] = [];
    const rt = new BudgetRuntime({ ledger, clock: () => T, expireEveryMs: 0, log: { warn: (_o, m) => logged.push(m), error: (_o, m) => logged.push(m) } });
    try {
      const rb = rt.begin(policy, 'web', 'k1', 'once')!;
      const admitted = await withStalledRedis(async () => {
        expect((await rb.state()).usedUsd('web-day', 'web')).toBe(0);
        return rb.admit(small, 100, 100);
      });
      expect(admitted).toEqual({ ok: true });
      expect(calls).toEqual(['usage']);
      expect(logged).toEqual(['cannot read budget usage; deciding as if nothing were spent', 'cannot reserve budget; forwarding without a reservation']);
    } finally {
      await rt.close();
    }
  });

  it('settles a reserve that timed out and was applied late: the real cost is committed, nothing stays reserved', async () => {
    const real = await openRedisLedger(server.url, { namespace: 'stall-late', commandTimeoutMs: 200 });
    const { ledger, calls } = counted(real);
    const logged: string[] = [];
    const rt = new BudgetRuntime({ ledger, clock: () => T, expireEveryMs: 0, log: { warn: (_o, m) => logged.push(m), error: (_o, m) => logged.push(m) } });
    try {
      const rb = rt.begin(policy, 'web', 'k1', 'late')!;
      expect((await rb.state()).usedUsd('web-day', 'web')).toBe(0);
      // Only the reserve meets the stall: it times out here and runs when the server resumes.
      expect(await withStalledRedis(() => rb.admit(small, 100, 100))).toEqual({ ok: true });
      expect(logged).toEqual(['cannot reserve budget; forwarding without a reservation']);
      rb.finish('small', sent);
      await rt.drain();
      expect(calls).toEqual(['usage', 'reserve', 'settle']);
      expect(await real.usage([bucket])).toEqual([{ ...bucket, committedMicros: costMicros(small.spec, 100, 50), reservedMicros: 0 }]);
    } finally {
      await rt.close();
    }
  });

  it('with --ledger-failure closed, takes back a reserve that timed out, so a refused request holds nothing', async () => {
    const real = await openRedisLedger(server.url, { namespace: 'stall-closed', commandTimeoutMs: 200 });
    const rt = new BudgetRuntime({ ledger: real, clock: () => T, expireEveryMs: 0, onLedgerFailure: 'closed' });
    try {
      const rb = rt.begin(policy, 'web', 'k1', 'closed')!;
      expect((await rb.state()).usedUsd('web-day', 'web')).toBe(0);
      const refused = await withStalledRedis(() => rb.admit(small, 100, 100));
      expect(refused).toMatchObject({ ok: false, refusal: { code: 'ledger_unavailable' } });
      await rt.drain();
      expect(await real.usage([bucket])).toEqual([{ ...bucket, committedMicros: 0, reservedMicros: 0 }]);
    } finally {
      await rt.close();
    }
  });
});
