// Which Budgets and rate limits can touch a request, worked out once per policy version: per team, the budgets
// whose `teams`/`teamLabels` hold for it (decision step 5), and per model, the ones that charge a request sent
// there (`models`/`providers`). The per-request path only looks these up.
import { teamConditionsHold } from '../engine/index.js';
import type { BudgetThreshold, RateLimits } from '../policy/generated/policy.js';
import { budgetThresholds, enforcementOf, ruleId, type BudgetEntry, type ModelEntry, type PolicySet, type TeamEntry } from '../policy/model.js';
import type { BucketCharge, BucketKey, BudgetWindow, Micros } from './ledger.js';
import { toMicros } from './money.js';
import { secondsToWindowEnd } from './window.js';

export interface PlannedBudget {
  readonly name: string;
  /** `Budget/name`, as traces and error messages name it. */
  readonly rule: string;
  readonly per: 'team' | 'key' | 'shared';
  readonly window: BudgetWindow;
  readonly limitMicros: Micros;
  readonly limitUsd: number;
  readonly enforce: boolean;
  readonly thresholds: readonly BudgetThreshold[];
  readonly rateLimits: RateLimits | undefined;
  /** Whether spend on the model counts against this budget (its `models`/`providers`). */
  appliesTo(model: ModelEntry): boolean;
  /**
   * The key of `bucket` in the window starting at `windowStart`: one object per bucket and window, built on first
   * use and handed out again (a ledger may key its caches on the object). Frozen.
   */
  key(bucket: string, windowStart: number): BucketKey;
  /** The same bucket as a charge (its limit and enforcement), one object per bucket and window as `key`. */
  charge(bucket: string, windowStart: number): BucketCharge;
}

/** Buckets kept per budget for its current window; past this many the cache starts over. */
const MAX_CACHED_BUCKETS = 10_000;

export interface TeamPlan {
  readonly team: string;
  /** Budgets whose team conditions hold, in declaration order. */
  readonly budgets: readonly PlannedBudget[];
  /** The team's own `rateLimits`. */
  readonly rateLimits: RateLimits | undefined;
  /** Neither budgets nor rate limits: a request of this team touches no ledger. */
  readonly idle: boolean;
  /** The budgets that charge a request sent to `model`, in declaration order. */
  chargesFor(model: ModelEntry): readonly PlannedBudget[];
  /** The same budgets with what a reservation needs of them, worked out once per model. */
  chargingOf(model: ModelEntry): Charging;
}

/** The budgets that charge a request sent to one model, and what its reservation needs of them. */
export interface Charging {
  readonly budgets: readonly PlannedBudget[];
  /** Their names, comma-joined: a failover candidate charged by the same budgets can keep the reservation. */
  readonly signature: string;
  /** Some of them have `rateLimits` to take before reserving. */
  readonly rateLimited: boolean;
}

export interface BudgetPlan {
  readonly policy: PolicySet;
  /** Every Budget of the policy, in declaration order. */
  readonly budgets: readonly PlannedBudget[];
  team(name: string): TeamPlan | undefined;
  budget(name: string): PlannedBudget | undefined;
}

/** The bucket a request falls in: the team for `per: team`, the key id for `per: key` ('' unknown), `*` for `per: shared`. */
export const bucketOf = (per: PlannedBudget['per'], team: string, keyId: string | undefined): string =>
  per === 'team' ? team : per === 'key' ? (keyId ?? '') : '*';

function planBudget(entry: BudgetEntry): PlannedBudget {
  const spec = entry.spec;
  const models = spec.match?.models === undefined ? undefined : new Set(spec.match.models);
  const providers = spec.match?.providers === undefined ? undefined : new Set(spec.match.providers);
  const limitMicros = toMicros(spec.limitUsd);
  const enforce = enforcementOf(spec) === 'enforce';
  // The current window's keys and charges by bucket; a request of another window (the clock moved on) starts it over.
  let cachedStart = Number.NaN;
  let buckets = new Map<string, { readonly key: BucketKey; readonly charge: BucketCharge }>();
  const bucketIn = (bucket: string, windowStart: number): { readonly key: BucketKey; readonly charge: BucketCharge } => {
    if (windowStart !== cachedStart || buckets.size >= MAX_CACHED_BUCKETS) {
      cachedStart = windowStart;
      buckets = new Map();
    }
    let b = buckets.get(bucket);
    if (b === undefined) {
      b = {
        key: Object.freeze({ budget: entry.name, bucket, window: spec.window, windowStart }),
        charge: Object.freeze({ budget: entry.name, bucket, window: spec.window, windowStart, limitMicros, enforce }),
      };
      buckets.set(bucket, b);
    }
    return b;
  };
  return Object.freeze({
    name: entry.name,
    rule: ruleId(entry),
    per: spec.per,
    window: spec.window,
    limitMicros,
    limitUsd: spec.limitUsd,
    enforce,
    thresholds: budgetThresholds(spec),
    rateLimits: spec.rateLimits,
    appliesTo: (model: ModelEntry) => (models === undefined || models.has(model.name)) && (providers === undefined || providers.has(model.spec.provider)),
    key: (bucket: string, windowStart: number) => bucketIn(bucket, windowStart).key,
    charge: (bucket: string, windowStart: number) => bucketIn(bucket, windowStart).charge,
  });
}

function planTeam(team: TeamEntry, all: readonly PlannedBudget[], entries: ReadonlyMap<string, BudgetEntry>): TeamPlan {
  const budgets = all.filter((b) => teamConditionsHold(entries.get(b.name)!.spec.match, team));
  const rateLimits = team.spec.rateLimits;
  const byModel = new Map<string, Charging>();
  const chargingOf = (model: ModelEntry): Charging => {
    let charging = byModel.get(model.name);
    if (charging === undefined) {
      const charged = budgets.filter((b) => b.appliesTo(model));
      charging = { budgets: charged, signature: charged.map((b) => b.name).join(','), rateLimited: charged.some((b) => b.rateLimits !== undefined) };
      byModel.set(model.name, charging);
    }
    return charging;
  };
  return {
    team: team.name,
    budgets,
    rateLimits,
    idle: budgets.length === 0 && rateLimits === undefined,
    chargesFor: (model) => chargingOf(model).budgets,
    chargingOf,
  };
}

function buildPlan(policy: PolicySet): BudgetPlan {
  const budgets = [...policy.budgets.values()].map(planBudget);
  const byName = new Map(budgets.map((b) => [b.name, b]));
  const teams = new Map<string, TeamPlan>();
  for (const team of policy.teams.values()) teams.set(team.name, planTeam(team, budgets, policy.budgets));
  return { policy, budgets, team: (name) => teams.get(name), budget: (name) => byName.get(name) };
}

const plans = new WeakMap<PolicySet, BudgetPlan>();

/** The plan of a policy version, built on first use and kept as long as the policy lives. */
export function planOf(policy: PolicySet): BudgetPlan {
  let plan = plans.get(policy);
  if (plan === undefined) {
    plan = buildPlan(policy);
    plans.set(policy, plan);
  }
  return plan;
}

/** The `retry-after` of a budget denial decided by `rule` (`Budget/name`): seconds until that budget's window ends. */
export function retryAfterOfRule(policy: PolicySet, rule: string | undefined, now: number): number | undefined {
  if (rule === undefined || !rule.startsWith('Budget/')) return undefined;
  const budget = policy.budgets.get(rule.slice('Budget/'.length));
  return budget === undefined ? undefined : secondsToWindowEnd(budget.spec.window, now);
}
