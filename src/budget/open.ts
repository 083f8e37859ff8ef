// `--ledger <url>`: `sqlite:./switchyard.db` (relative to the working directory), `sqlite:///var/lib/x.db`,
// `sqlite::memory:`, optionally `?synchronous=normal`, `hold_ms=N` and `flush_ms=N` (sqlite-file.ts); `redis://[:password@]host:port[/db][?namespace=name]`.
// Opening problems are results (the CLI reports them and exits 2), not exceptions.
import { isAbsolute, resolve } from 'node:path';
import type { Ledger } from './ledger.js';
import type { RateLimiter } from './rate-limit.js';
import type { SqliteFileOptions } from './sqlite-file.js';
import type { SqliteLedgerOptions } from './sqlite-ledger.js';
import { maskUserinfo } from '../telemetry/redact.js';

type Synchronous = NonNullable<SqliteLedgerOptions['synchronous']>;

export type Opened<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export interface OpenOptions {
  /** Base of relative SQLite paths; default the process's working directory. */
  readonly cwd?: string;
}

type SqliteTarget = { readonly kind: 'sqlite'; readonly path: string; readonly synchronous?: Synchronous; readonly holdMs?: number; readonly flushMs?: number };
type Target = SqliteTarget | { readonly kind: 'redis'; readonly url: string };

/** Longest `hold_ms`: other processes' writers wait up to this on the lock. */
export const MAX_HOLD_MS = 100;
/** Longest `flush_ms`: settlements wait up to this for their flush. */
export const MAX_FLUSH_MS = 1_000;

const USAGE = 'use `sqlite:<path>`, `sqlite::memory:` or `redis://host:port`';

/** Parses a ledger URL without opening anything. */
export function parseLedgerUrl(url: string, options: OpenOptions = {}): Opened<Target> {
  if (/^rediss?:\/\//.test(url)) return { ok: true, value: { kind: 'redis', url } };
  if (!url.startsWith('sqlite:')) return { ok: false, error: `unsupported ledger \`${url}\`: ${USAGE}` };
  const [rest = '', query] = splitOnce(url.slice('sqlite:'.length), '?');
  let synchronous: Synchronous | undefined;
  let holdMs: number | undefined;
  let flushMs: number | undefined;
  const millis = (value: string | undefined, max: number): number | undefined =>
    value !== undefined && /^\d+$/.test(value) && Number(value) <= max ? Number(value) : undefined;
  for (const pair of query ? query.split('&') : []) {
    const [name, value] = splitOnce(pair, '=');
    if (name === 'synchronous' && (value === 'full' || value === 'normal')) synchronous = value;
    else if (name === 'hold_ms' || name === 'flush_ms') {
      const max = name === 'hold_ms' ? MAX_HOLD_MS : MAX_FLUSH_MS;
      const ms = millis(value, max);
      if (ms === undefined) return { ok: false, error: `ledger option \`${pair}\` in \`${url}\`: \`${name}\` is whole milliseconds from 0 to ${max}` };
      if (name === 'hold_ms') holdMs = ms;
      else flushMs = ms;
    } else return { ok: false, error: `unknown ledger option \`${pair}\` in \`${url}\`: use \`synchronous=full|normal\`, \`hold_ms=N\` or \`flush_ms=N\`` };
  }
  // `sqlite:///abs/file.db` is the URL spelling of an absolute path; `sqlite:/abs/file.db` means the same.
  const path = rest.startsWith('//') ? rest.slice(2) : rest;
  if (path === '') return { ok: false, error: `ledger \`${url}\` names no file: ${USAGE}` };
  const resolved = path === ':memory:' || isAbsolute(path) ? path : resolve(options.cwd ?? process.cwd(), path);
  return { ok: true, value: { kind: 'sqlite', path: resolved, ...(synchronous ? { synchronous } : {}), ...(holdMs !== undefined ? { holdMs } : {}), ...(flushMs !== undefined ? { flushMs } : {}) } };
}

/** The options of the file the ledger and the rate limiter share (its first opener's values hold), passed alike by both. */
const fileOptions = (t: SqliteTarget): SqliteFileOptions => ({
  ...(t.holdMs !== undefined ? { holdMs: t.holdMs } : {}),
  ...(t.flushMs !== undefined ? { flushMs: t.flushMs } : {}),
});

const sqliteOptions = (t: SqliteTarget): SqliteLedgerOptions => ({ ...fileOptions(t), ...(t.synchronous ? { synchronous: t.synchronous } : {}) });

export async function openLedger(url: string, options: OpenOptions = {}): Promise<Opened<Ledger>> {
  const target = parseLedgerUrl(url, options);
  if (!target.ok) return target;
  const t = target.value;
  switch (t.kind) {
    case 'sqlite':
      return attempt(url, async () => {
        // Loaded on demand so that commands without a ledger never load the native driver.
        const { openSqliteLedger } = await import('./sqlite-ledger.js');
        return openSqliteLedger(t.path, sqliteOptions(t));
      });
    case 'redis':
      return attempt(url, async () => {
        const { openRedisLedger } = await import('./redis-ledger.js');
        return openRedisLedger(t.url);
      });
    default:
      return assertNever(t);
  }
}

/** Rate limits live next to the ledger: the same URL opens the matching backend. */
export async function openRateLimiter(url: string, options: OpenOptions = {}): Promise<Opened<RateLimiter>> {
  const target = parseLedgerUrl(url, options);
  if (!target.ok) return target;
  const t = target.value;
  switch (t.kind) {
    case 'sqlite':
      return attempt(url, async () => {
        const { openSqliteRateLimiter } = await import('./sqlite-rate-limit.js');
        return openSqliteRateLimiter(t.path, fileOptions(t));
      });
    case 'redis':
      return attempt(url, async () => {
        const { openRedisRateLimiter } = await import('./redis-rate-limit.js');
        return openRedisRateLimiter(t.url);
      });
    default:
      return assertNever(t);
  }
}

async function attempt<T>(url: string, open: () => Promise<T>): Promise<Opened<T>> {
  try {
    return { ok: true, value: await open() };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { ok: false, error: `cannot open ledger \`${redact(url)}\`: ${lowerFirst(reason ?? 'unknown error')}` };
  }
}

/** A Redis URL may carry a password (`redis://:secret@host`); it never reaches a message. */
export const redact = maskUserinfo;

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + sep.length)];
}

function assertNever(x: never): never {
  throw new Error(`unexpected ledger target ${JSON.stringify(x)}`);
}
