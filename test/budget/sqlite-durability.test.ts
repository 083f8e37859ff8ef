// The SQLite ledger across processes (the built dist/, as `npm test` builds it): a writer killed with SIGKILL at
// random points loses no acknowledged settlement and leaves a sound file whose orphaned reservations expire;
// two processes racing at the edge of one budget admit exactly ⌊B/r⌋ reservations between them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openSqliteLedger } from '../../src/budget/sqlite-ledger.js';
import { windowStart } from '../../src/budget/window.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(import.meta.dirname, 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-durable-'));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(script: string, args: readonly string[]): { proc: ChildProcess; lines: string[]; exited: Promise<void> } {
  if (!existsSync(join(ROOT, 'dist', 'budget', 'sqlite-ledger.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  const proc = spawn(process.execPath, [join(FIXTURES, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(proc);
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  proc.stdout?.on('data', (data: Buffer) => {
    const parts = (partial + String(data)).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  proc.stderr?.on('data', (data: Buffer) => void (stderr += String(data)));
  const exited = new Promise<void>((resolve, reject) => {
    proc.once('exit', (code, signal) => (code === 0 || signal === 'SIGKILL' ? resolve() : reject(new Error(`${script} exited ${code}: ${stderr}`))));
  });
  return { proc, lines, exited };
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('sqlite ledger durability', () => {
  it('keeps every acknowledged settlement through repeated kill -9 and recovers orphaned reservations', async () => {
    const db = join(dir, 'killed.db');
    const day = windowStart('day', Date.now());
    const acknowledged = new Map<string, number>();
    for (let round = 0; round < 5; round++) {
      const writer = start('ledger-writer.mjs', [db, `w${round}`, String(day)]);
      await until(() => writer.lines.length > 1, 'the writer to settle');
      // A random point after some settlements, bounded in time.
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.floor(Math.random() * 200)));
      writer.proc.kill('SIGKILL');
      await writer.exited;
      for (const line of writer.lines.slice(1)) {
        const [id, actual] = line.split(' ');
        if (id && actual) acknowledged.set(id, Number(actual));
      }
    }
    expect(acknowledged.size).toBeGreaterThan(5);

    const check = new Database(db, { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = check.prepare<[], { id: string; state: string; actual: number | null }>('SELECT id, state, actual FROM reservations').all();
    check.close();
    const stored = new Map(rows.map((r) => [r.id, r]));
    for (const [id, actual] of acknowledged) expect(stored.get(id)).toEqual({ id, state: 'settled', actual });

    const now = Date.now();
    const ledger = openSqliteLedger(db, { clock: () => now });
    try {
      for (const id of [...acknowledged.keys()].slice(0, 50)) expect(await ledger.settle(id, 1, now)).toEqual({ ok: false, reason: 'already-settled' });
      const org = { budget: 'org', bucket: '*', window: 'day' as const, windowStart: day };
      const [before] = await ledger.usage([org]);
      const ackSum = [...acknowledged.values()].reduce((s, a) => s + a, 0);
      const settledSum = rows.reduce((s, r) => s + (r.state === 'settled' ? (r.actual ?? 0) : 0), 0);
      // Committed is exactly what was settled: acknowledged ones plus at most one per round settled but unprinted.
      expect(before?.committedMicros).toBe(settledSum);
      expect(settledSum - ackSum).toBeLessThanOrEqual(5 * 1_096);
      expect(before?.reservedMicros).toBeGreaterThan(0);

      expect(await ledger.expire(now + 60_000)).toBeGreaterThan(0);
      const [after] = await ledger.usage([org]);
      expect(after).toMatchObject({ committedMicros: settledSum, reservedMicros: 0 });
    } finally {
      await ledger.close();
    }
    const reread = new Database(db, { readonly: true });
    expect(reread.prepare("SELECT count(*) AS n FROM reservations WHERE state = 'open'").get()).toEqual({ n: 0 });
    reread.close();
  });

  // SQLite answers the journal-mode change with SQLITE_BUSY at once, without its busy handler, when another
  // process holds the write lock: two proxies opening one new ledger together failed on it now and then.
  it('opens a new file while another process holds its write lock, waiting instead of failing on the journal mode', async () => {
    const db = join(dir, 'held.db');
    const holder = start('lock-holder.mjs', [db, '300']);
    await until(() => holder.lines.length > 0, 'the other process to take the write lock');
    const ledger = openSqliteLedger(db);
    try {
      const hour = windowStart('hour', Date.now());
      const charges = [{ budget: 'b', bucket: '*', window: 'hour' as const, windowStart: hour, limitMicros: 10, enforce: true }];
      expect(await ledger.reserve({ id: 'r1', charges, amountMicros: 4, ttlMs: 60_000, now: hour })).toMatchObject({ ok: true });
    } finally {
      await ledger.close();
    }
    await holder.exited;
    const check = new Database(db, { readonly: true });
    try {
      expect(check.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      check.close();
    }
  });

  it('admits exactly ⌊B/r⌋ reservations between two processes racing at the edge of one budget', async () => {
    const db = join(dir, 'raced.db');
    const hour = windowStart('hour', Date.now());
    const B = 500_000;
    const r = 3_001;
    const racers = ['a', 'b'].map((tag) => start('ledger-racer.mjs', [db, tag, '150', String(B), String(r), String(hour)]));
    await until(() => racers.every((p) => p.lines.length > 0), 'both racers to open the ledger');
    for (const p of racers) p.proc.stdin?.write('go\n');
    await Promise.all(racers.map((p) => p.exited));
    const admitted = racers.map((p) => JSON.parse(p.lines[1] ?? '[]') as string[]);
    expect(admitted[0]!.length + admitted[1]!.length).toBe(Math.floor(B / r));

    const ledger = openSqliteLedger(db);
    try {
      const [edge] = await ledger.usage([{ budget: 'edge', bucket: '*', window: 'hour', windowStart: hour }]);
      expect(edge).toMatchObject({ committedMicros: Math.floor(B / r) * r, reservedMicros: 0 });
      expect(edge!.committedMicros).toBeLessThanOrEqual(B);
    } finally {
      await ledger.close();
    }
  });
});
