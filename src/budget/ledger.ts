// The spend ledger contract. Two implementations (SQLite embedded, Redis distributed) pass one conformance
// suite (test/budget/ledger-conformance.ts). Money is integer micro-dollars everywhere in here: no float drift.
//
// INVARIANT: for every enforced bucket, committed + reserved ≤ limit after every successful reserve.
// INVARIANT: a reservation is settled or released at most once; settling twice changes nothing.

/** USD × 10^6, an integer. */
export type Micros = number;

export type BudgetWindow = 'hour' | 'day' | 'week' | 'month';

/** One budget's bucket in one window: the unit a limit applies to. */
export interface BucketKey {
  /** Budget name. */
  readonly budget: string;
  /** Team name (`per: team`), key id (`per: key`) or `*` (`per: shared`). */
  readonly bucket: string;
  readonly window: BudgetWindow;
  /** Start of the UTC calendar window, epoch ms (see windowStart in window.ts). */
  readonly windowStart: number;
}

export interface BucketCharge extends BucketKey {
  readonly limitMicros: Micros;
  /** Monitor-mode budgets record spend but never refuse. */
  readonly enforce: boolean;
}

export interface ReserveRequest {
  /** Unique per request (the request id); reserving the same id twice is refused with `duplicate`. */
  readonly id: string;
  /** Every bucket the chosen candidate's spend counts against. Reserved all-or-nothing. */
  readonly charges: readonly BucketCharge[];
  /** Worst-case cost of the request. */
  readonly amountMicros: Micros;
  /** After this long without settle/release the reservation is released by `expire` (crash recovery). */
  readonly ttlMs: number;
  /** Epoch ms; injected so tests control time. */
  readonly now: number;
}

export type ReserveResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'insufficient';
      /** The first enforced bucket that could not fit the amount. */
      readonly bucket: BucketKey;
      readonly committedMicros: Micros;
      readonly reservedMicros: Micros;
      readonly limitMicros: Micros;
    }
  | { readonly ok: false; readonly reason: 'duplicate' };

export interface BucketUsage extends BucketKey {
  readonly committedMicros: Micros;
  readonly reservedMicros: Micros;
}

// Built field by field, never as `{ ...key, committedMicros, … }`: on Node 20's V8 a literal that starts with a
// spread and adds properties gets a hidden class of its own every time (~1 µs each, and the code reading the
// objects goes megamorphic). The conformance suite holds both ledgers to it (test/budget/ledger-conformance.ts).
/** A bucket's figures. */
export const bucketUsage = (k: BucketKey, committedMicros: Micros, reservedMicros: Micros): BucketUsage => ({
  budget: k.budget,
  bucket: k.bucket,
  window: k.window,
  windowStart: k.windowStart,
  committedMicros,
  reservedMicros,
});

/** A bucket's figures with its limit, as a settlement reports them. */
export const chargedUsage = (k: BucketKey, committedMicros: Micros, reservedMicros: Micros, limitMicros: Micros): BucketUsage & { readonly limitMicros: Micros } => ({
  budget: k.budget,
  bucket: k.bucket,
  window: k.window,
  windowStart: k.windowStart,
  committedMicros,
  reservedMicros,
  limitMicros,
});

export type SettleResult =
  | {
      readonly ok: true;
      /** Each bucket after the settlement, for threshold checks. */
      readonly buckets: readonly (BucketUsage & { readonly limitMicros: Micros })[];
    }
  | { readonly ok: false; readonly reason: 'unknown' | 'already-settled' };

export interface Ledger {
  readonly kind: 'sqlite' | 'redis';
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /** Release the reservation and add the real cost to every bucket it was reserved against. Exactly once. */
  settle(id: string, actualMicros: Micros, now: number): Promise<SettleResult>;
  /** Drop the reservation without spending (nothing was sent upstream). Same once-only rule as settle. */
  release(id: string, now: number): Promise<SettleResult>;
  /** Committed and reserved spend of the given buckets (zeros for buckets never used). One round trip. */
  usage(keys: readonly BucketKey[]): Promise<BucketUsage[]>;
  /**
   * `reserve` and `usage` answered at once, for a ledger that answers in-process (the embedded SQLite ledger): the
   * same answers and effects, without a promise; a failure is thrown. The request path uses them when present, so
   * a request does not wait a turn for an answer that is already there. Absent where the answer is a round trip.
   */
  reserveSync?(request: ReserveRequest): ReserveResult;
  usageSync?(keys: readonly BucketKey[]): BucketUsage[];
  /** Every bucket with spend or reservations whose window contains `now`. */
  listCurrent(now: number): Promise<BucketUsage[]>;
  /** Release reservations whose TTL has passed; returns how many. */
  expire(now: number): Promise<number>;
  /** True the first time it is called for this bucket and threshold (alert once per window crossing). */
  markThreshold(key: BucketKey, atPercent: number): Promise<boolean>;
  /**
   * Resolves once every write made so far is committed: visible to other processes and kept if this one is
   * killed (rejects if that commit failed). Absent where each call commits before it returns.
   */
  committed?(): Promise<void>;
  close(): Promise<void>;
}
