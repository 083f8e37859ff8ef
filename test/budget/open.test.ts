// Ledger URLs: what each spelling opens, and the one-line errors for the ones that cannot be opened.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLedger, openRateLimiter, parseLedgerUrl, redact } from '../../src/budget/open.js';
import { charge, T0 } from './ledger-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseLedgerUrl', () => {
  it('reads relative, absolute and in-memory SQLite spellings', () => {
    expect(parseLedgerUrl('sqlite:./spend.db', { cwd: '/srv/app' })).toEqual({ ok: true, value: { kind: 'sqlite', path: '/srv/app/spend.db' } });
    expect(parseLedgerUrl('sqlite:data/spend.db', { cwd: '/srv' })).toEqual({ ok: true, value: { kind: 'sqlite', path: '/srv/data/spend.db' } });
    expect(parseLedgerUrl('sqlite:///var/lib/spend.db')).toEqual({ ok: true, value: { kind: 'sqlite', path: '/var/lib/spend.db' } });
    expect(parseLedgerUrl('sqlite:/var/lib/spend.db')).toEqual({ ok: true, value: { kind: 'sqlite', path: '/var/lib/spend.db' } });
    expect(parseLedgerUrl('sqlite::memory:')).toEqual({ ok: true, value: { kind: 'sqlite', path: ':memory:' } });
    expect(parseLedgerUrl('sqlite:/x.db?synchronous=normal')).toEqual({ ok: true, value: { kind: 'sqlite', path: '/x.db', synchronous: 'normal' } });
    expect(parseLedgerUrl('sqlite:/x.db?hold_ms=0&synchronous=normal')).toEqual({ ok: true, value: { kind: 'sqlite', path: '/x.db', synchronous: 'normal', holdMs: 0 } });
    expect(parseLedgerUrl('sqlite:/x.db?hold_ms=100')).toEqual({ ok: true, value: { kind: 'sqlite', path: '/x.db', holdMs: 100 } });
    expect(parseLedgerUrl('sqlite:/x.db?flush_ms=0&hold_ms=3')).toEqual({ ok: true, value: { kind: 'sqlite', path: '/x.db', holdMs: 3, flushMs: 0 } });
    expect(parseLedgerUrl('sqlite:/x.db?flush_ms=1000')).toEqual({ ok: true, value: { kind: 'sqlite', path: '/x.db', flushMs: 1000 } });
  });

  it('recognises Redis URLs', () => {
    expect(parseLedgerUrl('redis://127.0.0.1:6379/0')).toEqual({ ok: true, value: { kind: 'redis', url: 'redis://127.0.0.1:6379/0' } });
    expect(parseLedgerUrl('rediss://cache:6380')).toMatchObject({ ok: true, value: { kind: 'redis' } });
  });

  it('explains what is wrong in one line with the input quoted', () => {
    expect(parseLedgerUrl('postgres://db/spend')).toEqual({
      ok: false,
      error: 'unsupported ledger `postgres://db/spend`: use `sqlite:<path>`, `sqlite::memory:` or `redis://host:port`',
    });
    expect(parseLedgerUrl('sqlite:')).toMatchObject({ ok: false, error: expect.stringMatching(/^ledger `sqlite:` names no file/) });
    expect(parseLedgerUrl('sqlite:/x.db?synchronous=off')).toEqual({
      ok: false,
      error: 'unknown ledger option `synchronous=off` in `sqlite:/x.db?synchronous=off`: use `synchronous=full|normal`, `hold_ms=N` or `flush_ms=N`',
    });
    for (const bad of ['hold_ms=', 'hold_ms=-1', 'hold_ms=1.5', 'hold_ms=101', 'hold_ms=soon']) {
      expect(parseLedgerUrl(`sqlite:/x.db?${bad}`)).toEqual({
        ok: false,
        error: `ledger option \`${bad}\` in \`sqlite:/x.db?${bad}\`: \`hold_ms\` is whole milliseconds from 0 to 100`,
      });
    }
    for (const bad of ['flush_ms=', 'flush_ms=1001', 'flush_ms=2s']) {
      expect(parseLedgerUrl(`sqlite:/x.db?${bad}`)).toEqual({
        ok: false,
        error: `ledger option \`${bad}\` in \`sqlite:/x.db?${bad}\`: \`flush_ms\` is whole milliseconds from 0 to 1000`,
      });
    }
  });

  it('never shows a Redis password', () => {
    expect(redact('redis://:hunter2@cache:6379')).toBe('redis://***@cache:6379');
    expect(redact('redis://user:hunter2@cache:6379/1')).toBe('redis://***@cache:6379/1');
    expect(redact('redis://cache:6379')).toBe('redis://cache:6379');
  });
});

describe('openLedger', () => {
  it('opens a working SQLite ledger at a relative path, creating the file', async () => {
    const opened = await openLedger('sqlite:./nested-ok.db', { cwd: dir });
    if (!opened.ok) throw new Error(opened.error);
    expect(opened.value.kind).toBe('sqlite');
    expect(existsSync(join(dir, 'nested-ok.db'))).toBe(true);
    expect(await opened.value.reserve({ id: 'r1', charges: [charge('b', 10)], amountMicros: 10, ttlMs: 1_000, now: T0 })).toEqual({ ok: true });
    await opened.value.close();
  });

  it('opens an in-memory ledger', async () => {
    const opened = await openLedger('sqlite::memory:');
    expect(opened.ok && opened.value.kind).toBe('sqlite');
    if (opened.ok) await opened.value.close();
  });

  it('reports a file that cannot be created as a result, not an exception', async () => {
    const opened = await openLedger(`sqlite:${join(dir, 'missing', 'dir', 'x.db')}`);
    expect(opened).toMatchObject({ ok: false, error: expect.stringMatching(/^cannot open ledger `sqlite:\/.*x\.db`: /) });
    if (!opened.ok) expect(opened.error).not.toContain('\n');
  });

  it('opens the rate limiter of the same URL', async () => {
    const opened = await openRateLimiter('sqlite:./rate.db', { cwd: dir });
    if (!opened.ok) throw new Error(opened.error);
    const spec = { capacity: 1, refillPerSecond: 1 };
    expect(await opened.value.take('k', spec, 1, T0)).toEqual({ ok: true });
    expect(await opened.value.take('k', spec, 1, T0)).toEqual({ ok: false, retryAfterMs: 1_000 });
    await opened.value.close();
  });
});
