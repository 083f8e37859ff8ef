// Keeps an SQLite WAL file durable and short without blocking the event loop on the request path:
// - `flush()` resolves once everything committed so far is on stable storage: one fdatasync of the WAL file in
//   libuv's thread pool, shared by every caller that arrives while it runs (group commit). This is what
//   `synchronous = FULL` does inside each commit, minus the blocked event loop.
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
}

const isFile = (db: Database.Database): boolean => db.name !== ':memory:' && db.name !== '';

export function keepWal(db: Database.Database, options: WalKeeperOptions): WalKeeper {
  if (!isFile(db)) return { flush: () => Promise.resolve(), close: () => Promise.resolve() };
  // The WAL file is never deleted or replaced while this connection is open, so one descriptor serves for good.
  const fd = options.durable ? openSync(`${db.name}-wal`, 'r') : -1;
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;

  const start = (): Promise<void> => {
    const p: Promise<void> = new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve()))).finally(() => {
      if (running === p) running = undefined;
    });
    running = p;
    return p;
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
      if (!running) return start();
      // The running fdatasync may have begun before the caller's commit was written: wait for the next one.
      next ??= running
        .catch(() => undefined)
        .then(() => {
          next = undefined;
          return start();
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
