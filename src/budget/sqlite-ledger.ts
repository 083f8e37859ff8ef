// The embedded ledger: one SQLite file (WAL), shared safely by every process on the host that opens it.
// Every write runs in the group transaction of its event-loop turn (sqlite-file.ts): the check and the update
// of a reservation cannot interleave with another process's, and one commit serves every request of a turn.
// `reserve` answers at once; `settle` resolves after the commit (and the disk flush), `committed()` once
// everything written so far is committed.
import type Database from 'better-sqlite3';
import type {
  BucketCharge,
  BucketKey,
  BucketUsage,
  Ledger,
  ReserveRequest,
  ReserveResult,
  SettleResult,
} from './ledger.js';
import { openSqliteFile, type SqliteFile } from './sqlite-file.js';
import type { PragmaOptions } from './sqlite-schema.js';
import { windowEnd } from './window.js';

const DAY = 86_400_000;
const MAX_UNION_KEYS = 32;

export interface SqliteLedgerOptions extends PragmaOptions {
  /**
   * `full` (default): `settle` resolves only once the settlement is on stable storage, so an acknowledged
   * settlement survives a power cut, not only a killed process (one fdatasync shared by concurrent settles,
   * off the event loop). `normal`: it resolves at commit; survives `kill -9`, not an OS crash.
   * Reservations and releases never wait: after a power cut their requests are gone too.
   */
  readonly synchronous?: 'full' | 'normal';
  /** Clock for the expiry run on open (crash recovery of a previous process); every other call takes `now`. */
  readonly clock?: () => number;
  /** How long a settled, released or expired reservation is remembered (answers `already-settled`, late settles). */
  readonly retainFinishedMs?: number;
  /** How long after its window ends a bucket's figures are kept (for reports of the last window). */
  readonly retainWindowsMs?: number;
  /** Interval of WAL checkpoints, run between requests. */
  readonly checkpointEveryMs?: number;
}


type State = 'open' | 'settled' | 'released' | 'expired';

interface UsageRow {
  readonly budget: string;
  readonly bucket: string;
  readonly win: BucketKey['window'];
  readonly window_start: number;
  readonly committed: number;
  readonly reserved: number;
}

interface BucketRow extends UsageRow {
  readonly limit_micros: number;
}

/** Integer micro-dollars, never negative: anything else is a caller's bug, not a request's fault. */
export function assertMicros(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer of micro-dollars, got ${value}`);
}

function assertReserve(request: ReserveRequest): void {
  assertMicros(request.amountMicros, 'amountMicros');
  if (!Number.isFinite(request.ttlMs) || request.ttlMs < 0) throw new RangeError(`ttlMs must be a non-negative number, got ${request.ttlMs}`);
  if (!Number.isFinite(request.now)) throw new RangeError(`now must be epoch milliseconds, got ${request.now}`);
  for (const c of request.charges) assertMicros(c.limitMicros, 'limitMicros');
}

const sameKey = (a: BucketKey, b: BucketKey): boolean =>
  a.windowStart === b.windowStart && a.budget === b.budget && a.bucket === b.bucket && a.window === b.window;

/** The same bucket named twice in one request counts once (a request names a handful of buckets). */
function distinctCharges(charges: readonly BucketCharge[]): readonly BucketCharge[] {
  const repeated = charges.some((c, i) => charges.findIndex((d) => sameKey(c, d)) !== i);
  return repeated ? charges.filter((c, i) => charges.findIndex((d) => sameKey(c, d)) === i) : charges;
}

const usageRow = (row: UsageRow): BucketUsage => ({
  budget: row.budget,
  bucket: row.bucket,
  window: row.win,
  windowStart: row.window_start,
  committedMicros: row.committed,
  reservedMicros: row.reserved,
});

const chargedRow = (row: BucketRow): BucketUsage & { readonly limitMicros: number } => ({ ...usageRow(row), limitMicros: row.limit_micros });

/** Thrown inside a reserve transaction to roll back the buckets already counted; caught right outside it. */
class Refused {
  constructor(readonly result: ReserveResult) {}
}

/** Opens (creating if needed) the ledger at `path` (`:memory:` for a private in-memory one) and expires stale reservations. */
export function openSqliteLedger(path: string, options: SqliteLedgerOptions = {}): Ledger {
  const file = openSqliteFile(path, options);
  try {
    return createSqliteLedger(file, options);
  } catch (err) {
    void file.release();
    throw err;
  }
}

function createSqliteLedger(file: SqliteFile, options: SqliteLedgerOptions): Ledger {
  const db = file.db;
  const retainFinishedMs = options.retainFinishedMs ?? DAY;
  // A remembered reservation (late settle) must still find its buckets: every bucket it names was touched when
  // it last changed state, and buckets outlive that by retainWindowsMs ≥ retainFinishedMs.
  const retainWindowsMs = Math.max(options.retainWindowsMs ?? 62 * DAY, retainFinishedMs);

  const st = {
    reservation: db.prepare<[string], { amount: number; state: State; bucket_ids: string }>(
      'SELECT amount, state, bucket_ids FROM reservations WHERE id = ?',
    ),
    bucketReserve: db.prepare<[string, string, string, number, number, number, number, number], { committed: number; reserved: number; id: number }>(
      `INSERT INTO buckets (budget, bucket, win, window_start, window_end, limit_micros, reserved, touched) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (budget, bucket, win, window_start) DO UPDATE SET reserved = reserved + excluded.reserved,
         limit_micros = excluded.limit_micros, touched = max(touched, excluded.touched)
       RETURNING id, committed, reserved`,
    ),
    reservationInsert: db.prepare<[string, number, number, number, string]>(
      "INSERT INTO reservations (id, amount, created, expires, state, bucket_ids) VALUES (?, ?, ?, ?, 'open', ?)",
    ),
    finishOpen: db.prepare<[string, number | null, number, string], { amount: number; bucket_ids: string }>(
      "UPDATE reservations SET state = ?, actual = ?, finished = ? WHERE id = ? AND state = 'open' RETURNING amount, bucket_ids",
    ),
    finish: db.prepare<[string, number | null, number, string]>('UPDATE reservations SET state = ?, actual = ?, finished = ? WHERE id = ?'),
    charge: db.prepare<[number, number, number, number], BucketRow>(
      `UPDATE buckets SET committed = committed + ?, reserved = reserved - ?, touched = max(touched, ?) WHERE id = ?
       RETURNING budget, bucket, win, window_start, limit_micros, committed, reserved`,
    ),
    usage: db.prepare<[string, string, string, number], { committed: number; reserved: number }>(
      'SELECT committed, reserved FROM buckets WHERE budget = ? AND bucket = ? AND win = ? AND window_start = ?',
    ),
    current: db.prepare<[number, number], UsageRow>(
      `SELECT budget, bucket, win, window_start, committed, reserved FROM buckets
       WHERE window_start <= ? AND window_end > ? AND (committed <> 0 OR reserved <> 0) ORDER BY budget, bucket, win, window_start`,
    ),
    expiring: db.prepare<[number], { id: string; amount: number; bucket_ids: string }>(
      "SELECT id, amount, bucket_ids FROM reservations WHERE state = 'open' AND expires <= ?",
    ),
    pruneReservations: db.prepare<[number]>("DELETE FROM reservations WHERE state <> 'open' AND finished < ?"),
    pruneBuckets: db.prepare<[number, number]>('DELETE FROM buckets WHERE window_end < ? AND touched < ? AND reserved = 0'),
    pruneThresholds: db.prepare<[number]>('DELETE FROM thresholds WHERE window_end < ?'),
    mark: db.prepare<[string, string, string, number, number, number]>(
      'INSERT OR IGNORE INTO thresholds (budget, bucket, win, window_start, window_end, at_percent) VALUES (?, ?, ?, ?, ?, ?)',
    ),
  };

  /** Moves a reservation's amounts on each of its buckets; rows in charge order. */
  function charge(bucketIds: string, committed: number, released: number, now: number): BucketRow[] {
    const rows: BucketRow[] = [];
    // One point update per bucket: an `IN (…)` list over rowids costs SQLite a hundred times more here.
    for (const id of bucketIds === '' ? [] : bucketIds.split(',')) {
      const row = st.charge.get(committed, released, now, Number(id));
      if (row) rows.push(row);
    }
    return rows;
  }

  const reserveTx = db.transaction((request: ReserveRequest): ReserveResult => {
    if (st.reservation.get(request.id)) return { ok: false, reason: 'duplicate' };
    const ids: number[] = [];
    for (const c of distinctCharges(request.charges)) {
      const end = windowEnd(c.window, c.windowStart);
      const row = st.bucketReserve.get(c.budget, c.bucket, c.window, c.windowStart, end, c.limitMicros, request.amountMicros, request.now);
      if (!row) throw new Error('bucket upsert returned no row');
      // INVARIANT: committed + reserved ≤ limit for enforced buckets; the counted amount is rolled back if not.
      if (c.enforce && row.committed + row.reserved > c.limitMicros) {
        const bucket = { budget: c.budget, bucket: c.bucket, window: c.window, windowStart: c.windowStart };
        const before = row.reserved - request.amountMicros;
        throw new Refused({ ok: false, reason: 'insufficient', bucket, committedMicros: row.committed, reservedMicros: before, limitMicros: c.limitMicros });
      }
      ids.push(row.id);
    }
    st.reservationInsert.run(request.id, request.amountMicros, request.now, request.now + request.ttlMs, ids.join(','));
    return { ok: true };
  });

  // INVARIANT: a reservation leaves `open` once; `expired` may still be settled once (late, real spend) but not released.
  const finishTx = db.transaction((id: string, actual: number | null, now: number): SettleResult => {
    const settling = actual !== null;
    const next = settling ? 'settled' : 'released';
    // The common case in one statement: an open reservation, which still holds its amount in its buckets.
    const open = st.finishOpen.get(next, actual, now, id);
    if (open) return { ok: true, buckets: charge(open.bucket_ids, actual ?? 0, open.amount, now).map(chargedRow) };
    const r = st.reservation.get(id);
    if (!r) return { ok: false, reason: 'unknown' };
    if (r.state !== 'expired' || !settling) return { ok: false, reason: 'already-settled' };
    st.finish.run(next, actual, now, id);
    return { ok: true, buckets: charge(r.bucket_ids, actual, 0, now).map(chargedRow) };
  });

  const expireTx = db.transaction((now: number): number => {
    const due = st.expiring.all(now);
    for (const r of due) {
      st.finish.run('expired', null, now, r.id);
      charge(r.bucket_ids, 0, r.amount, now);
    }
    st.pruneReservations.run(now - retainFinishedMs);
    st.pruneBuckets.run(now - retainWindowsMs, now - retainWindowsMs);
    st.pruneThresholds.run(now - retainWindowsMs);
    return due.length;
  });

  // The usage read is one SELECT (a UNION ALL of point lookups, one per key): a single statement reads one
  // snapshot, so it needs no BEGIN/COMMIT round of its own — the request path then runs two transactions
  // (reserve, settle) instead of three. Statements are prepared once per key count (a team has a handful).
  const usageByCount = new Map<number, Database.Statement<unknown[], { i: number; committed: number; reserved: number }>>();
  const usageStatement = (n: number): Database.Statement<unknown[], { i: number; committed: number; reserved: number }> => {
    let statement = usageByCount.get(n);
    if (statement === undefined) {
      const parts = Array.from({ length: n }, (_, i) => `SELECT ${i} AS i, committed, reserved FROM buckets WHERE budget = ? AND bucket = ? AND win = ? AND window_start = ?`);
      statement = db.prepare<unknown[], { i: number; committed: number; reserved: number }>(parts.join(' UNION ALL '));
      usageByCount.set(n, statement);
    }
    return statement;
  };
  const usageTx = db.transaction((keys: readonly BucketKey[]): BucketUsage[] =>
    keys.map((k) => {
      const row = st.usage.get(k.budget, k.bucket, k.window, k.windowStart);
      const key = { budget: k.budget, bucket: k.bucket, window: k.window, windowStart: k.windowStart };
      return { ...key, committedMicros: row?.committed ?? 0, reservedMicros: row?.reserved ?? 0 };
    }),
  );
  const readUsage = (keys: readonly BucketKey[]): BucketUsage[] => {
    const out: BucketUsage[] = keys.map((k) => ({ budget: k.budget, bucket: k.bucket, window: k.window, windowStart: k.windowStart, committedMicros: 0, reservedMicros: 0 }));
    if (keys.length === 1) {
      const k = keys[0]!;
      const row = st.usage.get(k.budget, k.bucket, k.window, k.windowStart);
      if (row) out[0] = { ...out[0]!, committedMicros: row.committed, reservedMicros: row.reserved };
      return out;
    }
    // SQLite caps a compound SELECT at 500 terms; a long list (reports) reads in one deferred transaction.
    if (keys.length > MAX_UNION_KEYS) return usageTx.deferred(keys);
    const params: unknown[] = [];
    for (const k of keys) params.push(k.budget, k.bucket, k.window, k.windowStart);
    for (const row of usageStatement(keys.length).all(...params)) out[row.i] = { ...out[row.i]!, committedMicros: row.committed, reservedMicros: row.reserved };
    return out;
  };

  // Reservations of a process that died (this one's predecessor, or a sibling) are released once their TTL passed.
  file.inBatch(expireTx, (options.clock ?? Date.now)());
  const durable = options.synchronous !== 'normal';
  /** Settles and releases not yet acknowledged: closing waits for them. */
  const inFlight = new Set<Promise<unknown>>();
  const finishing = (id: string, actual: number | null, now: number): Promise<SettleResult> => {
    const { result, done } = file.inBatch(finishTx, id, actual, now);
    const acknowledged = done.then(async () => {
      if (result.ok && actual !== null && durable) await file.flush();
      return result;
    });
    inFlight.add(acknowledged);
    const forget = (): void => void inFlight.delete(acknowledged);
    acknowledged.then(forget, forget);
    return acknowledged;
  };

  return {
    kind: 'sqlite',
    async reserve(request) {
      assertReserve(request);
      try {
        return file.inBatch(reserveTx, request).result;
      } catch (err) {
        if (err instanceof Refused) return err.result;
        throw err;
      }
    },
    async settle(id, actualMicros, now) {
      assertMicros(actualMicros, 'actualMicros');
      return finishing(id, actualMicros, now);
    },
    async release(id, now) {
      return finishing(id, null, now);
    },
    committed: () => file.committed(),
    async usage(keys) {
      return keys.length === 0 ? [] : readUsage(keys);
    },
    async listCurrent(now) {
      return st.current.all(now, now).map(usageRow);
    },
    async expire(now) {
      const { result, done } = file.inBatch(expireTx, now);
      await done;
      return result;
    },
    async markThreshold(key, atPercent) {
      const end = windowEnd(key.window, key.windowStart);
      return st.mark.run(key.budget, key.bucket, key.window, key.windowStart, end, atPercent).changes === 1;
    },
    async close() {
      file.commitNow();
      await Promise.allSettled(inFlight);
      await file.release();
    },
  };
}
