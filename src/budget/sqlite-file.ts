// One connection per ledger file per process, shared by the ledger and the rate limiter, with group commit:
// writes share one IMMEDIATE transaction, committed at the end of the turn (setImmediate) when a caller waits
// on the commit (a settlement), else held open up to `holdMs` for later turns' writes to join (a reservation,
// a rate-limit take: nobody waits on those; never while another connection writes to the file). A commit
// costs the same for one write as for thirty, and under load a turn carries many. The write lock is held from
// the first write to the commit, so no other process interleaves with a check-then-update; and since every
// writer of this process goes through this one connection, none of them can wait on a lock its own event loop
// holds.
//
// Write-back mirrors: the ledger and the rate limiter keep the rows they use (bucket totals, token buckets) in
// memory and write each changed row once, just before the turn's COMMIT (their `flush`), instead of once per
// request. A mirror is only as good as the database it mirrors, so `invalidate` listeners drop it whenever that
// may have changed under it: when another connection committed since this one last looked (`PRAGMA
// data_version`, read once the turn holds the write lock, and before a read outside a turn), and when a turn
// is rolled back.
import { resolve as resolvePath } from 'node:path';
import Database from 'better-sqlite3';
import { prepareDatabase, type PragmaOptions } from './sqlite-schema.js';
import { DEFAULT_FLUSH_MS, keepWal, type WalKeeper } from './sqlite-wal.js';

export interface SqliteFileOptions extends PragmaOptions {
  /** Interval of WAL checkpoints, run between requests (the first opener's value holds). */
  readonly checkpointEveryMs?: number;
  /**
   * How long a group transaction nobody waits on may stay open for later turns' writes to join it (the first
   * opener's value holds; default `DEFAULT_HOLD_MS`, 0 commits at the end of every turn that wrote). See
   * `committed()`: a caller that waits for a commit gets it at the end of its turn whatever this says.
   */
  readonly holdMs?: number;
  /**
   * Least milliseconds between two flushes of the log to stable storage (`fdatasync`), which settlements of
   * `synchronous: 'full'` wait for (the first opener's value holds; default `DEFAULT_FLUSH_MS`; 0 starts the next
   * as soon as the last one ends).
   */
  readonly flushMs?: number;
}

/**
 * A request reserves in one turn and settles in a later one, and only the settlement is waited on. Held this
 * long, the reservations of the turns between join the next settlement's commit: at moderate load a request
 * then costs about one transaction instead of two. Other processes' writers wait on the lock (busy_timeout)
 * at most this much longer; their readers are never blocked (WAL).
 */
export const DEFAULT_HOLD_MS = 2;

/**
 * Holding stops while another connection writes to the file: its writers would wait on our lock, blocking
 * their event loop, once per hold. After this long without seeing another connection's commit it resumes.
 */
export const SHARED_QUIET_MS = 1_000;

export interface SqliteFile {
  readonly db: Database.Database;
  /**
   * Runs `write` in the open group transaction, opening it if needed. Pass a `db.transaction` for a write of
   * several statements, so a throw undoes only its own (a savepoint); a single statement needs none. `done`
   * settles with the commit, which may be up to `holdMs` later: to have it at the end of this turn, wait on
   * `committed()` instead.
   */
  inBatch<A extends unknown[], R>(write: (...args: A) => R, ...args: A): { readonly result: R; readonly done: Promise<void> };
  /** True while this process holds the write lock in a group transaction (mirrors are current then). */
  inTurn(): boolean;
  /**
   * Outside a turn, checks whether another connection committed since this one last looked, and if so
   * invalidates the mirrors (a read from a mirror calls this first). Inside a turn this was checked at its start.
   */
  refresh(): void;
  /**
   * `flush` runs inside every turn's transaction just before its COMMIT; `invalidate` whenever the mirrors may be
   * stale. For the life of the connection: a mirror is one per file, shared by everything opened on it.
   */
  mirror(hooks: MirrorHooks): void;
  /**
   * Resolves once every write made so far is committed (rejects if that commit failed), and has the open group
   * transaction committed at the end of this turn rather than held.
   */
  committed(): Promise<void>;
  /** Commits the open group transaction now (before reads that must not wait, and on close). */
  commitNow(): void;
  /** Group transactions this connection has committed so far (for diagnostics and tests). */
  commits(): number;
  /** Resolves once everything committed so far is on stable storage (an fdatasync shared by concurrent callers). */
  flush(): Promise<void>;
  /** Drops this opener's hold; the last one commits, stops the WAL keeper and closes the connection. */
  release(): Promise<void>;
}

export interface MirrorHooks {
  /** Writes the rows changed in this turn; a throw rolls the whole turn back. */
  readonly flush: () => void;
  /** Drops everything mirrored: the next use reloads from the database. */
  readonly invalidate: () => void;
}

interface Batch {
  readonly done: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

interface Shared {
  readonly file: SqliteFile;
  holders: number;
}

const open = new Map<string, Shared>();

const isMemory = (path: string): boolean => path === ':memory:' || path === '';

/** Opens `path` (or joins this process's connection to it); `:memory:` is always a private database. */
export function openSqliteFile(path: string, options: SqliteFileOptions = {}): SqliteFile {
  const key = isMemory(path) ? undefined : resolvePath(path);
  const existing = key === undefined ? undefined : open.get(key);
  if (existing !== undefined) {
    existing.holders += 1;
    return existing.file;
  }
  const db = new Database(path);
  try {
    prepareDatabase(db, options);
  } catch (err) {
    db.close();
    throw err;
  }
  const wal = keepWal(db, { durable: true, checkpointEveryMs: options.checkpointEveryMs ?? 1_000, flushMs: Math.max(0, options.flushMs ?? DEFAULT_FLUSH_MS) });
  const holdMs = Math.max(0, options.holdMs ?? DEFAULT_HOLD_MS);
  const shared: Shared = { file: groupCommit(db, wal, holdMs, () => release()), holders: 1 };
  if (key !== undefined) open.set(key, shared);
  async function release(): Promise<void> {
    shared.holders -= 1;
    if (shared.holders > 0) return;
    if (key !== undefined && open.get(key) === shared) open.delete(key);
    shared.file.commitNow();
    await wal.close();
    if (db.open) db.close();
  }
  return shared.file;
}

function groupCommit(db: Database.Database, wal: WalKeeper, holdMs: number, release: () => Promise<void>): SqliteFile {
  let batch: Batch | undefined;
  // The open batch's commit: at the end of a turn (`soon`) when someone waits on it or holding is off, else
  // when the hold runs out.
  let soon: NodeJS.Immediate | undefined;
  let held: NodeJS.Timeout | undefined;
  const commitSoon = (): void => {
    soon ??= setImmediate(commitNow);
  };
  const mirrors: MirrorHooks[] = [];
  // Prepared once: `exec` would parse the statement again at every turn.
  const beginImmediate = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  let committedCount = 0;
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  let seenVersion = dataVersion.get();
  /** When a commit by another connection was last seen. */
  let sharedAt = -Infinity;
  const invalidate = (): void => {
    for (const m of mirrors) m.invalidate();
  };
  /** Another connection committed since we last looked: what the mirrors hold may be stale. */
  const checkVersion = (): void => {
    const version = dataVersion.get();
    if (version === seenVersion) return;
    seenVersion = version;
    sharedAt = Date.now();
    invalidate();
  };

  const commitNow = (): void => {
    if (soon !== undefined) clearImmediate(soon);
    if (held !== undefined) clearTimeout(held);
    soon = undefined;
    held = undefined;
    const b = batch;
    if (b === undefined) return;
    batch = undefined;
    try {
      for (const m of mirrors) m.flush();
      commit.run();
      committedCount += 1;
      b.resolve();
    } catch (err) {
      // Nothing of the turn was kept: its settles reject (their callers log it), as a failing commit of their own
      // would; the mirrors hold the turn's changes, so they go too.
      if (db.inTransaction) rollback.run();
      invalidate();
      b.reject(err);
    }
  };

  const begin = (): Batch => {
    beginImmediate.run();
    try {
      checkVersion();
    } catch (err) {
      rollback.run();
      throw err;
    }
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A reservation's caller never waits for the commit; a failed one is reported by the settles that do.
    done.catch(() => undefined);
    if (holdMs > 0 && Date.now() - sharedAt >= SHARED_QUIET_MS) held = setTimeout(commitNow, holdMs);
    else commitSoon();
    return { done, resolve, reject };
  };

  return {
    db,
    inBatch(write, ...args) {
      if (!db.open) throw new TypeError('the ledger database connection is not open');
      batch ??= begin();
      const done = batch.done;
      return { result: write(...args), done };
    },
    inTurn: () => batch !== undefined,
    refresh() {
      if (batch === undefined) checkVersion();
    },
    mirror(hooks) {
      mirrors.push(hooks);
    },
    committed() {
      if (batch === undefined) return Promise.resolve();
      commitSoon();
      return batch.done;
    },
    commitNow,
    commits: () => committedCount,
    flush: () => wal.flush(),
    release,
  };
}
