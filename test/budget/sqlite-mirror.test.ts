// The write-back mirror of the embedded ledger and rate limiter (sqlite-file.ts): bucket totals move in memory
// and each changed row is written once per turn; a commit by another connection, or a turn that fails to
// commit, drops what the mirror holds, so the next use reads the database again.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/budget/ledger.js';
import { openSqliteLedger } from '../../src/budget/sqlite-ledger.js';
import { openSqliteRateLimiter } from '../../src/budget/sqlite-rate-limit.js';
import { charge, keyOf, T0, type WithLedger } from './ledger-conformance.js';
import { ledgerModelTest } from './ledger-model.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-mirror-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const fresh = (): string => join(dir, `mirror-${files++}.db`);
const reserve = (id: string, amountMicros: number, limit = 10_000, budget = 'org') => ({
  id,
  charges: [charge(budget, limit)],
  amountMicros,
  ttlMs: 60_000,
  now: T0,
});

/** Another process's connection to the same file. */
function other(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('busy_timeout = 2000');
  return db;
}

/** A fresh ledger file and another process's connection to it, both closed after `body`. */
async function withPeer(body: (ledger: Ledger, peer: Database.Database) => Promise<void>): Promise<void> {
  const path = fresh();
  const ledger = openSqliteLedger(path, { synchronous: 'normal' });
  const peer = other(path);
  try {
    await ledger.committed!(); // opening ran its expiry in a turn, which holds the write lock until it commits
    await body(ledger, peer);
  } finally {
    peer.close();
    await ledger.close();
  }
}

describe('write-back mirror', () => {
  it('writes each bucket a turn changed once, however many requests of the turn it carried', async () =>
    withPeer(async (ledger, spy) => {
      // Creates the buckets (the first use of a window inserts its row).
      await ledger.reserve({
        ...reserve('warm', 1),
        charges: [charge('team', 10_000), charge('org', 10_000)],
      });
      await ledger.committed!();
      spy.exec(`CREATE TABLE writes (n INTEGER NOT NULL);
      INSERT INTO writes VALUES (0);
      CREATE TRIGGER count_writes AFTER UPDATE ON buckets BEGIN UPDATE writes SET n = n + 1; END;`);
      const turn = Array.from({ length: 10 }, (_, i) =>
        ledger.reserve({
          ...reserve(`r${i}`, 100),
          charges: [charge('team', 10_000), charge('org', 10_000)],
        }),
      );
      expect((await Promise.all(turn)).every((r) => r.ok)).toBe(true);
      await ledger.committed!();
      expect(spy.prepare('SELECT n FROM writes').pluck().get()).toBe(2);
      const rows = spy.prepare('SELECT budget, reserved FROM buckets ORDER BY budget').all();
      expect(rows).toEqual([
        { budget: 'org', reserved: 1_001 },
        { budget: 'team', reserved: 1_001 },
      ]);
    }));

  it('writes the settlements of one turn together, and refuses a second settle of one reservation in that turn', async () =>
    withPeer(async (ledger, spy) => {
      await Promise.all(['a', 'b', 'c'].map((id) => ledger.reserve(reserve(id, 1_000))));
      await ledger.committed!();
      const turn = [ledger.settle('a', 400, T0), ledger.release('b', T0), ledger.settle('a', 999, T0), ledger.settle('c', 100, T0)];
      const states = spy.prepare('SELECT id, state, actual FROM reservations ORDER BY id');
      // Nothing of the turn is visible before its commit.
      expect(states.all().map((r) => (r as { state: string }).state)).toEqual(['open', 'open', 'open']);
      const [a, b, again, c] = await Promise.all(turn);
      expect(a).toMatchObject({
        ok: true,
        buckets: [{ committedMicros: 400 }],
      });
      expect(b).toMatchObject({ ok: true });
      expect(again).toEqual({ ok: false, reason: 'already-settled' });
      expect(c).toMatchObject({
        ok: true,
        buckets: [{ committedMicros: 500, reservedMicros: 0 }],
      });
      expect(states.all()).toEqual([
        { id: 'a', state: 'settled', actual: 400 },
        { id: 'b', state: 'released', actual: null },
        { id: 'c', state: 'settled', actual: 100 },
      ]);
      expect(spy.prepare("SELECT committed, reserved FROM buckets WHERE budget = 'org'").get()).toEqual({ committed: 500, reserved: 0 });
    }));

  // A turn writes few finishes as point updates and many as one statement per 64: both ways, every one lands.
  it.each([1, 15, 16, 130])('writes %i settlements of one turn, each once, with the bucket they moved', async (n) =>
    withPeer(async (ledger, spy) => {
      const ids = Array.from({ length: n }, (_, i) => `s${i}`);
      expect((await Promise.all(ids.map((id) => ledger.reserve(reserve(id, 50, 100_000))))).every((r) => r.ok)).toBe(true);
      await ledger.committed!();
      // Even ids settle at their index, odd ones are released.
      const turn = ids.map((id, i) => (i % 2 === 0 ? ledger.settle(id, i, T0) : ledger.release(id, T0)));
      expect((await Promise.all(turn)).every((r) => r.ok)).toBe(true);
      const rows = spy.prepare('SELECT id, state, actual FROM reservations').all() as { id: string; state: string; actual: number | null }[];
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const [i, id] of ids.entries()) {
        expect(byId.get(id)).toEqual(i % 2 === 0 ? { id, state: 'settled', actual: i } : { id, state: 'released', actual: null });
      }
      const spent = ids.reduce((sum, _, i) => (i % 2 === 0 ? sum + i : sum), 0);
      expect(spy.prepare("SELECT committed, reserved FROM buckets WHERE budget = 'org'").get()).toEqual({ committed: spent, reserved: 0 });
    }));

  it.each([1, 20])('answers already-settled for one of %i held reservations another process finished meanwhile', async (n) =>
    withPeer(async (ledger, spy) => {
      const ids = Array.from({ length: n }, (_, i) => `h${i}`);
      await Promise.all(ids.map((id) => ledger.reserve(reserve(id, 50, 100_000))));
      await ledger.committed!();
      spy.prepare("UPDATE reservations SET state = 'released', finished = ? WHERE id = ?").run(T0, ids[0]);
      const results = await Promise.all(ids.map((id) => ledger.settle(id, 10, T0)));
      expect(results[0]).toEqual({ ok: false, reason: 'already-settled' });
      expect(results.slice(1).every((r) => r.ok)).toBe(true);
      expect(spy.prepare("SELECT count(*) FROM reservations WHERE state = 'settled'").pluck().get()).toBe(n - 1);
    }));

  it('sees spend another process committed, in reads and in the next reservation', async () =>
    withPeer(async (ledger, neighbour) => {
      expect(await ledger.reserve(reserve('a', 1_000))).toEqual({ ok: true });
      expect(await ledger.settle('a', 1_000, T0)).toMatchObject({ ok: true });
      expect(await ledger.usage([charge('org', 10_000)])).toMatchObject([{ committedMicros: 1_000, reservedMicros: 0 }]);
      // Another process spends 8,500 of the same bucket.
      neighbour.prepare("UPDATE buckets SET committed = committed + 8500 WHERE budget = 'org'").run();
      expect(await ledger.usage([charge('org', 10_000)])).toMatchObject([{ committedMicros: 9_500 }]);
      neighbour.prepare("UPDATE buckets SET committed = committed + 100 WHERE budget = 'org'").run();
      // No read in between: the reservation itself must see the new figure (checked once it holds the write lock).
      expect(await ledger.reserve(reserve('b', 500))).toMatchObject({
        ok: false,
        reason: 'insufficient',
        committedMicros: 9_600,
      });
      expect(await ledger.reserve(reserve('c', 400))).toEqual({ ok: true });
    }));

  it('sees another process\'s spend through key and charge objects it has seen before (the proxy reuses them)', async () =>
    withPeer(async (ledger, neighbour) => {
      const org = charge('org', 10_000);
      const key = keyOf(org);
      const request = (id: string, amountMicros: number) => ({ id, charges: [org], amountMicros, ttlMs: 60_000, now: T0 });
      expect(await ledger.reserve(request('a', 1_000))).toEqual({ ok: true });
      expect(await ledger.settle('a', 1_000, T0)).toMatchObject({ ok: true });
      expect(await ledger.usage([key, org])).toMatchObject([{ committedMicros: 1_000 }, { committedMicros: 1_000 }]);
      neighbour.prepare("UPDATE buckets SET committed = committed + 8500 WHERE budget = 'org'").run();
      expect(await ledger.usage([key])).toMatchObject([{ committedMicros: 9_500, reservedMicros: 0 }]);
      neighbour.prepare("UPDATE buckets SET committed = committed + 100 WHERE budget = 'org'").run();
      expect(await ledger.reserve(request('b', 500))).toMatchObject({ ok: false, reason: 'insufficient', committedMicros: 9_600 });
      expect(await ledger.reserve(request('c', 400))).toEqual({ ok: true });
      expect(await ledger.usage([key, charge('org', 10_000)])).toMatchObject([
        { committedMicros: 9_600, reservedMicros: 400 },
        { committedMicros: 9_600, reservedMicros: 400 },
      ]);
    }));

  it('drops a turn that fails to commit, mirror and all, and settles the reservation once the disk takes it', async () =>
    withPeer(async (ledger, admin) => {
      await ledger.committed!(); // opening ran its expiry in a turn, which holds the write lock until it commits
      // The bucket's row refuses any write that would take it past 2,000 committed (a failing write, as a full disk).
      admin.exec(`CREATE TRIGGER refuse BEFORE UPDATE ON buckets WHEN NEW.committed > 2000 BEGIN SELECT RAISE(ABORT, 'refused'); END;`);
      expect(await ledger.reserve(reserve('r', 3_000))).toEqual({ ok: true });
      await ledger.committed!();
      // The settlement moves the bucket in memory; writing it back before the commit fails, and the turn with it.
      const settling = ledger.settle('r', 2_500, T0);
      await expect(ledger.committed!()).rejects.toThrow(/refused/);
      await expect(settling).rejects.toThrow(/refused/);
      // Nothing of that turn was kept, in the file or in memory: the reservation is still open, its amount held.
      expect(await ledger.usage([charge('org', 10_000)])).toMatchObject([{ committedMicros: 0, reservedMicros: 3_000 }]);
      expect(admin.prepare("SELECT state FROM reservations WHERE id = 'r'").pluck().get()).toBe('open');
      admin.exec('DROP TRIGGER refuse');
      expect(await ledger.settle('r', 2_500, T0)).toMatchObject({
        ok: true,
        buckets: [{ committedMicros: 2_500, reservedMicros: 0 }],
      });
      expect(await ledger.settle('r', 2_500, T0)).toEqual({
        ok: false,
        reason: 'already-settled',
      });
      expect(admin.prepare("SELECT committed, reserved FROM buckets WHERE budget = 'org'").get()).toEqual({ committed: 2_500, reserved: 0 });
    }));

  it('shares one mirror between ledgers opened on the same file in one process', async () => {
    const path = fresh();
    const a = openSqliteLedger(path, { synchronous: 'normal' });
    const b = openSqliteLedger(path, { synchronous: 'normal' });
    try {
      const first = a.reserve(reserve('x', 6_000));
      const second = b.reserve(reserve('y', 6_000));
      expect(await first).toEqual({ ok: true });
      expect(await second).toMatchObject({
        ok: false,
        reason: 'insufficient',
        reservedMicros: 6_000,
      });
      expect(await b.settle('x', 1_000, T0)).toMatchObject({
        ok: true,
        buckets: [{ committedMicros: 1_000, reservedMicros: 0 }],
      });
      expect(await a.usage([charge('org', 10_000)])).toMatchObject([{ committedMicros: 1_000, reservedMicros: 0 }]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('reads a token bucket again after another process took from it', async () => {
    const path = fresh();
    // Committed at the end of each turn (a take is not held), so the neighbour sees it after one.
    const limiter = openSqliteRateLimiter(path, { holdMs: 0 });
    const neighbour = other(path);
    const spec = { capacity: 10, refillPerSecond: 0.001 };
    try {
      expect(await limiter.take('team:app', spec, 4, T0)).toEqual({ ok: true });
      await new Promise((resolve) => setImmediate(resolve));
      expect(neighbour.prepare("SELECT tokens FROM rate_buckets WHERE key = 'team:app'").pluck().get()).toBe(6);
      neighbour.prepare("UPDATE rate_buckets SET tokens = 1 WHERE key = 'team:app'").run();
      expect(await limiter.take('team:app', spec, 2, T0)).toMatchObject({
        ok: false,
      });
      expect(await limiter.take('team:app', spec, 1, T0)).toEqual({ ok: true });
    } finally {
      neighbour.close();
      await limiter.close();
    }
  });
});

/**
 * Two connections to one file, as two processes sharing it would have: the second opens it through a symlinked
 * directory, so this process does not join the first's connection (SQLite resolves the link, so both use the
 * same WAL). Calls go to one or the other in an irregular pattern, each committed before the next starts (two
 * connections of one process must not wait on each other's lock, which only its own event loop can release).
 */
async function twoConnections(path: string, now: number | undefined, aliases: string[], opened: Ledger[]): Promise<Ledger> {
  const alias = `${dir}-alias-${aliases.length}`;
  symlinkSync(dir, alias);
  aliases.push(alias);
  const options = now === undefined ? {} : { clock: () => now };
  const a = openSqliteLedger(path, options);
  await a.committed!();
  const b = openSqliteLedger(join(alias, path.slice(dir.length + 1)), options);
  await b.committed!();
  opened.push(a, b);
  let calls = 0;
  const call = async <T>(work: (ledger: Ledger) => Promise<T>): Promise<T> => {
    const ledger = (Math.imul(++calls, 2_654_435_761) >>> 0) % 3 === 0 ? a : b;
    const result = await work(ledger);
    await ledger.committed!();
    return result;
  };
  return {
    kind: 'sqlite',
    reserve: (request) => call((l) => l.reserve(request)),
    settle: (id, actual, at) => call((l) => l.settle(id, actual, at)),
    release: (id, at) => call((l) => l.release(id, at)),
    usage: (keys) => call((l) => l.usage(keys)),
    listCurrent: (at) => call((l) => l.listCurrent(at)),
    expire: (at) => call((l) => l.expire(at)),
    markThreshold: (key, at) => call((l) => l.markThreshold(key, at)),
    committed: async () => {
      await a.committed!();
      await b.committed!();
    },
    close: async () => {
      await a.close();
      await b.close();
    },
  };
}

describe('write-back mirror, two connections to one file', () => {
  const pairs: WithLedger = async (body) => {
    const path = fresh();
    const aliases: string[] = [];
    const opened: Ledger[] = [];
    try {
      // A crash is a new pair of connections: what the crashed pair held in memory is gone with it.
      await body(await twoConnections(path, undefined, aliases, opened), (now) => twoConnections(path, now, aliases, opened));
    } finally {
      for (const ledger of opened) await ledger.close();
      for (const alias of aliases) rmSync(alias);
    }
  };
  ledgerModelTest(pairs, true, 25);
});
