// Tables of the embedded ledger and the pragmas it runs under. Buckets get a surrogate integer id so a
// reservation names its buckets in one column and settle updates them with one statement.
import type Database from 'better-sqlite3';

/** Bumped when the tables change; a database written by a newer version is refused rather than misread. */
export const SCHEMA_VERSION = 1;

export interface PragmaOptions {
  /** How long a writer waits for another process's transaction before failing. */
  readonly busyTimeoutMs?: number;
}

const TABLES = `
CREATE TABLE IF NOT EXISTS buckets (
  id INTEGER PRIMARY KEY,
  budget TEXT NOT NULL,
  bucket TEXT NOT NULL,
  win TEXT NOT NULL CHECK (win IN ('hour', 'day', 'week', 'month')),
  window_start INTEGER NOT NULL,
  window_end INTEGER NOT NULL,
  limit_micros INTEGER NOT NULL,
  committed INTEGER NOT NULL DEFAULT 0,
  reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  -- Last time a reservation moved money here: a bucket is kept while a remembered reservation may still name it.
  touched INTEGER NOT NULL,
  UNIQUE (budget, bucket, win, window_start)
);
CREATE INDEX IF NOT EXISTS buckets_by_end ON buckets (window_end);

CREATE TABLE IF NOT EXISTS reservations (
  id TEXT PRIMARY KEY,
  amount INTEGER NOT NULL,
  created INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'settled', 'released', 'expired')),
  actual INTEGER,
  finished INTEGER,
  -- ids of the charged buckets, comma-separated in charge order: one row per reservation, one page written.
  bucket_ids TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS reservations_open ON reservations (expires) WHERE state = 'open';
CREATE INDEX IF NOT EXISTS reservations_finished ON reservations (finished) WHERE state <> 'open';

CREATE TABLE IF NOT EXISTS thresholds (
  budget TEXT NOT NULL,
  bucket TEXT NOT NULL,
  win TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  window_end INTEGER NOT NULL,
  at_percent REAL NOT NULL,
  PRIMARY KEY (budget, bucket, win, window_start, at_percent)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rate_buckets (
  key TEXT PRIMARY KEY,
  tokens REAL NOT NULL,
  updated INTEGER NOT NULL,
  idle_until INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rate_buckets_idle ON rate_buckets (idle_until);
`;

/** Pragmas and tables; throws (an I/O or version problem, not a request's fault) when the file cannot serve. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

const isBusy = (err: unknown): boolean => err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('SQLITE_BUSY');

/**
 * Runs `step` again while SQLite answers SQLITE_BUSY, for up to `timeoutMs`. A connection that already reads and
 * then needs the write lock another process holds gets SQLITE_BUSY at once, without its busy handler (waiting
 * could deadlock): changing the journal mode does exactly that, so two processes opening one new file together
 * could fail on it however long `busy_timeout` is.
 */
function retryWhileBusy<T>(timeoutMs: number, step: () => T): T {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return step();
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
      // Opening a ledger is start-up work, off the request path: a short synchronous pause is fine here.
      Atomics.wait(PAUSE, 0, 0, 5);
    }
  }
}

export function prepareDatabase(db: Database.Database, options: PragmaOptions = {}): void {
  const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5_000));
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  // Smaller pages than the default 4 KiB: every commit rewrites whole pages into the WAL, and a request's
  // commits touch a handful of pages holding a few small rows each (measured: ~20% less time per request).
  // Only takes effect on a new, empty file.
  db.pragma('page_size = 2048');
  if (db.name !== ':memory:' && db.name !== '') {
    const mode: unknown = retryWhileBusy(busyTimeoutMs, () => db.pragma('journal_mode = WAL', { simple: true }));
    if (mode !== 'wal') throw new Error(`cannot use write-ahead logging on \`${db.name}\` (journal mode \`${String(mode)}\`)`);
  }
  // Commits append to the WAL without waiting for the disk; what must survive a power cut (acknowledged
  // settlements) is flushed by the ledger off the event loop (sqlite-wal.ts). NORMAL is safe from corruption in WAL mode.
  db.pragma('synchronous = NORMAL');
  // Checkpoints run from a timer (sqlite-wal.ts), not inside a request's commit; this is only a backstop.
  db.pragma('wal_autocheckpoint = 10000');
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version > SCHEMA_VERSION) {
    throw new Error(`ledger \`${db.name}\` was written by a newer switchyard (schema ${version}, this one reads ${SCHEMA_VERSION})`);
  }
  // IMMEDIATE: two processes opening a new file at once must not both try to create the tables.
  db.transaction(() => {
    db.exec(TABLES);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
