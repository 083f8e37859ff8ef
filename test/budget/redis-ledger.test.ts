// The Redis ledger against the shared conformance suite, on a real redis-server (appendfsync always). Every
// `open` gets its own namespace on the one server (a fresh, empty store); `reopen` is another connection on the
// same namespace, as another proxy process (or a restarted one) would open it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Ledger } from '../../src/budget/ledger.js';
import { openLedger, openRateLimiter } from '../../src/budget/open.js';
import { openRedisLedger } from '../../src/budget/redis-ledger.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { charge, keyOf, ledgerConformance, T0 } from './ledger-conformance.js';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server?.stop());

let namespaces = 0;
const namespaceOf = new WeakMap<Ledger, string>();

ledgerConformance(
  'redis',
  async () => {
    const namespace = `conformance-${namespaces++}`;
    const ledger = await openRedisLedger(server.url, { namespace });
    namespaceOf.set(ledger, namespace);
    return ledger;
  },
  {
    reopen: async (ledger, now) => {
      const namespace = namespaceOf.get(ledger);
      if (!namespace) throw new Error('reopen of a ledger this test did not open');
      return openRedisLedger(server.url, { namespace, clock: () => now });
    },
  },
);

describe('redis ledger keys', () => {
  it('keeps namespaces apart on one server', async () => {
    const a = await openRedisLedger(server.url, { namespace: 'apart-a' });
    const b = await openRedisLedger(server.url, { namespace: 'apart-b' });
    try {
      const team = charge('team', 1_000);
      expect(await a.reserve({ id: 'r1', charges: [team], amountMicros: 1_000, ttlMs: 1_000, now: T0 })).toEqual({ ok: true });
      expect(await b.reserve({ id: 'r1', charges: [team], amountMicros: 1_000, ttlMs: 1_000, now: T0 })).toEqual({ ok: true });
      expect(await b.settle('r1', 10, T0)).toMatchObject({ ok: true, buckets: [{ committedMicros: 10, reservedMicros: 0 }] });
      expect(await a.usage([team])).toEqual([{ ...keyOf(team), committedMicros: 0, reservedMicros: 1_000 }]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps names with separators, braces and non-ASCII characters apart and intact', async () => {
    const ledger = await openRedisLedger(server.url, { namespace: 'names' });
    try {
      const odd = [
        charge('a:b', 100, T0, { bucket: 'c' }),
        charge('a', 100, T0, { bucket: 'b:c' }),
        charge('{tag}', 100, T0, { bucket: 'é\n*' }),
      ];
      expect(await ledger.reserve({ id: 'odd', charges: odd, amountMicros: 60, ttlMs: 1_000, now: T0 })).toEqual({ ok: true });
      const settled = await ledger.settle('odd', 50, T0);
      expect(settled).toEqual({ ok: true, buckets: odd.map((c) => ({ ...keyOf(c), committedMicros: 50, reservedMicros: 0, limitMicros: 100 })) });
      const listed = await ledger.listCurrent(T0);
      expect(listed.map(keyOf).sort((x, y) => x.budget.localeCompare(y.budget) || x.bucket.localeCompare(y.bucket))).toEqual(
        odd.map(keyOf).sort((x, y) => x.budget.localeCompare(y.budget) || x.bucket.localeCompare(y.bucket)),
      );
    } finally {
      await ledger.close();
    }
  });

  it('puts every key of a ledger under its namespace hash tag and gives window keys an expiry', async () => {
    const ledger = await openRedisLedger(server.url, { namespace: 'tagged', retainWindowsMs: 3_600_000, retainFinishedMs: 1_800_000 });
    const redis = new Redis(server.url);
    try {
      const hourly = charge('hourly', 1_000, T0);
      await ledger.reserve({ id: 'r1', charges: [hourly], amountMicros: 100, ttlMs: 1_000, now: T0 });
      await ledger.settle('r1', 100, T0);
      await ledger.markThreshold(keyOf(hourly), 80);
      const found = await redis.keys('*tagged*');
      expect(found.length).toBeGreaterThanOrEqual(4);
      for (const key of found) expect(key.startsWith('{tagged}:')).toBe(true);
      const bucketKey = found.find((k) => k.includes(':bucket:'));
      if (!bucketKey) throw new Error('no bucket key');
      // The window ends 30 minutes after T0; the grace adds an hour: the key lives 90 minutes past the last write.
      const ttl = await redis.pttl(bucketKey);
      expect(ttl).toBeGreaterThan(89 * 60_000);
      expect(ttl).toBeLessThanOrEqual(90 * 60_000);
      // The finished reservation is the exactly-once marker, remembered for `retainFinishedMs`.
      const reservationTtl = await redis.pttl('{tagged}:res:r1');
      expect(reservationTtl).toBeGreaterThan(29 * 60_000);
      expect(reservationTtl).toBeLessThanOrEqual(30 * 60_000);
    } finally {
      redis.disconnect();
      await ledger.close();
    }
  });

  it('refuses a namespace that would break the hash tag', async () => {
    await expect(openRedisLedger(server.url, { namespace: 'a}b' })).rejects.toThrow(/namespace/);
  });

  it('loads its scripts again after the server forgot them', async () => {
    const ledger = await openRedisLedger(server.url, { namespace: 'flushed' });
    const redis = new Redis(server.url);
    try {
      await redis.script('FLUSH');
      expect(await ledger.reserve({ id: 'r1', charges: [charge('team', 100)], amountMicros: 10, ttlMs: 1_000, now: T0 })).toEqual({ ok: true });
      expect(await ledger.settle('r1', 5, T0)).toMatchObject({ ok: true });
    } finally {
      redis.disconnect();
      await ledger.close();
    }
  });
});

describe('redis ledger connection', () => {
  it('fails while the server is down, then carries on when it is back, with every settlement it acknowledged', async () => {
    const first = await startRedisServer();
    const ledger = await openRedisLedger(first.url, { namespace: 'restart' });
    let restarted: RedisServer | undefined;
    try {
      const team = charge('team', 10_000);
      expect(await ledger.reserve({ id: 'before', charges: [team], amountMicros: 100, ttlMs: 60_000, now: T0 })).toEqual({ ok: true });
      expect(await ledger.settle('before', 70, T0)).toMatchObject({ ok: true });
      await first.kill();
      // A transport failure is an exception, promptly: no answer is made up and nothing waits forever.
      await expect(ledger.reserve({ id: 'during', charges: [team], amountMicros: 100, ttlMs: 60_000, now: T0 })).rejects.toThrow();
      restarted = await startRedisServer({ dir: first.dir, port: first.port });
      await expect
        .poll(() => ledger.usage([team]).then((u) => u[0]?.committedMicros, () => undefined), { timeout: 10_000, interval: 50 })
        .toBe(70);
      expect(await ledger.settle('before', 70, T0)).toEqual({ ok: false, reason: 'already-settled' });
      expect(await ledger.reserve({ id: 'after', charges: [team], amountMicros: 100, ttlMs: 60_000, now: T0 })).toEqual({ ok: true });
    } finally {
      await ledger.close();
      await restarted?.stop();
      await first.stop();
    }
  });
});

describe('redis ledger urls', () => {
  it('opens the ledger and rate limiter of a `--ledger` url, the namespace taken from its query', async () => {
    const ledger = await openLedger(`${server.url}/0?namespace=via-url`);
    const limiter = await openRateLimiter(`${server.url}/0?namespace=via-url`);
    if (!ledger.ok) throw new Error(ledger.error);
    if (!limiter.ok) throw new Error(limiter.error);
    const redis = new Redis(server.url);
    try {
      expect([ledger.value.kind, limiter.value.kind]).toEqual(['redis', 'redis']);
      await ledger.value.reserve({ id: 'u1', charges: [charge('team', 100)], amountMicros: 10, ttlMs: 1_000, now: T0 });
      expect(await limiter.value.take('team-a', { capacity: 1, refillPerSecond: 1 }, 1, T0)).toEqual({ ok: true });
      expect(await redis.exists('{via-url}:res:u1', 'via-url:rate:{team-a}')).toBe(2);
    } finally {
      redis.disconnect();
      await ledger.value.close();
      await limiter.value.close();
    }
  });

  it('reports an unreachable server in one line, without the password', async () => {
    const opened = await openLedger('redis://:hunter2@127.0.0.1:1');
    expect(opened).toEqual({ ok: false, error: 'cannot open ledger `redis://***@127.0.0.1:1`: connect ECONNREFUSED 127.0.0.1:1' });
    const limiter = await openRateLimiter('redis://:hunter2@127.0.0.1:1/0?namespace=x');
    expect(limiter).toMatchObject({ ok: false, error: expect.stringMatching(/^cannot open ledger `redis:\/\/\*\*\*@127\.0\.0\.1:1\/0\?namespace=x`: connect ECONNREFUSED/) });
  });
});
