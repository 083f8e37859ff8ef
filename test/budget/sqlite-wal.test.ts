// The WAL keeper under the SQLite ledger: checkpoints happen from its timer (not inside commits), flushes start
// at least `flushMs` apart and are shared by the settlements in between, and closing waits for a settlement's
// flush in flight instead of failing it.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openSqliteLedger } from '../../src/budget/sqlite-ledger.js';
import { charge, T0 } from './ledger-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-wal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const request = (id: string) => ({ id, charges: [charge('org', 10 ** 12)], amountMicros: 100, ttlMs: 60_000, now: T0 });

describe('sqlite WAL keeping', () => {
  it('copies committed pages into the database file from its timer', async () => {
    // Commits alone leave the database file as it was (a timer that does not fire meanwhile); only a checkpoint writes it.
    const quiet = join(dir, 'uncheckpointed.db');
    const idle = openSqliteLedger(quiet, { synchronous: 'normal', checkpointEveryMs: 3_600_000 });
    try {
      const before = statSync(quiet).size;
      for (let i = 0; i < 300; i++) {
        await idle.reserve(request(`r${i}`));
        await idle.settle(`r${i}`, 50, T0);
      }
      expect(statSync(quiet).size).toBe(before);
    } finally {
      await idle.close();
    }
    const path = join(dir, 'checkpointed.db');
    const ledger = openSqliteLedger(path, { synchronous: 'normal', checkpointEveryMs: 5 });
    try {
      const before = statSync(path).size;
      for (let i = 0; i < 300; i++) {
        await ledger.reserve(request(`r${i}`));
        await ledger.settle(`r${i}`, 50, T0);
      }
      const deadline = Date.now() + 10_000;
      while (statSync(path).size === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(statSync(path).size).toBeGreaterThan(before);
    } finally {
      await ledger.close();
    }
  });

  it('starts flushes at least flushMs apart, and the settlements in between share the next one', async () => {
    // Timers fire no earlier than asked, so the lower bounds hold on any machine; the upper one allows the
    // shared flush a whole second more than an fdatasync takes.
    const flushMs = 1_000;
    const ledger = openSqliteLedger(join(dir, 'gap.db'), { flushMs });
    try {
      for (const id of ['a', 'b', 'c']) await ledger.reserve(request(id));
      const t0 = performance.now();
      expect(await ledger.settle('a', 10, T0)).toMatchObject({ ok: true });
      const first = performance.now() - t0;
      // b and c settle in turns of their own while the next flush waits for its time.
      const b = ledger.settle('b', 10, T0).then((r) => ({ r, at: performance.now() - t0 }));
      await new Promise((resolve) => setImmediate(resolve));
      const c = ledger.settle('c', 10, T0).then((r) => ({ r, at: performance.now() - t0 }));
      const [sb, sc] = await Promise.all([b, c]);
      expect([sb.r, sc.r]).toMatchObject([{ ok: true }, { ok: true }]);
      expect(first).toBeLessThan(flushMs);
      expect(sb.at).toBeGreaterThanOrEqual(flushMs - 1);
      expect(sc.at).toBeGreaterThanOrEqual(flushMs - 1);
      // A flush of its own would have started a further flushMs after b's.
      expect(sc.at).toBeLessThan(2 * flushMs);
    } finally {
      await ledger.close();
    }
  });

  it('lets settlements in flight finish their flush when closed', async () => {
    const ledger = openSqliteLedger(join(dir, 'closing.db'));
    for (let i = 0; i < 20; i++) await ledger.reserve(request(`r${i}`));
    const settling = Array.from({ length: 20 }, (_, i) => ledger.settle(`r${i}`, 10, T0));
    await ledger.close();
    const results = await Promise.all(settling);
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it('keeps every settlement through checkpoints taken every few milliseconds under writes', async () => {
    const path = join(dir, 'busy.db');
    const ledger = openSqliteLedger(path, { synchronous: 'normal', checkpointEveryMs: 2 });
    const org = charge('org', 10 ** 12);
    let settled = 0;
    try {
      const before = statSync(path).size;
      for (let i = 0; i < 600; i++) {
        await ledger.reserve(request(`c${i}`));
        expect(await ledger.settle(`c${i}`, 7, T0)).toMatchObject({ ok: true });
        settled += 7;
        if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 3));
      }
      expect(statSync(path).size).toBeGreaterThan(before);
      expect(await ledger.usage([org])).toMatchObject([{ committedMicros: settled, reservedMicros: 0 }]);
    } finally {
      await ledger.close();
    }
    // What is in the file (database and whatever WAL is left) is whole and holds every settlement.
    const db = new Database(path, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare("SELECT count(*) AS n FROM reservations WHERE state = 'settled' AND id LIKE 'c%'").get()).toEqual({ n: 600 });
    db.close();
  });
});
