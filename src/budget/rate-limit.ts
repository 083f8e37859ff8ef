// Rate limits (`rpm`, `tpm` on a Budget or Team) as token buckets. Two backends (SQLite, Redis) implement
// `RateLimiter` and pass one conformance suite (test/budget/rate-limit-conformance.ts); both follow the
// arithmetic of `takeTokens` below (Redis ports it to Lua), so they answer alike to the millisecond.

export interface TokenBucketSpec {
  /** Most tokens the bucket holds: the burst allowed after a quiet period. */
  readonly capacity: number;
  /** Tokens added per second, continuously. */
  readonly refillPerSecond: number;
}

export type TakeResult = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

export interface RateLimiter {
  readonly kind: 'sqlite' | 'redis';
  /**
   * Take `cost` tokens from the bucket `key` at `now` (epoch ms, injected), atomically. A key never seen starts
   * full. A refused take changes nothing; `retryAfterMs` is the least whole number of ms after which the same
   * take succeeds if nobody else takes meanwhile. A cost above the capacity is admitted only from a full
   * bucket, which then owes the difference (a request larger than the per-minute allowance is not refused
   * forever, it is paid for by the time after it).
   */
  take(key: string, spec: TokenBucketSpec, cost: number, now: number): Promise<TakeResult>;
  close(): Promise<void>;
}

/** `rpm: 600` → 600 requests of burst, refilled at 10 per second; the same for `tpm` in tokens. */
export const perMinute = (limit: number): TokenBucketSpec => ({ capacity: limit, refillPerSecond: limit / 60 });

/** A bucket's stored state: `tokens` at time `updated` (may be negative after an oversized take). */
export interface TokenBucketState {
  readonly tokens: number;
  readonly updated: number;
}

export interface TakeOutcome {
  readonly result: TakeResult;
  /** The state to store, or null when nothing changed (a refusal). */
  readonly next: TokenBucketState | null;
  /** When the bucket will be full again: a stored row past this time is equivalent to no row. */
  readonly fullAt: number;
}

/** Float slack so that waiting exactly `retryAfterMs` is always enough despite rounding. */
const EPSILON = 1e-9;

export function assertTake(spec: TokenBucketSpec, cost: number, now: number): void {
  if (!(Number.isFinite(spec.capacity) && spec.capacity > 0)) throw new RangeError(`capacity must be a positive number, got ${spec.capacity}`);
  if (!(Number.isFinite(spec.refillPerSecond) && spec.refillPerSecond > 0)) {
    throw new RangeError(`refillPerSecond must be a positive number, got ${spec.refillPerSecond}`);
  }
  if (!(Number.isFinite(cost) && cost >= 0)) throw new RangeError(`cost must be a non-negative number, got ${cost}`);
  if (!Number.isFinite(now)) throw new RangeError(`now must be epoch milliseconds, got ${now}`);
}

/** The token-bucket arithmetic shared by every backend. `state` undefined: a key never seen (full). */
export function takeTokens(state: TokenBucketState | undefined, spec: TokenBucketSpec, cost: number, now: number): TakeOutcome {
  const perMs = spec.refillPerSecond / 1000;
  // A clock that steps back (another host's) must not mint tokens: time only counts forward from `updated`.
  const updated = state ? Math.max(state.updated, now) : now;
  const elapsed = state ? Math.max(0, now - state.updated) : 0;
  const tokens = state ? Math.min(spec.capacity, state.tokens + elapsed * perMs) : spec.capacity;
  // An oversized cost waits for a full bucket; any other waits for its own amount.
  const target = Math.min(cost, spec.capacity);
  const slack = EPSILON * Math.max(1, target);
  if (tokens + slack >= target) {
    const left = tokens - cost;
    return { result: { ok: true }, next: { tokens: left, updated }, fullAt: updated + Math.max(0, spec.capacity - left) / perMs };
  }
  const retryAfterMs = Math.max(1, Math.ceil((target - tokens - slack) / perMs));
  return { result: { ok: false, retryAfterMs }, next: null, fullAt: updated + (spec.capacity - tokens) / perMs };
}
