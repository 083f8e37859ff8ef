// The embedded ledger: one SQLite file (WAL), shared safely by every process on the host that opens it.
// Each operation is one IMMEDIATE transaction, so the check and the update of a reservation cannot interleave
// with another writer's; the driver is synchronous, so the promise is settled before anything else runs.
import Database from 'better-sqlite3';
import type {
  BucketCharge,
  BucketKey,
  BucketUsage,
  Ledger,
  Micros,
  ReserveRequest,
  ReserveResult,
  SettleResult,
} from './ledger.js';
import { prepareDatabase, type PragmaOptions } from './sqlite-schema.js';
import { windowEnd } from './window.js';

const DAY = 86_400_000;

export interface SqliteLedgerOptions extends PragmaOptions {
  /** Clock for the expiry run on open (crash recovery of a previous process); every other call takes `now`. */
  readonly clock?: () => number;
  /** How long a settled, released or expired reservation is remembered (answers `already-settled`, late settles). */
  readonly retainFinishedMs?: number;
  /** How long after its window ends a bucket's figures are kept (for reports of the last window). */
  readonly retainWindowsMs?: number;
}

interface BucketRow {
  readonly id: number;
  readonly committed: number;
  readonly reserved: number;
}

interface UsageRow {
  readonly budget: string;
  readonly bucket: string;
  readonly win: BucketKey['window'];
  readonly window_start: number;
  readonly committed: number;
  readonly reserved: number;
}

interface ChargedRow extends UsageRow {
  readonly limit_micros: number;
}

interface ReservationRow {
  readonly amount: number;
  readonly state: 'open' | 'settled' | 'released' | 'expired';
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

const keyString = (k: BucketKey): string => `${k.budget}\u0000${k.bucket}\u0000${k.window}\u0000${k.windowStart}`;

/** The same bucket named twice in one request counts once. */
function distinctCharges(charges: readonly BucketCharge[]): BucketCharge[] {
  const seen = new Set<string>();
  return charges.filter((c) => {
    const k = keyString(c);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const usageRow = (row: UsageRow): BucketUsage => ({
  budget: row.budget,
  bucket: row.bucket,
  window: row.win,
  windowStart: row.window_start,
  committedMicros: row.committed,
  reservedMicros: row.reserved,
});

const chargedRow = (row: ChargedRow): BucketUsage & { limitMicros: Micros } => ({ ...usageRow(row), limitMicros: row.limit_micros });

/** Opens (creating if needed) the ledger at `path` (`:memory:` for a private in-memory one) and expires stale reservations. */
export function openSqliteLedger(path: string, options: SqliteLedgerOptions = {}): Ledger {
  const db = new Database(path);
  try {
    prepareDatabase(db, options);
    return createSqliteLedger(db, options);
  } catch (err) {
    db.close();
    throw err;
  }
}

function createSqliteLedger(db: Database.Database, options: SqliteLedgerOptions): Ledger {
  const retainFinishedMs = options.retainFinishedMs ?? DAY;
  const retainWindowsMs = options.retainWindowsMs ?? 62 * DAY;

  const st = {
    reservationState: db.prepare<[string], ReservationRow>('SELECT amount, state FROM reservations WHERE id = ?'),
    bucketFind: db.prepare<[string, string, string, number], BucketRow>(
      'SELECT id, committed, reserved FROM buckets WHERE budget = ? AND bucket = ? AND win = ? AND window_start = ?',
    ),
    bucketReserve: db.prepare<[string, string, string, number, number, number, number], { id: number }>(
      `INSERT INTO buckets (budget, bucket, win, window_start, window_end, limit_micros, reserved) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (budget, bucket, win, window_start) DO UPDATE SET reserved = reserved + excluded.reserved, limit_micros = excluded.limit_micros
       RETURNING id`,
    ),
    reservationInsert: db.prepare<[string, number, number, number]>(
      "INSERT INTO reservations (id, amount, created, expires, state) VALUES (?, ?, ?, ?, 'open')",
    ),
    chargeInsert: db.prepare<[string, number, number]>('INSERT INTO reservation_charges (reservation, seq, bucket_id) VALUES (?, ?, ?)'),
    finish: db.prepare<[string, number | null, number, string]>('UPDATE reservations SET state = ?, actual = ?, finished = ? WHERE id = ?'),
    chargeBuckets: db.prepare<[number, number, string]>(
      `UPDATE buckets SET committed = committed + ?, reserved = reserved - ?
       WHERE id IN (SELECT bucket_id FROM reservation_charges WHERE reservation = ?)`,
    ),
    charged: db.prepare<[string], ChargedRow>(
      `SELECT b.budget, b.bucket, b.win, b.window_start, b.limit_micros, b.committed, b.reserved
       FROM reservation_charges c JOIN buckets b ON b.id = c.bucket_id WHERE c.reservation = ? ORDER BY c.seq`,
    ),
    usage: db.prepare<[string, string, string, number], { committed: number; reserved: number }>(
      'SELECT committed, reserved FROM buckets WHERE budget = ? AND bucket = ? AND win = ? AND window_start = ?',
    ),
    current: db.prepare<[number, number], UsageRow>(
      `SELECT budget, bucket, win, window_start, committed, reserved FROM buckets
       WHERE window_start <= ? AND window_end > ? AND (committed <> 0 OR reserved <> 0) ORDER BY budget, bucket, win, window_start`,
    ),
    expiring: db.prepare<[number], { id: string; amount: number }>("SELECT id, amount FROM reservations WHERE state = 'open' AND expires <= ?"),
    pruneCharges: db.prepare<[number]>(
      "DELETE FROM reservation_charges WHERE reservation IN (SELECT id FROM reservations WHERE state <> 'open' AND finished < ?)",
    ),
    pruneReservations: db.prepare<[number]>("DELETE FROM reservations WHERE state <> 'open' AND finished < ?"),
    pruneBuckets: db.prepare<[number]>(
      `DELETE FROM buckets WHERE window_end < ? AND reserved = 0
       AND NOT EXISTS (SELECT 1 FROM reservation_charges c WHERE c.bucket_id = buckets.id)`,
    ),
    pruneThresholds: db.prepare<[number]>('DELETE FROM thresholds WHERE window_end < ?'),
    mark: db.prepare<[string, string, string, number, number, number]>(
      'INSERT OR IGNORE INTO thresholds (budget, bucket, win, window_start, window_end, at_percent) VALUES (?, ?, ?, ?, ?, ?)',
    ),
  };

  const reserveTx = db.transaction((request: ReserveRequest): ReserveResult => {
    if (st.reservationState.get(request.id)) return { ok: false, reason: 'duplicate' };
    const charges = distinctCharges(request.charges);
    for (const c of charges) {
      if (!c.enforce) continue;
      const row = st.bucketFind.get(c.budget, c.bucket, c.window, c.windowStart);
      const committed = row?.committed ?? 0;
      const reserved = row?.reserved ?? 0;
      if (committed + reserved + request.amountMicros > c.limitMicros) {
        const bucket = { budget: c.budget, bucket: c.bucket, window: c.window, windowStart: c.windowStart };
        return { ok: false, reason: 'insufficient', bucket, committedMicros: committed, reservedMicros: reserved, limitMicros: c.limitMicros };
      }
    }
    st.reservationInsert.run(request.id, request.amountMicros, request.now, request.now + request.ttlMs);
    charges.forEach((c, seq) => {
      const end = windowEnd(c.window, c.windowStart);
      const row = st.bucketReserve.get(c.budget, c.bucket, c.window, c.windowStart, end, c.limitMicros, request.amountMicros);
      if (!row) throw new Error('bucket upsert returned no id');
      st.chargeInsert.run(request.id, seq, row.id);
    });
    return { ok: true };
  });

  // INVARIANT: a reservation leaves `open` once; `expired` may still be settled once (late, real spend) but not released.
  const finishTx = db.transaction((id: string, actual: number | null, now: number): SettleResult => {
    const r = st.reservationState.get(id);
    if (!r) return { ok: false, reason: 'unknown' };
    const settling = actual !== null;
    if (r.state === 'settled' || r.state === 'released' || (r.state === 'expired' && !settling)) return { ok: false, reason: 'already-settled' };
    st.finish.run(settling ? 'settled' : 'released', actual, now, id);
    st.chargeBuckets.run(actual ?? 0, r.state === 'open' ? r.amount : 0, id);
    return { ok: true, buckets: st.charged.all(id).map(chargedRow) };
  });

  const expireTx = db.transaction((now: number): number => {
    const due = st.expiring.all(now);
    for (const r of due) {
      st.finish.run('expired', null, now, r.id);
      st.chargeBuckets.run(0, r.amount, r.id);
    }
    st.pruneCharges.run(now - retainFinishedMs);
    st.pruneReservations.run(now - retainFinishedMs);
    st.pruneBuckets.run(now - retainWindowsMs);
    st.pruneThresholds.run(now - retainWindowsMs);
    return due.length;
  });

  const usageTx = db.transaction((keys: readonly BucketKey[]): BucketUsage[] =>
    keys.map((k) => {
      const row = st.usage.get(k.budget, k.bucket, k.window, k.windowStart);
      const key = { budget: k.budget, bucket: k.bucket, window: k.window, windowStart: k.windowStart };
      return { ...key, committedMicros: row?.committed ?? 0, reservedMicros: row?.reserved ?? 0 };
    }),
  );

  // Reservations of a process that died (this one's predecessor, or a sibling) are released once their TTL passed.
  expireTx.immediate((options.clock ?? Date.now)());

  return {
    kind: 'sqlite',
    async reserve(request) {
      assertReserve(request);
      return reserveTx.immediate(request);
    },
    async settle(id, actualMicros, now) {
      assertMicros(actualMicros, 'actualMicros');
      return finishTx.immediate(id, actualMicros, now);
    },
    async release(id, now) {
      return finishTx.immediate(id, null, now);
    },
    async usage(keys) {
      return keys.length === 0 ? [] : usageTx.deferred(keys);
    },
    async listCurrent(now) {
      return st.current.all(now, now).map(usageRow);
    },
    async expire(now) {
      return expireTx.immediate(now);
    },
    async markThreshold(key, atPercent) {
      const end = windowEnd(key.window, key.windowStart);
      return st.mark.run(key.budget, key.bucket, key.window, key.windowStart, end, atPercent).changes === 1;
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
