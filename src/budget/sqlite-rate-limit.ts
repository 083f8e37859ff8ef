// Token buckets in the embedded ledger's SQLite file (table `rate_buckets`), each take in the group
// transaction of its turn (sqlite-file.ts, the ledger's own connection) so processes sharing the file cannot
// both spend the last token. Tokens lost to a power cut are harmless: takes never wait for the commit.
import { assertTake, takeTokens, type RateLimiter, type TokenBucketState } from './rate-limit.js';
import { openSqliteFile } from './sqlite-file.js';
import type { PragmaOptions } from './sqlite-schema.js';

/** Every this many takes, rows of buckets that have refilled completely are dropped (a missing row is a full bucket). */
const PRUNE_EVERY = 1_024;

export function openSqliteRateLimiter(path: string, options: PragmaOptions = {}): RateLimiter {
  const file = openSqliteFile(path, options);
  const db = file.db;

  const st = {
    get: db.prepare<[string], TokenBucketState>('SELECT tokens, updated FROM rate_buckets WHERE key = ?'),
    put: db.prepare<[string, number, number, number]>(
      `INSERT INTO rate_buckets (key, tokens, updated, idle_until) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated = excluded.updated, idle_until = excluded.idle_until`,
    ),
    prune: db.prepare<[number]>('DELETE FROM rate_buckets WHERE idle_until <= ?'),
  };

  let takes = 0;
  const takeTx = db.transaction((key: string, capacity: number, refillPerSecond: number, cost: number, now: number) => {
    const outcome = takeTokens(st.get.get(key), { capacity, refillPerSecond }, cost, now);
    if (outcome.next) st.put.run(key, outcome.next.tokens, outcome.next.updated, Math.ceil(outcome.fullAt));
    if (++takes % PRUNE_EVERY === 0) st.prune.run(now);
    return outcome.result;
  });

  return {
    kind: 'sqlite',
    async take(key, spec, cost, now) {
      assertTake(spec, cost, now);
      return file.inBatch(takeTx, key, spec.capacity, spec.refillPerSecond, cost, now).result;
    },
    async close() {
      await file.release();
    },
  };
}
