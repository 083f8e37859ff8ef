// Group commit in the embedded ledger: the writes of one event-loop turn share one transaction, a refused
// reservation undoes only its own statements, a settle resolves only once it is committed, and the rate limiter
// on the same file writes through the same connection, so it never waits on a lock its own process holds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteLedger } from '../../src/budget/sqlite-ledger.js';
import { openSqliteRateLimiter } from '../../src/budget/sqlite-rate-limit.js';
import { charge, T0 } from './ledger-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-group-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const reserve = (id: string, amountMicros: number, limit = 1_000) => ({ id, charges: [charge('org', limit)], amountMicros, ttlMs: 60_000, now: T0 });

/** What another process sees: committed rows only. */
function outside(path: string): { states: () => Record<string, string>; close: () => void } {
  const db = new Database(path, { readonly: true });
  const st = db.prepare<[], { id: string; state: string }>('SELECT id, state FROM reservations ORDER BY id');
  return { states: () => Object.fromEntries(st.all().map((r) => [r.id, r.state])), close: () => db.close() };
}

describe('group commit', () => {
  it('commits the writes of one turn together, after the turn, and keeps a refused one out', async () => {
    const path = join(dir, 'turn.db');
    const ledger = openSqliteLedger(path, { busyTimeoutMs: 0 });
    const reader = outside(path);
    try {
      // Three reservations in one turn; the second cannot fit beside the first.
      const results = [ledger.reserve(reserve('a', 600)), ledger.reserve(reserve('b', 600)), ledger.reserve(reserve('c', 400))];
      expect(reader.states()).toEqual({});
      await ledger.committed!();
      expect(reader.states()).toEqual({ a: 'open', c: 'open' });
      expect((await Promise.all(results)).map((r) => r.ok)).toEqual([true, false, true]);
      expect(await ledger.usage([charge('org', 1_000)])).toMatchObject([{ committedMicros: 0, reservedMicros: 1_000 }]);
    } finally {
      reader.close();
      await ledger.close();
    }
  });

  it('resolves a settle only once another process can see it', async () => {
    const path = join(dir, 'settle.db');
    const ledger = openSqliteLedger(path, { synchronous: 'normal' });
    const reader = outside(path);
    try {
      await ledger.reserve(reserve('r', 300));
      const settled = await ledger.settle('r', 120, T0);
      expect(settled).toMatchObject({ ok: true, buckets: [{ committedMicros: 120, reservedMicros: 0 }] });
      expect(reader.states()).toEqual({ r: 'settled' });
    } finally {
      reader.close();
      await ledger.close();
    }
  });

  it('lets the rate limiter on the same file write while the ledger holds the turn’s transaction', async () => {
    const path = join(dir, 'shared.db');
    // No busy wait: a second connection of this process would fail at once instead of stalling the loop.
    const ledger = openSqliteLedger(path, { busyTimeoutMs: 0 });
    const limiter = openSqliteRateLimiter(path, { busyTimeoutMs: 0 });
    try {
      const reserving = ledger.reserve(reserve('r', 100));
      const taking = limiter.take('team:app', { capacity: 2, refillPerSecond: 1 }, 2, T0);
      expect(await reserving).toEqual({ ok: true });
      expect(await taking).toMatchObject({ ok: true });
      expect(await limiter.take('team:app', { capacity: 2, refillPerSecond: 1 }, 1, T0)).toMatchObject({ ok: false });
      await ledger.committed!();
      const db = new Database(path, { readonly: true });
      expect(db.prepare('SELECT count(*) AS n FROM rate_buckets').get()).toEqual({ n: 1 });
      db.close();
    } finally {
      await limiter.close();
      await ledger.close();
    }
  });

  it('keeps the connection open until its last holder closes', async () => {
    const path = join(dir, 'holders.db');
    const ledger = openSqliteLedger(path);
    const limiter = openSqliteRateLimiter(path);
    await limiter.close();
    expect(await ledger.reserve(reserve('after', 10))).toEqual({ ok: true });
    expect(await ledger.settle('after', 10, T0)).toMatchObject({ ok: true });
    await ledger.close();
    const reader = outside(path);
    expect(reader.states()).toEqual({ after: 'settled' });
    reader.close();
  });
});
