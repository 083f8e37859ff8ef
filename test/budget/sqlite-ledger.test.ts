// The SQLite ledger against the shared conformance suite, in memory and on disk (reopen = a restarted process),
// and what only this backend has: retention, recovery on open, schema versions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { BucketCharge, Ledger } from '../../src/budget/ledger.js';
import { openSqliteLedger } from '../../src/budget/sqlite-ledger.js';
import { charge, ledgerConformance, T0 } from './ledger-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-ledger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const paths = new WeakMap<Ledger, string>();

ledgerConformance('sqlite in memory', async () => openSqliteLedger(':memory:'));
ledgerConformance('sqlite file, synchronous=normal', async () => openSqliteLedger(join(dir, `normal-${files++}.db`), { synchronous: 'normal' }));

ledgerConformance(
  'sqlite file',
  async () => {
    const path = join(dir, `ledger-${files++}.db`);
    // The default durability: settle waits for the WAL's fdatasync.
    const ledger = openSqliteLedger(path);
    paths.set(ledger, path);
    return ledger;
  },
  {
    reopen: async (ledger, now) => {
      const path = paths.get(ledger);
      if (!path) throw new Error('reopen of a ledger this test did not open');
      return openSqliteLedger(path, { clock: () => now });
    },
  },
);

describe('sqlite ledger specifics', () => {
  const day = 86_400_000;
  const reserve = (id: string, charges: BucketCharge[], amountMicros: number, now = T0) => ({ id, charges, amountMicros, ttlMs: 60_000, now });

  it('counts a bucket named twice in one request once', async () => {
    const ledger = openSqliteLedger(':memory:');
    const a = charge('team-a', 1_000);
    expect(await ledger.reserve(reserve('r1', [a, a], 600))).toEqual({ ok: true });
    expect(await ledger.settle('r1', 500, T0)).toMatchObject({ ok: true, buckets: [{ committedMicros: 500, reservedMicros: 0 }] });
    await ledger.close();
  });

  it('forgets finished reservations and past windows after their retention, never open ones', async () => {
    const ledger = openSqliteLedger(':memory:', { clock: () => T0, retainFinishedMs: day, retainWindowsMs: 2 * day });
    const a = charge('team-a', 1_000);
    await ledger.reserve(reserve('done', [a], 100));
    await ledger.settle('done', 100, T0);
    await ledger.reserve({ ...reserve('long', [a], 100), ttlMs: 10 * day });
    await ledger.expire(T0 + day + 1);
    expect(await ledger.settle('done', 100, T0 + day + 1)).toEqual({ ok: false, reason: 'unknown' });
    await ledger.expire(T0 + 3 * day);
    // The bucket's window ended long ago, but an open reservation still holds it.
    expect(await ledger.usage([a])).toMatchObject([{ committedMicros: 100, reservedMicros: 100 }]);
    expect(await ledger.settle('long', 50, T0 + 3 * day)).toMatchObject({ ok: true, buckets: [{ committedMicros: 150, reservedMicros: 0 }] });
    await ledger.expire(T0 + 3 * day + 1);
    expect(await ledger.usage([a])).toMatchObject([{ committedMicros: 150 }]);
    await ledger.expire(T0 + 6 * day);
    expect(await ledger.usage([a])).toMatchObject([{ committedMicros: 0, reservedMicros: 0 }]);
    await ledger.close();
  });

  it('expires a dead process’s reservations when opened after their TTL', async () => {
    const path = join(dir, 'restart.db');
    const first = openSqliteLedger(path, { clock: () => T0 });
    const a = charge('team-a', 1_000);
    await first.reserve(reserve('orphan', [a], 700));
    // No close: the process died. A new one starts after the TTL.
    const second = openSqliteLedger(path, { clock: () => T0 + 60_000 });
    expect(await second.usage([a])).toMatchObject([{ reservedMicros: 0 }]);
    expect(await second.reserve(reserve('next', [a], 1_000, T0 + 60_000))).toEqual({ ok: true });
    await second.close();
    await first.close();
  });

  it('refuses a file written by a newer schema', async () => {
    const path = join(dir, 'future.db');
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => openSqliteLedger(path)).toThrow(/written by a newer switchyard \(schema 99/);
  });
});
