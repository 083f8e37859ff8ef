// The distributed ledger: every proxy process shares one Redis, and each phase is one Lua script (one round trip,
// atomic), so reservations racing from many processes cannot slip past a limit between check and update.
//
// Keys (namespace `switchyard` by default):
//   {switchyard}:bucket:<budget>:<bucket>:<window>:<windowStart>  hash c (committed), r (reserved), l (limit), e (window end)
//   {switchyard}:buckets     sorted set of bucket ids by window end (listCurrent, pruning)
//   {switchyard}:res:<id>    hash a (amount), s (open|settled|released|expired), x (deadline), b (bucket ids), v (actual)
//   {switchyard}:deadlines   sorted set of open reservation ids by deadline (expire)
//   {switchyard}:mark:<bucket id>:<percent>  threshold marks
// Names are URI-encoded so no budget or team name can forge a separator.
//
// Cluster: the braces make the namespace the hash tag, so all of a ledger's keys sit in one slot. That is what
// lets one script check and update every bucket of a request (they are arbitrary combinations of shared buckets)
// and lets settle find the buckets its reservation names. The price: one ledger is one shard's throughput;
// separate namespaces (per organisation, say) spread over a cluster.
//
// Expiry: bucket keys expire the grace (`retainWindowsMs`) after their window ends; finished reservations are
// kept `retainFinishedMs` as the exactly-once marker; open reservations never expire by themselves, only through
// `expire`, which releases what they held. TTLs are computed from the caller's `now`, so injected clocks work.
import type { Redis } from 'ioredis';
import { bucketUsage, chargedUsage, type BucketCharge, type BucketKey, type BucketUsage, type BudgetWindow, type Ledger, type ReserveRequest, type ReserveResult, type SettleResult } from './ledger.js';
import {
  closeRedis,
  connectRedis,
  CURRENT,
  EXPIRE,
  FINISH,
  replyArray,
  replyInt,
  replyString,
  RESERVE,
  resolveNamespace,
  runScript,
  USAGE,
  type RedisConnectOptions,
} from './redis-scripts.js';
import { windowEnd } from './window.js';

const DAY = 86_400_000;
/** Reservations released per expire script: bounds how long one script holds the server. */
const EXPIRE_BATCH = 500;

export interface RedisLedgerOptions extends RedisConnectOptions {
  /** Key namespace and cluster hash tag (`?namespace=` in the URL wins); default `switchyard`. No braces. */
  readonly namespace?: string;
  /** Clock for the expiry run on open and for threshold marks' lifetime; every other call takes `now`. */
  readonly clock?: () => number;
  /** How long a settled, released or expired reservation is remembered (answers `already-settled`, late settles). */
  readonly retainFinishedMs?: number;
  /** How long after its window ends a bucket's figures are kept (for reports of the last window). */
  readonly retainWindowsMs?: number;
}

/** Integer micro-dollars, never negative: anything else is a caller's bug, not a request's fault. */
function assertMicros(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer of micro-dollars, got ${value}`);
}

function assertReserve(request: ReserveRequest): void {
  assertMicros(request.amountMicros, 'amountMicros');
  if (!Number.isFinite(request.ttlMs) || request.ttlMs < 0) throw new RangeError(`ttlMs must be a non-negative number, got ${request.ttlMs}`);
  if (!Number.isFinite(request.now)) throw new RangeError(`now must be epoch milliseconds, got ${request.now}`);
  for (const c of request.charges) assertMicros(c.limitMicros, 'limitMicros');
}

const WINDOWS: readonly BudgetWindow[] = ['hour', 'day', 'week', 'month'];

export const bucketId = (k: BucketKey): string =>
  `${encodeURIComponent(k.budget)}:${encodeURIComponent(k.bucket)}:${k.window}:${k.windowStart}`;

export function parseBucketId(id: string): BucketKey {
  const [budget, bucket, window, start, ...rest] = id.split(':');
  const windowStart = Number(start);
  const w = WINDOWS.find((x) => x === window);
  if (budget === undefined || bucket === undefined || !w || !Number.isFinite(windowStart) || rest.length > 0) {
    throw new Error(`redis ledger holds a malformed bucket id \`${id}\``);
  }
  return { budget: decodeURIComponent(budget), bucket: decodeURIComponent(bucket), window: w, windowStart };
}

const keyOf = (c: BucketKey): BucketKey => ({ budget: c.budget, bucket: c.bucket, window: c.window, windowStart: c.windowStart });

/** The same bucket named twice in one request counts once. */
function distinctCharges(charges: readonly BucketCharge[]): readonly BucketCharge[] {
  if (charges.length < 2) return charges;
  const seen = new Set<string>();
  return charges.filter((c) => {
    const id = bucketId(c);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

export async function openRedisLedger(url: string, options: RedisLedgerOptions = {}): Promise<Ledger> {
  const target = resolveNamespace(url, options.namespace);
  const namespace = target.namespace;
  const redis = await connectRedis(target.url, [RESERVE, FINISH, EXPIRE, USAGE, CURRENT], options);
  try {
    const ledger = createRedisLedger(redis, namespace, options);
    // Reservations of a process that died (this one's predecessor, or a sibling) are released once their TTL passed.
    await ledger.expire((options.clock ?? Date.now)());
    return ledger;
  } catch (err) {
    redis.disconnect();
    throw err;
  }
}

function createRedisLedger(redis: Redis, namespace: string, options: RedisLedgerOptions): Ledger {
  const clock = options.clock ?? Date.now;
  const retainFinishedMs = Math.round(options.retainFinishedMs ?? DAY);
  // A remembered reservation (late settle) must still find its buckets.
  const graceMs = Math.round(Math.max(options.retainWindowsMs ?? 62 * DAY, retainFinishedMs));
  const tag = `{${namespace}}:`;
  const keys = {
    bucketPrefix: `${tag}bucket:`,
    reservationPrefix: `${tag}res:`,
    index: `${tag}buckets`,
    deadlines: `${tag}deadlines`,
    bucket: (k: BucketKey) => `${tag}bucket:${bucketId(k)}`,
    reservation: (id: string) => `${tag}res:${id}`,
    mark: (k: BucketKey, atPercent: number) => `${tag}mark:${bucketId(k)}:${atPercent}`,
  };

  async function finish(id: string, actual: number | null, now: number): Promise<SettleResult> {
    const args = [keys.bucketPrefix, id, actual === null ? '' : String(actual), String(now), String(graceMs), String(retainFinishedMs)];
    const reply = replyArray(await runScript(redis, FINISH, [keys.reservation(id), keys.deadlines, keys.index], args), FINISH);
    const status = replyInt(reply[0], FINISH);
    if (status === 0) return { ok: false, reason: 'unknown' };
    if (status === -1) return { ok: false, reason: 'already-settled' };
    const buckets: (BucketUsage & { limitMicros: number })[] = [];
    for (let i = 1; i + 3 < reply.length; i += 4) {
      buckets.push(chargedUsage(parseBucketId(replyString(reply[i], FINISH)), replyInt(reply[i + 1], FINISH), replyInt(reply[i + 2], FINISH), replyInt(reply[i + 3], FINISH)));
    }
    return { ok: true, buckets };
  }

  return {
    kind: 'redis',
    async reserve(request): Promise<ReserveResult> {
      assertReserve(request);
      const charges = distinctCharges(request.charges);
      const scriptKeys = [keys.reservation(request.id), keys.deadlines, keys.index, ...charges.map(keys.bucket)];
      const args: string[] = [request.id, String(request.amountMicros), String(request.now + request.ttlMs), String(request.now), String(graceMs)];
      for (const c of charges) args.push(bucketId(c), String(c.limitMicros), c.enforce ? '1' : '0', String(windowEnd(c.window, c.windowStart)));
      const reply = replyArray(await runScript(redis, RESERVE, scriptKeys, args), RESERVE);
      const status = replyInt(reply[0], RESERVE);
      if (status === 1) return { ok: true };
      if (status === -1) return { ok: false, reason: 'duplicate' };
      const full = charges[replyInt(reply[1], RESERVE) - 1];
      if (!full) throw new Error('redis reserve script named a bucket the request does not have');
      return {
        ok: false,
        reason: 'insufficient',
        bucket: keyOf(full),
        committedMicros: replyInt(reply[2], RESERVE),
        reservedMicros: replyInt(reply[3], RESERVE),
        limitMicros: full.limitMicros,
      };
    },
    async settle(id, actualMicros, now) {
      assertMicros(actualMicros, 'actualMicros');
      return finish(id, actualMicros, now);
    },
    async release(id, now) {
      return finish(id, null, now);
    },
    async usage(requested) {
      if (requested.length === 0) return [];
      const reply = replyArray(await runScript(redis, USAGE, requested.map(keys.bucket), []), USAGE);
      return requested.map((k, i) => bucketUsage(k, replyInt(reply[2 * i], USAGE), replyInt(reply[2 * i + 1], USAGE)));
    },
    async listCurrent(now) {
      const reply = replyArray(await runScript(redis, CURRENT, [keys.index], [keys.bucketPrefix, String(now)]), CURRENT);
      const rows: BucketUsage[] = [];
      for (let i = 0; i + 2 < reply.length; i += 3) {
        const key = parseBucketId(replyString(reply[i], CURRENT));
        // The index holds buckets by window end; a window that has not begun yet is not current.
        if (key.windowStart > now) continue;
        rows.push(bucketUsage(key, replyInt(reply[i + 1], CURRENT), replyInt(reply[i + 2], CURRENT)));
      }
      return rows;
    },
    async expire(now) {
      if (!Number.isFinite(now)) throw new RangeError(`now must be epoch milliseconds, got ${now}`);
      let released = 0;
      for (;;) {
        const args = [keys.reservationPrefix, keys.bucketPrefix, String(now), String(EXPIRE_BATCH), String(retainFinishedMs), String(graceMs)];
        const reply = replyArray(await runScript(redis, EXPIRE, [keys.deadlines, keys.index], args), EXPIRE);
        released += replyInt(reply[0], EXPIRE);
        if (replyInt(reply[1], EXPIRE) < EXPIRE_BATCH) return released;
      }
    },
    async markThreshold(key, atPercent) {
      const ttl = Math.max(windowEnd(key.window, key.windowStart) - clock(), 0) + graceMs;
      return (await redis.set(keys.mark(key, atPercent), '1', 'PX', Math.ceil(ttl), 'NX')) === 'OK';
    },
    close: () => closeRedis(redis),
  };
}
