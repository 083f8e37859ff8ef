// One request's budget work, in the order the proxy does it: the team's rate limits; the usage of every bucket
// the request can fall in (one ledger read) as the state `decide` sees; before each candidate is forwarded, its
// budgets' rate limits and the reservation of its worst case (moved when failover changes the candidate);
// once, when the request ends, the settlement of what it really cost.
import type { BudgetState } from '../engine/index.js';
import type { ModelEntry } from '../policy/model.js';
import type { BudgetPlan, Charging, PlannedBudget, TeamPlan } from './budget-plan.js';
import { bucketOf } from './budget-plan.js';
import type { BudgetRuntime } from './budget-runtime.js';
import type { BucketCharge, BucketKey, BucketUsage, Micros, ReserveRequest, ReserveResult } from './ledger.js';
import { costMicros, fromMicros } from './money.js';
import { perMinute } from './rate-limit.js';
import { settledTokens, type Finished } from './settle-cost.js';
import { secondsToWindowEnd } from './window.js';

export interface Refusal {
  readonly code: 'budget_exhausted' | 'rate_limited' | 'ledger_unavailable';
  /** One line, lowercase, names in backticks. */
  readonly message: string;
  /** `Budget/name` or `Team/name`. */
  readonly rule: string;
  /** Whole seconds until a retry can succeed (at least 1). */
  readonly retryAfterSec: number;
}

export type Admission = { readonly ok: true } | { readonly ok: false; readonly refusal: Refusal };

const ADMITTED: Admission = Object.freeze({ ok: true });

interface Reservation {
  readonly id: string;
  /** The budgets it is held against, by name: a failover candidate with the same ones can keep it. */
  readonly signature: string;
  readonly amount: Micros;
  readonly model: ModelEntry;
  /**
   * False when the reserve's outcome is unknown (the ledger timed out: a stalled Redis may still apply it). It is
   * settled or released like any other, so a late-applied reservation is not left holding budget until its TTL.
   */
  readonly confirmed: boolean;
}

/** Used USD per budget for the one bucket this request falls in. */
class UsageState implements BudgetState {
  constructor(private readonly used: ReadonlyMap<string, { readonly bucket: string; readonly usd: number }>) {}
  usedUsd(budget: string, bucket: string): number {
    const u = this.used.get(budget);
    return u !== undefined && u.bucket === bucket ? u.usd : 0;
  }
}

/** The state `decide` sees from one usage read. */
function stateOf(rows: readonly BucketUsage[]): BudgetState {
  const used = new Map<string, { bucket: string; usd: number }>();
  for (const row of rows) used.set(row.budget, { bucket: row.bucket, usd: fromMicros(row.committedMicros + row.reservedMicros) });
  return new UsageState(used);
}

const usd = (micros: Micros): string => `$${fromMicros(micros).toFixed(4)}`;
const tokensOf = (promptTokens: number, maxTokens: number | undefined): number => promptTokens + (maxTokens ?? 0);

export class RequestBudget {
  private reservation: Reservation | null = null;
  private reservations = 0;
  /** Budget rate-limit buckets this request has already paid into (a failover candidate does not pay twice). */
  private taken: Set<string> | null = null;
  private finished = false;
  /** The usage read failed: the ledger is not answering, so this request does not wait on it a second time. */
  private ledgerFailed: unknown = undefined;

  constructor(
    private readonly rt: BudgetRuntime,
    private readonly plan: BudgetPlan,
    private readonly teamPlan: TeamPlan,
    private readonly keyId: string | undefined,
    private readonly requestId: string,
    /** When the request started: its windows and its clock for every ledger call. */
    readonly now: number,
  ) {}

  get hasTeamLimits(): boolean {
    return this.teamPlan.rateLimits !== undefined && this.rt.limiter !== undefined;
  }

  /** Whether any budget can charge this request (else `state` is empty and `admit` always admits). */
  get hasBudgets(): boolean {
    return this.teamPlan.budgets.length > 0;
  }

  /** The team's `rateLimits`: rpm costs 1, tpm the estimated prompt plus `max_tokens`. */
  async takeTeamLimits(promptTokens: number, maxTokens: number | undefined): Promise<Refusal | null> {
    const limits = this.teamPlan.rateLimits;
    if (limits === undefined) return null;
    const team = this.teamPlan.team;
    return this.takeLimits(`team:${team}`, limits, promptTokens, maxTokens, `Team/${team}`, `team \`${team}\``);
  }

  /**
   * Committed + reserved spend of every bucket the request can fall in, from one ledger read. A ledger that reads
   * in-process (`usageSync`) answers at once, without a promise: the request does not wait a turn for it.
   */
  state(): BudgetState | Promise<BudgetState> {
    const budgets = this.teamPlan.budgets;
    const keys: BucketKey[] = budgets.map((b) => this.keyOf(b));
    const ledger = this.rt.ledger;
    if (ledger.usageSync !== undefined) {
      let rows;
      try {
        rows = ledger.usageSync(keys);
      } catch (err) {
        return this.unreadable(err);
      }
      return stateOf(rows);
    }
    return ledger.usage(keys).then(stateOf, (err: unknown) => this.unreadable(err));
  }

  /** The ledger being unreachable must not stop traffic: decide on no spend, reservations still guard limits. */
  private unreadable(err: unknown): BudgetState {
    this.ledgerFailed = err;
    this.rt.log.error({ err, requestId: this.requestId }, 'cannot read budget usage; deciding as if nothing were spent');
    return new UsageState(new Map());
  }

  /**
   * Before forwarding to `model`: its budgets' rate limits, then the reservation of its worst case against every
   * budget that charges it (an earlier candidate's is moved). A refusal means: try the next candidate. Without rate
   * limits to take, a ledger that reserves in-process (`reserveSync`) answers at once, without a promise.
   */
  admit(model: ModelEntry, promptTokens: number, maxTokens: number | undefined): Admission | Promise<Admission> {
    const charging = this.teamPlan.chargingOf(model);
    if (this.rt.limiter !== undefined && charging.rateLimited) return this.admitLimited(charging, model, promptTokens, maxTokens);
    return this.reserveFor(charging, model, promptTokens, maxTokens);
  }

  private async admitLimited(charging: Charging, model: ModelEntry, promptTokens: number, maxTokens: number | undefined): Promise<Admission> {
    for (const b of charging.budgets) {
      if (b.rateLimits === undefined) continue;
      const bucket = bucketOf(b.per, this.teamPlan.team, this.keyId);
      const key = `budget:${b.name}:${bucket}`;
      if (this.taken?.has(key) === true) continue;
      const refusal = await this.takeLimits(key, b.rateLimits, promptTokens, maxTokens, b.rule, `budget \`${b.name}\` (bucket \`${bucket}\`)`);
      if (refusal !== null) return { ok: false, refusal };
      (this.taken ??= new Set()).add(key);
    }
    return this.reserveFor(charging, model, promptTokens, maxTokens);
  }

  /** The reservation of the worst case: kept from an earlier candidate when it covers this one, else made anew. */
  private reserveFor(charging: Charging, model: ModelEntry, promptTokens: number, maxTokens: number | undefined): Admission | Promise<Admission> {
    const amount = costMicros(model.spec, promptTokens, maxTokens ?? model.spec.maxOutputTokens);
    const { budgets: charges, signature } = charging;
    const held = this.reservation;
    if (held !== null && held.signature === signature && held.amount >= amount) {
      this.reservation = { id: held.id, signature: held.signature, amount: held.amount, model, confirmed: held.confirmed };
      return ADMITTED;
    }
    if (held === null) return this.reserveNew(charges, signature, amount, model);
    this.reservation = null;
    return this.safely(this.rt.ledger.release(held.id, this.rt.clock()), 'cannot release a reservation').then(() => this.reserveNew(charges, signature, amount, model));
  }

  private reserveNew(charges: readonly PlannedBudget[], signature: string, amount: Micros, model: ModelEntry): Admission | Promise<Admission> {
    if (charges.length === 0) return ADMITTED;
    const id = this.reservations === 0 ? this.requestId : `${this.requestId}~${this.reservations}`;
    this.reservations += 1;
    // A ledger that did not answer the usage read is not asked again (each try may wait its full timeout).
    if (this.ledgerFailed !== undefined) return this.unreserved(this.ledgerFailed, false, charges, id, signature, amount, model);
    const request: ReserveRequest = { id, charges: charges.map((b) => this.chargeOf(b)), amountMicros: amount, ttlMs: this.rt.reservationTtlMs, now: this.rt.clock() };
    const ledger = this.rt.ledger;
    if (ledger.reserveSync !== undefined) {
      let result;
      try {
        result = ledger.reserveSync(request);
      } catch (err) {
        return this.unreserved(err, true, charges, id, signature, amount, model);
      }
      return this.reserved(result, id, signature, amount, model);
    }
    return ledger.reserve(request).then(
      (result) => this.reserved(result, id, signature, amount, model),
      (err: unknown) => this.unreserved(err, true, charges, id, signature, amount, model),
    );
  }

  /** The ledger failed (`asked`: this reserve reached it, and may still be applied). */
  private unreserved(err: unknown, asked: boolean, charges: readonly PlannedBudget[], id: string, signature: string, amount: Micros, model: ModelEntry): Admission {
    const enforced = charges.find((b) => b.enforce);
    if (this.rt.failClosed && enforced !== undefined) {
      this.rt.log.error({ err, requestId: this.requestId }, 'cannot reserve budget; refusing the request (--ledger-failure closed)');
      // A reserve that timed out may still be applied: take it back (queued behind it on the same connection).
      if (asked) this.rt.track(this.rt.ledger.release(id, this.rt.clock()).then(() => undefined, () => undefined));
      return { ok: false, refusal: unavailable(enforced.rule, `budget \`${enforced.name}\``) };
    }
    this.rt.log.error({ err, requestId: this.requestId }, 'cannot reserve budget; forwarding without a reservation');
    if (asked) this.reservation = { id, signature, amount, model, confirmed: false };
    return ADMITTED;
  }

  private reserved(result: ReserveResult, id: string, signature: string, amount: Micros, model: ModelEntry): Admission {
    if (result.ok) {
      this.reservation = { id, signature, amount, model, confirmed: true };
      return ADMITTED;
    }
    if (result.reason === 'duplicate') throw new Error(`reservation id \`${id}\` was used twice`);
    const budget = this.plan.budget(result.bucket.budget);
    const left = Math.max(0, result.limitMicros - result.committedMicros - result.reservedMicros);
    return {
      ok: false,
      refusal: {
        code: 'budget_exhausted',
        message:
          `budget \`${result.bucket.budget}\` (bucket \`${result.bucket.bucket}\`, ${result.bucket.window}) cannot fit the worst case of ` +
          `\`${model.name}\`, ${usd(amount)}: ${usd(left)} of ${usd(result.limitMicros)} left`,
        rule: budget?.rule ?? `Budget/${result.bucket.budget}`,
        retryAfterSec: secondsToWindowEnd(result.bucket.window, this.now),
      },
    };
  }

  /**
   * Settles what the request cost, once: releases the reservation and commits the real cost (or releases it
   * unspent when nothing reached the provider). The ledger work runs in the background; the promise, when
   * there is one, resolves once the ledger has committed it (see Ledger.committed) and never rejects.
   */
  finish(model: string | undefined, f: Omit<Finished, 'sent'> & { readonly sent: boolean }): Promise<void> | undefined {
    if (this.finished) return undefined;
    this.finished = true;
    const held = this.reservation;
    if (held === null) return undefined;
    this.reservation = null;
    // Field by field, not `{ ...f, sent }`: a spread followed by a property builds a new hidden class per request.
    const tokens = settledTokens({ outcome: f.outcome, sent: f.sent && model === held.model.name, usage: f.usage, outputChars: f.outputChars, promptTokens: f.promptTokens });
    const now = this.rt.clock();
    if (tokens === null) {
      this.rt.track(this.rt.ledger.release(held.id, now));
      return this.committed();
    }
    const actual = costMicros(held.model.spec, tokens.inputTokens, tokens.outputTokens);
    this.rt.track(this.rt.ledger.settle(held.id, actual, now), (result) => {
      if (!result.ok) {
        if (!held.confirmed && result.reason === 'unknown')
          this.rt.log.warn({ requestId: this.requestId, reservation: held.id }, 'the reserve that timed out never reached the ledger; this request\'s cost is not recorded');
        else this.rt.log.error({ requestId: this.requestId, reservation: held.id, reason: result.reason }, 'a settlement was refused by the ledger');
        return undefined;
      }
      return this.rt.thresholds.check(this.plan, result.buckets);
    });
    return this.committed();
  }

  /** The commit of what was just written, for ledgers that commit a turn's writes together; its failure is logged by the write itself. */
  private committed(): Promise<void> | undefined {
    return this.rt.ledger.committed?.().catch(() => undefined);
  }

  // The bucket this request falls in for `b`, in its current window: the same objects for every request of it.
  private keyOf(b: PlannedBudget): BucketKey {
    return b.key(bucketOf(b.per, this.teamPlan.team, this.keyId), this.rt.windowStart(b.window, this.now));
  }

  private chargeOf(b: PlannedBudget): BucketCharge {
    return b.charge(bucketOf(b.per, this.teamPlan.team, this.keyId), this.rt.windowStart(b.window, this.now));
  }

  private async takeLimits(
    key: string,
    limits: { readonly rpm?: number; readonly tpm?: number },
    promptTokens: number,
    maxTokens: number | undefined,
    rule: string,
    who: string,
  ): Promise<Refusal | null> {
    const limiter = this.rt.limiter;
    if (limiter === undefined) return null;
    const now = this.rt.clock();
    try {
      if (limits.rpm !== undefined) {
        const r = await limiter.take(`${key}:rpm`, perMinute(limits.rpm), 1, now);
        if (!r.ok) return limited(rule, `${who} is over its rate limit of ${limits.rpm} requests per minute`, r.retryAfterMs);
      }
      if (limits.tpm !== undefined) {
        const cost = tokensOf(promptTokens, maxTokens);
        const r = await limiter.take(`${key}:tpm`, perMinute(limits.tpm), cost, now);
        if (!r.ok) return limited(rule, `${who} is over its rate limit of ${limits.tpm} tokens per minute (this request counts ${cost})`, r.retryAfterMs);
      }
    } catch (err) {
      if (this.rt.failClosed) {
        this.rt.log.error({ err, requestId: this.requestId }, 'cannot check a rate limit; refusing the request (--ledger-failure closed)');
        return unavailable(rule, who);
      }
      this.rt.log.error({ err, requestId: this.requestId }, 'cannot check a rate limit; admitting the request');
    }
    return null;
  }

  private async safely(work: Promise<unknown>, what: string): Promise<void> {
    try {
      await work;
    } catch (err) {
      this.rt.log.error({ err, requestId: this.requestId }, what);
    }
  }
}

function unavailable(rule: string, who: string): Refusal {
  return { code: 'ledger_unavailable', message: `the ledger that keeps ${who} cannot be reached; not forwarding while spend cannot be recorded`, rule, retryAfterSec: 1 };
}

function limited(rule: string, message: string, retryAfterMs: number): Refusal {
  return { code: 'rate_limited', message, rule, retryAfterSec: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
}
