// The WAL keeper under the SQLite ledger: checkpoints happen from its timer (not inside commits), and closing
// waits for a settlement's flush in flight instead of failing it.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

  it('lets settlements in flight finish their flush when closed', async () => {
    const ledger = openSqliteLedger(join(dir, 'closing.db'));
    for (let i = 0; i < 20; i++) await ledger.reserve(request(`r${i}`));
    const settling = Array.from({ length: 20 }, (_, i) => ledger.settle(`r${i}`, 10, T0));
    await ledger.close();
    const results = await Promise.all(settling);
    expect(results.every((r) => r.ok)).toBe(true);
  });
});
