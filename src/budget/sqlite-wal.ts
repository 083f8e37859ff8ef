// Keeps an SQLite WAL file durable and short without blocking the event loop on the request path:
// - `flush()` resolves once everything committed so far is on stable storage: one fdatasync of the WAL file in
//   libuv's thread pool, shared by every caller that arrives before it starts (group commit). This is what
//   `synchronous = FULL` does inside each commit, minus the blocked event loop. Flushes start at least
//   `flushMs` apart: each one costs the host's CPU (the file system's journal commit) about the same for one
//   settlement as for a hundred, and the thread pool shares the proxy's cores.
// - checkpoints (copying the WAL into the database file) run from a timer between requests, not inside a commit.
import { close, fdatasync, openSync } from 'node:fs';
import type Database from 'better-sqlite3';

export interface WalKeeper {
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface WalKeeperOptions {
  /** Flush for real (false: `flush()` resolves at once; a killed process still loses nothing committed). */
  readonly durable: boolean;
  readonly checkpointEveryMs: number;
  /** Least time between the starts of two flushes; a caller in between waits for the next one. */
  readonly flushMs: number;
}

/**
 * At most a hundred `fdatasync`s a second. A settlement is committed (safe from a killed process) before the
 * client's answer goes out either way; this only bounds how late it is on stable storage after a power cut.
 */
export const DEFAULT_FLUSH_MS = 10;

const isFile = (db: Database.Database): boolean => db.name !== ':memory:' && db.name !== '';

export function keepWal(db: Database.Database, options: WalKeeperOptions): WalKeeper {
  if (!isFile(db)) return { flush: () => Promise.resolve(), close: () => Promise.resolve() };
  // The WAL file is never deleted or replaced while this connection is open, so one descriptor serves for good.
  const fd = options.durable ? openSync(`${db.name}-wal`, 'r') : -1;
  // `running`: the fdatasync under way. `next`: the flush not yet started, which every caller joins (its commit
  // was written before that flush begins).
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  let lastStart = Number.NEGATIVE_INFINITY;

  const sync = (): Promise<void> => {
    lastStart = performance.now();
    const p: Promise<void> = new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve()))).finally(() => {
      if (running === p) running = undefined;
    });
    running = p;
    return p;
  };
  const gapLeft = (): number => lastStart + options.flushMs - performance.now();
  const afterGap = (): Promise<void> => {
    const wait = gapLeft();
    return wait > 0 ? new Promise<void>((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
  };

  const timer = setInterval(() => {
    // PASSIVE never waits for other connections; a checkpoint that cannot finish now is completed by the next.
    // A failing disk is reported by the next commit, where a caller can see it, not by crashing from a timer.
    try {
      if (db.open && !db.inTransaction) db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      return;
    }
  }, options.checkpointEveryMs);
  timer.unref();

  return {
    flush() {
      if (fd < 0) return Promise.resolve();
      if (next) return next;
      if (!running && gapLeft() <= 0) return sync();
      // The running fdatasync may have begun before the caller's commit was written: wait for the next one.
      next = (running ?? Promise.resolve())
        .catch(() => undefined)
        .then(afterGap)
        .then(() => {
          next = undefined;
          return sync();
        });
      return next;
    },
    async close() {
      clearInterval(timer);
      await Promise.allSettled([running, next]);
      if (fd >= 0) await new Promise<void>((resolve) => close(fd, () => resolve()));
    },
  };
}
