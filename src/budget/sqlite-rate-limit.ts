// Token buckets in the embedded ledger's SQLite file (table `rate_buckets`), each take in the group
// transaction of its turn (sqlite-file.ts, the ledger's own connection) so processes sharing the file cannot
// both spend the last token. Buckets live in the file's write-back mirror: a take is arithmetic in memory, and
// each bucket the turn changed is written once before its commit. Tokens lost to a power cut are harmless:
// takes never wait for the commit.
import { assertTake, takeTokens, type RateLimiter, type TakeResult, type TokenBucketState } from './rate-limit.js';
import { openSqliteFile, type SqliteFile, type SqliteFileOptions } from './sqlite-file.js';

/** Every this many takes, rows of buckets that have refilled completely are dropped (a missing row is a full bucket). */
const PRUNE_EVERY = 1_024;

/** A bucket as the mirror holds it: `state` undefined is a bucket with no row (full). */
interface Mirrored {
  state: TokenBucketState | undefined;
  idleUntil: number;
  dirty: boolean;
}

type Take = (key: string, capacity: number, refillPerSecond: number, cost: number, now: number) => TakeResult;

/** One per file, shared by every limiter opened on it in this process (one mirror per file). */
const takers = new WeakMap<SqliteFile, Take>();

export function openSqliteRateLimiter(path: string, options: SqliteFileOptions = {}): RateLimiter {
  const file = openSqliteFile(path, options);
  let take = takers.get(file);
  if (take === undefined) {
    take = createTake(file);
    takers.set(file, take);
  }
  const takeInTurn = take;
  return {
    kind: 'sqlite',
    async take(key, spec, cost, now) {
      assertTake(spec, cost, now);
      return file.inBatch(takeInTurn, key, spec.capacity, spec.refillPerSecond, cost, now).result;
    },
    async close() {
      await file.release();
    },
  };
}

function createTake(file: SqliteFile): Take {
  const db = file.db;

  const st = {
    get: db.prepare<[string], TokenBucketState>('SELECT tokens, updated FROM rate_buckets WHERE key = ?'),
    put: db.prepare<[string, number, number, number]>(
      `INSERT INTO rate_buckets (key, tokens, updated, idle_until) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated = excluded.updated, idle_until = excluded.idle_until`,
    ),
    prune: db.prepare<[number]>('DELETE FROM rate_buckets WHERE idle_until <= ?'),
  };

  const buckets = new Map<string, Mirrored>();
  let dirty: string[] = [];
  const writeBack = (): void => {
    for (const key of dirty) {
      const m = buckets.get(key);
      if (m?.state !== undefined) st.put.run(key, m.state.tokens, m.state.updated, m.idleUntil);
    }
    for (const key of dirty) {
      const m = buckets.get(key);
      if (m !== undefined) m.dirty = false;
    }
    dirty = [];
  };
  file.mirror({
    flush: writeBack,
    invalidate() {
      buckets.clear();
      dirty = [];
    },
  });

  let takes = 0;
  return (key, capacity, refillPerSecond, cost, now) => {
    let m = buckets.get(key);
    if (m === undefined) {
      m = { state: st.get.get(key), idleUntil: 0, dirty: false };
      buckets.set(key, m);
    }
    const outcome = takeTokens(m.state, { capacity, refillPerSecond }, cost, now);
    if (outcome.next) {
      m.state = outcome.next;
      m.idleUntil = Math.ceil(outcome.fullAt);
      if (!m.dirty) {
        m.dirty = true;
        dirty.push(key);
      }
    }
    if (++takes % PRUNE_EVERY === 0) {
      // Rows of full buckets go; so does the mirror, which holds every key seen since the last prune.
      writeBack();
      st.prune.run(now);
      buckets.clear();
    }
    return outcome.result;
  };
}
