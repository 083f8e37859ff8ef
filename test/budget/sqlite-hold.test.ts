// The held group transaction of the embedded ledger (sqlite-file.ts): a write nobody waits on (a reservation)
// stays in the open transaction for up to `holdMs`, so the settlement of a later turn commits with it; a caller
// that waits on the commit (`committed()`, a settle) gets it at the end of its turn.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/budget/ledger.js';
import { openSqliteFile } from '../../src/budget/sqlite-file.js';
import { openSqliteLedger } from '../../src/budget/sqlite-ledger.js';
import { charge, T0 } from './ledger-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-hold-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const reserve = (id: string) => ({ id, charges: [charge('org', 1_000_000)], amountMicros: 100, ttlMs: 60_000, now: T0 });
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A fresh ledger holding transactions for `holdMs`, a count of its COMMITs (through this process's shared
 * connection to the file) and another connection that reads what is committed.
 */
async function withLedger(holdMs: number, body: (ledger: Ledger, commits: () => number, peer: Database.Database) => Promise<void>): Promise<void> {
  const path = join(dir, `hold-${files++}.db`);
  const ledger = openSqliteLedger(path, { synchronous: 'normal', holdMs });
  const file = openSqliteFile(path);
  const commits = (): number => file.commits();
  const peer = new Database(path, { readonly: true });
  try {
    await ledger.committed!();
    const before = commits();
    await body(ledger, () => commits() - before, peer);
  } finally {
    peer.close();
    await ledger.close();
    await file.release();
  }
}

const committedReservations = (peer: Database.Database): number => peer.prepare<[], number>('SELECT count(*) FROM reservations').pluck().get()!;

describe('held group transaction', () => {
  it('keeps a reservation nobody waits on in the open transaction, and commits it when the hold runs out', async () =>
    withLedger(100, async (ledger, commits, peer) => {
      expect(await ledger.reserve(reserve('r1'))).toEqual({ ok: true });
      await nextTurn();
      expect(commits()).toBe(0);
      expect(committedReservations(peer)).toBe(0);
      const deadline = Date.now() + 5_000;
      while (commits() === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(commits()).toBe(1);
      expect(committedReservations(peer)).toBe(1);
    }));

  it('commits the reservations of earlier turns with a later turn’s settlement, in one transaction', async () =>
    withLedger(100, async (ledger, commits, peer) => {
      expect(await ledger.reserve(reserve('a'))).toEqual({ ok: true });
      await nextTurn();
      expect(await ledger.reserve(reserve('b'))).toEqual({ ok: true });
      await nextTurn();
      expect(commits()).toBe(0);
      const settled = await ledger.settle('a', 60, T0 + 1);
      expect(settled.ok).toBe(true);
      expect(commits()).toBe(1);
      expect(peer.prepare<[], { id: string; state: string }>('SELECT id, state FROM reservations ORDER BY id').all()).toEqual([
        { id: 'a', state: 'settled' },
        { id: 'b', state: 'open' },
      ]);
    }));

  it('commits at the end of the turn once someone waits on it', async () =>
    withLedger(100, async (ledger, commits, peer) => {
      expect(await ledger.reserve(reserve('r1'))).toEqual({ ok: true });
      const done = ledger.committed!();
      await nextTurn();
      expect(commits()).toBe(1);
      await done;
      expect(committedReservations(peer)).toBe(1);
    }));

  it('commits every turn that wrote when holding is off', async () =>
    withLedger(0, async (ledger, commits, peer) => {
      expect(await ledger.reserve(reserve('a'))).toEqual({ ok: true });
      await nextTurn();
      expect(commits()).toBe(1);
      expect(await ledger.reserve(reserve('b'))).toEqual({ ok: true });
      await nextTurn();
      expect(commits()).toBe(2);
      expect(committedReservations(peer)).toBe(2);
    }));

  it('stops holding while another connection writes to the file', async () =>
    withLedger(100, async (ledger, commits) => {
      const path = join(dir, `hold-${files - 1}.db`);
      const writer = new Database(path);
      try {
        // Between our turns (we hold no lock): another process's commit.
        writer.exec('CREATE TABLE IF NOT EXISTS elsewhere (n INTEGER); INSERT INTO elsewhere VALUES (1);');
        expect(await ledger.reserve(reserve('a'))).toEqual({ ok: true });
        await nextTurn();
        expect(commits()).toBe(1);
      } finally {
        writer.close();
      }
    }));

  it('commits what it holds when the ledger closes', async () => {
    const path = join(dir, `hold-${files++}.db`);
    const ledger = openSqliteLedger(path, { synchronous: 'normal', holdMs: 100 });
    expect(await ledger.reserve(reserve('kept'))).toEqual({ ok: true });
    await ledger.close();
    const peer = new Database(path, { readonly: true });
    try {
      expect(committedReservations(peer)).toBe(1);
    } finally {
      peer.close();
    }
  });
});
