// Budgets in the running proxy: one per process, shared by every request and policy version. It owns the ledger
// and the rate limiter, hands each request a `RequestBudget` (usage read, reservations, settlement), keeps the
// settlements that are still writing so a closing server can wait for them, and releases reservations of
// crashed processes whose TTL has passed.
import { NO_SPEND, type BudgetState } from '../engine/index.js';
import type { PolicySet } from '../policy/model.js';
import { planOf } from './budget-plan.js';
import type { BudgetWindow, Ledger } from './ledger.js';
import type { RateLimiter } from './rate-limit.js';
import { RequestBudget } from './request-budget.js';
import { ThresholdWatch, type ThresholdEvent, type ThresholdLog } from './thresholds.js';
import { windowEnd, windowStart } from './window.js';

export interface BudgetRuntimeOptions {
  readonly ledger: Ledger;
  /** Enforces `rateLimits`; without one they are not enforced. */
  readonly limiter?: RateLimiter | undefined;
  /** Epoch ms; tests inject one. Default Date.now. */
  readonly clock?: () => number;
  /**
   * How long a reservation outlives its process (crash recovery). Longer than the longest request, streams
   * included; a settlement after it still counts (the ledger settles an expired reservation once). Default 15 min.
   */
  readonly reservationTtlMs?: number;
  /** Interval of the expiry sweep; 0 turns it off. Default 60 s. */
  readonly expireEveryMs?: number;
  /**
   * When the ledger or the rate limiter fails: `open` (default) forwards without a reservation or a take and
   * logs the error; `closed` refuses, with `ledger_unavailable`, a request that an enforced budget or a rate
   * limit would charge, so no hard budget can be overrun while spend cannot be recorded.
   */
  readonly onLedgerFailure?: 'open' | 'closed';
  readonly log?: ThresholdLog;
  /** Called once per threshold crossing (also logged). */
  readonly onThreshold?: (event: ThresholdEvent) => void;
}

export const DEFAULT_RESERVATION_TTL_MS = 15 * 60_000;

const SILENT: ThresholdLog = { warn: () => undefined, error: () => undefined };

interface WindowSpan {
  start: number;
  end: number;
}

export class BudgetRuntime {
  readonly ledger: Ledger;
  readonly limiter: RateLimiter | undefined;
  readonly clock: () => number;
  readonly reservationTtlMs: number;
  /** `onLedgerFailure: 'closed'`. */
  readonly failClosed: boolean;
  readonly log: ThresholdLog;
  readonly thresholds: ThresholdWatch;
  private readonly pending = new Set<Promise<void>>();
  private readonly windows = new Map<BudgetWindow, WindowSpan>();
  private readonly sweep: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: BudgetRuntimeOptions) {
    this.ledger = options.ledger;
    this.limiter = options.limiter;
    this.clock = options.clock ?? Date.now;
    this.reservationTtlMs = options.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS;
    this.failClosed = options.onLedgerFailure === 'closed';
    this.log = options.log ?? SILENT;
    this.thresholds = new ThresholdWatch(this.ledger, this.log, options.onThreshold);
    const every = options.expireEveryMs ?? 60_000;
    if (every > 0) {
      this.sweep = setInterval(() => this.track(this.expire()), every);
      this.sweep.unref();
    }
  }

  /** The request's budget work, or null when its team has neither budgets nor rate limits (nothing to do). */
  begin(policy: PolicySet, team: string, keyId: string | undefined, requestId: string): RequestBudget | null {
    const plan = planOf(policy);
    const teamPlan = plan.team(team);
    if (teamPlan === undefined || teamPlan.idle) return null;
    return new RequestBudget(this, plan, teamPlan, keyId, requestId, this.clock());
  }

  /** The budget state a request of `team` (with `keyId`) would be decided on now: one ledger read. */
  async stateFor(policy: PolicySet, team: string, keyId: string | undefined): Promise<BudgetState> {
    const request = this.begin(policy, team, keyId, 'state');
    return request === null ? NO_SPEND : request.state();
  }

  /** Start of the current window (cached until the window ends: a month's start needs a Date). */
  windowStart(window: BudgetWindow, now: number): number {
    let span = this.windows.get(window);
    if (span === undefined || now < span.start || now >= span.end) {
      span = { start: windowStart(window, now), end: windowEnd(window, now) };
      this.windows.set(window, span);
    }
    return span.start;
  }

  /**
   * Keeps a background ledger write until it ends; its failure is logged, never thrown. `then`, when given, runs on
   * its result (a promise it returns is kept too).
   */
  track<T>(work: Promise<T>, then?: (result: T) => Promise<unknown> | undefined): void {
    // One promise a write: it leaves `pending` as it settles (`drain` waits on it, so it resolves after that).
    const p: Promise<void> = work.then(
      (result) => {
        this.pending.delete(p);
        if (then === undefined) return;
        try {
          const more = then(result);
          if (more !== undefined) this.track(more);
        } catch (err) {
          this.log.error({ err }, 'a ledger write failed');
        }
      },
      (err: unknown) => {
        this.pending.delete(p);
        this.log.error({ err }, 'a ledger write failed');
      },
    );
    this.pending.add(p);
  }

  /** Settlements and releases still writing. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Waits for every background write started so far (and those they start). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Releases reservations whose TTL has passed (another process crashed holding them). */
  private async expire(): Promise<void> {
    if (this.closed) return;
    const n = await this.ledger.expire(this.clock());
    if (n > 0) this.log.warn({ event: 'reservations_expired', count: n }, `released ${n} reservation(s) left by a process that stopped`);
  }

  /** Drains, then closes the ledger and the rate limiter. */
  async close(): Promise<void> {
    if (this.sweep !== undefined) clearInterval(this.sweep);
    await this.drain();
    if (this.closed) return;
    this.closed = true;
    await this.ledger.close();
    await this.limiter?.close();
  }
}
