// The embedded ledger: one SQLite file (WAL), shared safely by every process on the host that opens it.
// Every write runs in the group transaction of its event-loop turn (sqlite-file.ts): the check and the update
// of a reservation cannot interleave with another process's, and one commit serves every request of a turn.
// Bucket totals live in the file's write-back mirror: a request's reserve is one INSERT of its reservation, and
// just before the commit each bucket the turn changed is written once and each settled reservation's row.
// `reserve` answers at once; `settle` resolves after the commit (and the disk flush), `committed()` once
// everything written so far is committed.
import type Database from 'better-sqlite3';
import {
  bucketUsage,
  chargedUsage,
  type BucketCharge,
  type BucketKey,
  type BucketUsage,
  type Ledger,
  type ReserveRequest,
  type ReserveResult,
  type SettleResult,
} from './ledger.js';
import { openSqliteFile, type SqliteFile, type SqliteFileOptions } from './sqlite-file.js';
import { windowEnd } from './window.js';

const DAY = 86_400_000;
/** Every admitted reservation's answer: one object, never changed. */
const RESERVED: ReserveResult = Object.freeze({ ok: true });
const MAX_UNION_KEYS = 32;

export interface SqliteLedgerOptions extends SqliteFileOptions {
  /**
   * `full` (default): `settle` resolves only once the settlement is on stable storage, so an acknowledged
   * settlement survives a power cut, not only a killed process (one fdatasync, off the event loop, shared by
   * the settles of up to `flushMs`). `normal`: it resolves at commit; survives `kill -9`, not an OS crash.
   * Reservations and releases never wait: after a power cut their requests are gone too.
   */
  readonly synchronous?: 'full' | 'normal';
  /** Clock for the expiry run on open (crash recovery of a previous process); every other call takes `now`. */
  readonly clock?: () => number;
  /** How long a settled, released or expired reservation is remembered (answers `already-settled`, late settles). */
  readonly retainFinishedMs?: number;
  /** How long after its window ends a bucket's figures are kept (for reports of the last window). */
  readonly retainWindowsMs?: number;
}


type State = 'open' | 'settled' | 'released' | 'expired';

/** A held reservation finished in this turn, as its row is written before the commit. */
type Finish = readonly [id: string, state: 'settled' | 'released', actual: number | null, finished: number];

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

/**
 * A bucket's row as this process holds it in its write-back mirror: the current figures while the mirror is valid
 * (sqlite-file.ts), written back once per turn when `dirty`.
 */
interface Mirrored extends BucketRow {
  readonly id: number;
  limit_micros: number;
  committed: number;
  reserved: number;
  touched: number;
  dirty: boolean;
}

/** An open reservation of this process, with the mirrored buckets it holds its amount in. */
interface Held {
  readonly amount: number;
  readonly buckets: readonly Mirrored[];
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

/** The same bucket named twice in one request counts once (a request names a handful of buckets). Plain loops: no closures per request. */
function distinctCharges(charges: readonly BucketCharge[]): readonly BucketCharge[] {
  let repeated = false;
  for (let i = 1; i < charges.length && !repeated; i++) for (let j = 0; j < i && !repeated; j++) repeated = sameKey(charges[i]!, charges[j]!);
  return repeated ? charges.filter((c, i) => charges.findIndex((d) => sameKey(c, d)) === i) : charges;
}

const keyOfRow = (row: UsageRow): BucketKey => ({ budget: row.budget, bucket: row.bucket, window: row.win, windowStart: row.window_start });
const usageRow = (row: UsageRow): BucketUsage => bucketUsage(keyOfRow(row), row.committed, row.reserved);
const chargedRow = (row: BucketRow): BucketUsage & { readonly limitMicros: number } => chargedUsage(keyOfRow(row), row.committed, row.reserved, row.limit_micros);

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

/** What every ledger opened on one file in this process shares: its statements and its one mirror. */
interface Core {
  reserveInTurn(request: ReserveRequest): ReserveResult;
  finishInTurn(id: string, actual: number | null, now: number): SettleResult;
  expireInTurn(now: number, retainFinishedMs: number, retainWindowsMs: number): number;
  usage(keys: readonly BucketKey[]): BucketUsage[];
  listCurrent(now: number): BucketUsage[];
  markThreshold(key: BucketKey, atPercent: number): boolean;
}

const cores = new WeakMap<SqliteFile, Core>();

function coreOf(file: SqliteFile): Core {
  let core = cores.get(file);
  if (core === undefined) {
    core = createCore(file);
    cores.set(file, core);
  }
  return core;
}

function createCore(file: SqliteFile): Core {
  const db = file.db;

  const st = {
    reservation: db.prepare<[string], { amount: number; state: State; bucket_ids: string }>(
      'SELECT amount, state, bucket_ids FROM reservations WHERE id = ?',
    ),
    bucketByKey: db.prepare<[string, string, string, number], { id: number; limit_micros: number; committed: number; reserved: number; touched: number }>(
      'SELECT id, limit_micros, committed, reserved, touched FROM buckets WHERE budget = ? AND bucket = ? AND win = ? AND window_start = ?',
    ),
    bucketInsert: db.prepare<[string, string, string, number, number, number, number]>(
      'INSERT INTO buckets (budget, bucket, win, window_start, window_end, limit_micros, touched) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    bucketWrite: db.prepare<[number, number, number, number, number]>(
      'UPDATE buckets SET limit_micros = ?, committed = ?, reserved = ?, touched = ? WHERE id = ?',
    ),
    // A reservation id already present (open or remembered) inserts nothing: `changes` 0 is the duplicate check.
    reservationInsert: db.prepare<[string, number, number, number, string]>(
      "INSERT INTO reservations (id, amount, created, expires, state, bucket_ids) VALUES (?, ?, ?, ?, 'open', ?) ON CONFLICT (id) DO NOTHING",
    ),
    finishOpen: db.prepare<[string, number | null, number, string], { amount: number; bucket_ids: string }>(
      "UPDATE reservations SET state = ?, actual = ?, finished = ? WHERE id = ? AND state = 'open' RETURNING amount, bucket_ids",
    ),
    finish: db.prepare<[string, number | null, number, string]>('UPDATE reservations SET state = ?, actual = ?, finished = ? WHERE id = ?'),
    finishHeld: db.prepare<[string, number | null, number, string]>("UPDATE reservations SET state = ?, actual = ?, finished = ? WHERE id = ? AND state = 'open'"),
    charge: db.prepare<[number, number, number, number], BucketRow & { id: number; touched: number }>(
      `UPDATE buckets SET committed = committed + ?, reserved = reserved - ?, touched = max(touched, ?) WHERE id = ?
       RETURNING id, budget, bucket, win, window_start, limit_micros, committed, reserved, touched`,
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

  // The write-back mirror (see sqlite-file.ts). A request's reserve is then one INSERT of its reservation row and
  // its settle moves memory only: the buckets' totals move in memory, and just before the commit each changed
  // bucket is written once, however many requests of the turn moved it, and each finished reservation's row.
  // INVARIANT: while valid, a mirrored bucket's figures are its row's as this turn's transaction sees them (after
  // the turn's write-back); every `held` reservation is open in the database and holds its amount in its buckets.
  const byKey = new Map<string, Mirrored>();
  // The same buckets by the key object a caller passed: the proxy hands out one object per bucket and window
  // (budget-plan.ts), so most lookups need no key string. Always a subset of `byKey`.
  let byObject = new WeakMap<BucketKey, Mirrored>();
  const held = new Map<string, Held>();
  let dirty: Mirrored[] = [];
  // Finishes of held reservations, written with the buckets: id, state, actual, finished for each.
  let finishes: Finish[] = [];
  const keyOf = (k: BucketKey): string => `${k.window}\0${k.windowStart}\0${k.budget}\0${k.bucket}`;

  // Every mirrored bucket gets the one shape (a spread would give each its own, and the hot code reading them
  // megamorphic property loads).
  const remember = (k: BucketKey, row: { readonly id: number; readonly limit_micros: number; readonly committed: number; readonly reserved: number; readonly touched: number }): Mirrored => {
    const m: Mirrored = {
      id: row.id,
      budget: k.budget,
      bucket: k.bucket,
      win: k.window,
      window_start: k.windowStart,
      limit_micros: row.limit_micros,
      committed: row.committed,
      reserved: row.reserved,
      touched: row.touched,
      dirty: false,
    };
    byKey.set(keyOf(k), m);
    return m;
  };
  const touch = (m: Mirrored, now: number): void => {
    if (now > m.touched) m.touched = now;
    if (!m.dirty) {
      m.dirty = true;
      dirty.push(m);
    }
  };
  /**
   * Writes the changed buckets and the turn's finished reservations into the open transaction; the pending state
   * clears only once every write went through (`written`).
   */
  const writeBack = (): void => {
    for (const m of dirty) st.bucketWrite.run(m.limit_micros, m.committed, m.reserved, m.touched, m.id);
    // A point UPDATE each: as fast per row as one `UPDATE … FROM (VALUES …)` of the turn's rows from about eight
    // rows on, and faster below, where a turn at moderate load is (one row: ~4.5 µs against ~7.7 µs, measured).
    const rows = finishes.length;
    let changed = 0;
    for (const [id, state, actual, finished] of finishes) changed += st.finishHeld.run(state, actual, finished, id).changes;
    // INVARIANT (held): every one is open. Another connection's change is seen when the turn begins (its commit
    // moves `data_version`), which drops the mirror and `held` with it; only a write to the file through this
    // connection outside the ledger could break it, and the turn then fails to commit and its settles reject
    // rather than count twice or never.
    if (changed !== rows) throw new Error(`${rows - changed} of ${rows} reservations settled in this turn were no longer open in the ledger file`);
  };
  const written = (): void => {
    for (const m of dirty) m.dirty = false;
    dirty = [];
    finishes = [];
  };
  const forget = (): void => {
    byKey.clear();
    byObject = new WeakMap();
    held.clear();
    dirty = [];
    finishes = [];
  };
  file.mirror({
    flush() {
      writeBack();
      written();
    },
    invalidate: forget,
  });

  /** The charge's bucket from the mirror, else read (or created empty) in the turn's transaction. */
  const bucketFor = (c: BucketCharge, now: number): Mirrored => {
    const known = byObject.get(c);
    if (known !== undefined) return known;
    const mirrored = byKey.get(keyOf(c));
    if (mirrored !== undefined) {
      byObject.set(c, mirrored);
      return mirrored;
    }
    const row = st.bucketByKey.get(c.budget, c.bucket, c.window, c.windowStart);
    const found = row ?? {
      id: Number(st.bucketInsert.run(c.budget, c.bucket, c.window, c.windowStart, windowEnd(c.window, c.windowStart), c.limitMicros, now).lastInsertRowid),
      limit_micros: c.limitMicros,
      committed: 0,
      reserved: 0,
      touched: now,
    };
    const m = remember(c, found);
    byObject.set(c, m);
    return m;
  };

  /** Runs in the turn's transaction: every statement is a single one, so a throw leaves nothing half-done. */
  const reserveInTurn = (request: ReserveRequest): ReserveResult => {
    if (held.has(request.id)) return { ok: false, reason: 'duplicate' };
    const charges = distinctCharges(request.charges);
    const amount = request.amountMicros;
    const buckets: Mirrored[] = [];
    for (const c of charges) buckets.push(bucketFor(c, request.now));
    for (let i = 0; i < charges.length; i++) {
      const c = charges[i]!;
      const m = buckets[i]!;
      // INVARIANT: committed + reserved ≤ limit for enforced buckets.
      if (c.enforce && m.committed + m.reserved + amount > c.limitMicros) {
        if (st.reservation.get(request.id)) return { ok: false, reason: 'duplicate' };
        const bucket = { budget: c.budget, bucket: c.bucket, window: c.window, windowStart: c.windowStart };
        return { ok: false, reason: 'insufficient', bucket, committedMicros: m.committed, reservedMicros: m.reserved, limitMicros: c.limitMicros };
      }
    }
    let ids = '';
    for (let i = 0; i < buckets.length; i++) ids = i === 0 ? String(buckets[i]!.id) : `${ids},${buckets[i]!.id}`;
    if (st.reservationInsert.run(request.id, amount, request.now, request.now + request.ttlMs, ids).changes === 0) return { ok: false, reason: 'duplicate' };
    for (let i = 0; i < charges.length; i++) {
      const m = buckets[i]!;
      m.reserved += amount;
      m.limit_micros = charges[i]!.limitMicros;
      touch(m, request.now);
    }
    held.set(request.id, { amount, buckets });
    return RESERVED;
  };

  /** Moves a reservation's amounts on each of its buckets in SQL; rows in charge order. */
  function charge(bucketIds: string, committed: number, released: number, now: number): (BucketRow & { id: number; touched: number })[] {
    const rows: (BucketRow & { id: number; touched: number })[] = [];
    // One point update per bucket: an `IN (…)` list over rowids costs SQLite a hundred times more here.
    for (const id of bucketIds === '' ? [] : bucketIds.split(',')) {
      const row = st.charge.get(committed, released, now, Number(id));
      if (row) rows.push(row);
    }
    return rows;
  }

  // INVARIANT: a reservation leaves `open` once; `expired` may still be settled once (late, real spend) but not released.
  // The path of a reservation this process does not hold (reserved by another process or before a restart, or
  // already finished): in SQL, in a savepoint, after writing back the mirror so SQL sees its figures.
  const finishTx = db.transaction((id: string, actual: number | null, now: number): SettleResult => {
    writeBack();
    const settling = actual !== null;
    const next = settling ? 'settled' : 'released';
    const open = st.finishOpen.get(next, actual, now, id);
    let rows: (BucketRow & { id: number; touched: number })[];
    if (open) rows = charge(open.bucket_ids, actual ?? 0, open.amount, now);
    else {
      const r = st.reservation.get(id);
      if (!r) return { ok: false, reason: 'unknown' };
      if (r.state !== 'expired' || !settling) return { ok: false, reason: 'already-settled' };
      st.finish.run(next, actual, now, id);
      rows = charge(r.bucket_ids, actual, 0, now);
    }
    return { ok: true, buckets: rows.map(chargedRow) };
  });
  const finishUnheld = (id: string, actual: number | null, now: number): SettleResult => {
    // The savepoint's statements are undone on a throw, and the mirror is untouched until it returns.
    const result = finishTx(id, actual, now);
    written();
    if (result.ok) {
      for (const row of result.buckets) {
        const m = byKey.get(keyOf(row));
        if (m === undefined) continue;
        m.committed = row.committedMicros;
        m.reserved = row.reservedMicros;
        if (now > m.touched) m.touched = now;
      }
    }
    return result;
  };

  /**
   * Runs in the turn's transaction. A held reservation is finished in memory: its buckets move, and its row is
   * written with the turn's others before the commit.
   */
  const finishInTurn = (id: string, actual: number | null, now: number): SettleResult => {
    const h = held.get(id);
    if (h === undefined) return finishUnheld(id, actual, now);
    held.delete(id);
    finishes.push([id, actual !== null ? 'settled' : 'released', actual, now]);
    const spent = actual ?? 0;
    return {
      ok: true,
      buckets: h.buckets.map((m) => {
        m.committed += spent;
        m.reserved -= h.amount;
        touch(m, now);
        return chargedRow(m);
      }),
    };
  };

  const expireTx = db.transaction((now: number, retainFinishedMs: number, retainWindowsMs: number): number => {
    writeBack();
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
  /** Expiry moves buckets in SQL and prunes rows: the mirror starts over from the database (and stays small). */
  const expireInTurn = (now: number, retainFinishedMs: number, retainWindowsMs: number): number => {
    const n = expireTx(now, retainFinishedMs, retainWindowsMs);
    forget();
    return n;
  };

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
      return bucketUsage(k, row?.committed ?? 0, row?.reserved ?? 0);
    }),
  );
  const readUsage = (keys: readonly BucketKey[]): BucketUsage[] => {
    const out: BucketUsage[] = keys.map((k) => bucketUsage(k, 0, 0));
    if (keys.length === 1) {
      const k = keys[0]!;
      const row = st.usage.get(k.budget, k.bucket, k.window, k.windowStart);
      if (row) out[0] = bucketUsage(k, row.committed, row.reserved);
      return out;
    }
    // SQLite caps a compound SELECT at 500 terms; a long list (reports) reads in one deferred transaction.
    if (keys.length > MAX_UNION_KEYS) return usageTx.deferred(keys);
    const params: unknown[] = [];
    for (const k of keys) params.push(k.budget, k.bucket, k.window, k.windowStart);
    for (const row of usageStatement(keys.length).all(...params)) out[row.i] = bucketUsage(keys[row.i]!, row.committed, row.reserved);
    return out;
  };

  /** Mirrored buckets answer from memory (the turn's figures); the others in one read. */
  const usageOf = (keys: readonly BucketKey[]): BucketUsage[] => {
    file.refresh();
    const out: BucketUsage[] = [];
    // Positions in `keys` of the buckets not mirrored, read from the database in one statement.
    let missingAt: number[] | undefined;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      let m = byObject.get(k);
      if (m === undefined) {
        m = byKey.get(keyOf(k));
        if (m !== undefined) byObject.set(k, m);
      }
      if (m === undefined) (missingAt ??= []).push(i);
      out.push(bucketUsage(k, m?.committed ?? 0, m?.reserved ?? 0));
    }
    if (missingAt === undefined) return out;
    const read = readUsage(missingAt.map((i) => keys[i]!));
    for (let j = 0; j < missingAt.length; j++) out[missingAt[j]!] = read[j]!;
    return out;
  };

  return {
    reserveInTurn,
    finishInTurn,
    expireInTurn,
    usage: usageOf,
    listCurrent(now) {
      // Inside a turn, SQL must see the figures the mirror holds for it.
      if (file.inTurn()) {
        writeBack();
        written();
      }
      return st.current.all(now, now).map(usageRow);
    },
    markThreshold(key, atPercent) {
      const end = windowEnd(key.window, key.windowStart);
      return st.mark.run(key.budget, key.bucket, key.window, key.windowStart, end, atPercent).changes === 1;
    },
  };
}

function createSqliteLedger(file: SqliteFile, options: SqliteLedgerOptions): Ledger {
  const core = coreOf(file);
  const retainFinishedMs = options.retainFinishedMs ?? DAY;
  // A remembered reservation (late settle) must still find its buckets: every bucket it names was touched when
  // it last changed state, and buckets outlive that by retainWindowsMs ≥ retainFinishedMs.
  const retainWindowsMs = Math.max(options.retainWindowsMs ?? 62 * DAY, retainFinishedMs);
  // Reservations of a process that died (this one's predecessor, or a sibling) are released once their TTL passed.
  file.inBatch(core.expireInTurn, (options.clock ?? Date.now)(), retainFinishedMs, retainWindowsMs);
  const durable = options.synchronous !== 'normal';
  /** Settles and releases not yet acknowledged: closing waits for them. */
  const inFlight = new Set<Promise<unknown>>();
  const finishing = (id: string, actual: number | null, now: number): Promise<SettleResult> => {
    const { result } = file.inBatch(core.finishInTurn, id, actual, now);
    // A spending settlement of `full` resolves once on stable storage; everything else once committed.
    const written = result.ok && actual !== null && durable ? file.committed().then(file.flush) : file.committed();
    const acknowledged: Promise<SettleResult> = written.then(
      () => {
        inFlight.delete(acknowledged);
        return result;
      },
      (err: unknown) => {
        inFlight.delete(acknowledged);
        throw err;
      },
    );
    inFlight.add(acknowledged);
    return acknowledged;
  };
  const reserveSync = (request: ReserveRequest): ReserveResult => {
    assertReserve(request);
    return file.inBatch(core.reserveInTurn, request).result;
  };
  const usageSync = (keys: readonly BucketKey[]): BucketUsage[] => (keys.length === 0 ? [] : core.usage(keys));

  return {
    kind: 'sqlite',
    async reserve(request) {
      return reserveSync(request);
    },
    reserveSync,
    settle(id, actualMicros, now) {
      try {
        assertMicros(actualMicros, 'actualMicros');
        return finishing(id, actualMicros, now);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    release(id, now) {
      try {
        return finishing(id, null, now);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    committed: () => file.committed(),
    async usage(keys) {
      return usageSync(keys);
    },
    usageSync,
    async listCurrent(now) {
      return core.listCurrent(now);
    },
    async expire(now) {
      const { result } = file.inBatch(core.expireInTurn, now, retainFinishedMs, retainWindowsMs);
      await file.committed();
      return result;
    },
    async markThreshold(key, atPercent) {
      return core.markThreshold(key, atPercent);
    },
    async close() {
      file.commitNow();
      await Promise.allSettled(inFlight);
      await file.release();
    },
  };
}
