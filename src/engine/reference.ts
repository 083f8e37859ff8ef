// The reference evaluator: docs/decision-semantics.md read literally, one step after another, with linear scans
// over the policy and no index, cache or precomputation. It is slow on purpose and shares nothing with the
// compiled engine but the wording (text.ts), the pricing formula and the percent rounding (pricing.ts), and
// the normal form of Classifier keywords (classify/keywords.ts; classification is in reference-classify.ts):
// test/engine/differential.test.ts proves both return the same Decision for generated policies and requests.
import type { BudgetEntry, Kind, ModelEntry, PolicySet, ProviderEntry, RouteEntry, TeamEntry } from '../policy/model.js';
import { budgetThresholds, enforcementOf, ruleId, sourceRef, tierRank } from '../policy/model.js';
import type { RequestMatch, TeamLabelSelector, Tier, VettingSpec } from '../policy/generated/policy.js';
import { resolveTaskAndComplexity } from './reference-classify.js';
import type { BudgetState, Candidate, Decision, Denial, RequestContext, TraceStep } from './types.js';
import { NO_SPEND } from './types.js';
import { estimateCostUsd, overBudget, percentUsed, pricePerMTok, usdToMicros } from './pricing.js';
import * as text from './text.js';

interface Rule {
  readonly kind: Kind;
  readonly name: string;
  readonly source: { file: string; line: number; col: number };
}

interface Target {
  readonly model: ModelEntry;
  readonly provider: ProviderEntry;
  readonly weight: number;
}

interface Req {
  readonly team: TeamEntry;
  readonly dataClass: string;
  readonly task: string;
  readonly complexity: string | undefined;
  readonly model: string;
  readonly promptTokens: number;
  readonly stream: boolean;
}

function entry(step: TraceStep['step'], rule: Rule, effect: string, detail: string): TraceStep {
  return { step, rule: ruleId(rule), source: sourceRef(rule.source), effect, detail };
}

function labelsHold(selector: TeamLabelSelector, team: TeamEntry): boolean {
  for (const key of Object.keys(selector)) {
    const want = selector[key];
    if (want === undefined) continue;
    const have = team.metadata.labels?.[key];
    if (have === undefined) return false;
    const values = typeof want === 'string' ? [want] : want;
    if (!values.includes(have)) return false;
  }
  return true;
}

function holds(match: RequestMatch | undefined, r: Req): boolean {
  if (match === undefined) return true;
  if (match.teams !== undefined && !match.teams.includes(r.team.name)) return false;
  if (match.teamLabels !== undefined && !labelsHold(match.teamLabels, r.team)) return false;
  if (match.dataClasses !== undefined && !match.dataClasses.includes(r.dataClass)) return false;
  if (match.tasks !== undefined && !match.tasks.includes(r.task)) return false;
  if (match.complexity !== undefined) {
    if (r.complexity === undefined) return false;
    if (!(match.complexity as readonly string[]).includes(r.complexity)) return false;
  }
  if (match.models !== undefined && !match.models.includes(r.model)) return false;
  const b = match.promptTokens;
  if (b !== undefined) {
    if (b.lt !== undefined && !(r.promptTokens < b.lt)) return false;
    if (b.lte !== undefined && !(r.promptTokens <= b.lte)) return false;
    if (b.gt !== undefined && !(r.promptTokens > b.gt)) return false;
    if (b.gte !== undefined && !(r.promptTokens >= b.gte)) return false;
  }
  if (match.stream !== undefined && match.stream !== r.stream) return false;
  return true;
}

/** Backtracking glob match: exponential in the worst case, fine for a reference. */
function globHolds(glob: string, s: string): boolean {
  if (glob.length === 0) return s.length === 0;
  const g = glob[0];
  if (g === '*') {
    for (let i = 0; i <= s.length; i++) if (globHolds(glob.slice(1), s.slice(i))) return true;
    return false;
  }
  if (s.length === 0) return false;
  if (g !== '?' && g !== s[0]) return false;
  return globHolds(glob.slice(1), s.slice(1));
}

/** murmur3's fmix32, applied to the FNV-1a hash before it is scaled into [0, total) (see hash.ts for why). */
function mix(h: number): number {
  let x = h >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x = (x ^ (x >>> 13)) >>> 0;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function vettingReasons(spec: VettingSpec, t: Target): string[] {
  const reasons: string[] = [];
  const dp = t.provider.spec.dataPolicy;
  const req = spec.require;
  if (req?.zeroDataRetention !== undefined && dp.zeroDataRetention !== req.zeroDataRetention)
    reasons.push(text.requireFlag('zeroDataRetention', dp.zeroDataRetention, req.zeroDataRetention));
  if (req?.trainsOnData !== undefined && dp.trainsOnData !== req.trainsOnData)
    reasons.push(text.requireFlag('trainsOnData', dp.trainsOnData, req.trainsOnData));
  if (req?.maxRetentionDays !== undefined) {
    if (dp.retentionDays === undefined) reasons.push(text.retentionUnknown(req.maxRetentionDays));
    else if (dp.retentionDays > req.maxRetentionDays) reasons.push(text.retentionTooLong(dp.retentionDays, req.maxRetentionDays));
  }
  if (req?.certifications !== undefined) {
    const held = t.provider.spec.certifications ?? [];
    const missing = req.certifications.filter((c) => !held.includes(c));
    if (missing.length > 0) reasons.push(text.missingCertifications(missing));
  }
  if (spec.allowProviders !== undefined && !spec.allowProviders.includes(t.provider.name))
    reasons.push(text.providerNotAllowed(t.provider.name));
  if (spec.denyProviders !== undefined && spec.denyProviders.includes(t.provider.name)) reasons.push(text.providerDenied(t.provider.name));
  if (spec.allowModels !== undefined && !spec.allowModels.includes(t.model.name)) reasons.push(text.modelNotAllowed(t.model.name));
  if (spec.denyModels !== undefined && spec.denyModels.includes(t.model.name)) reasons.push(text.modelDenied(t.model.name));
  if (spec.maxTier !== undefined && tierRank(t.model.spec.tier) > tierRank(spec.maxTier))
    reasons.push(text.tierAbove(t.model.spec.tier, spec.maxTier));
  return reasons;
}

/** Decide a request by reading the policy literally. Same contract as `decide`. */
export function referenceDecide(policy: PolicySet, ctx: RequestContext, budgets: BudgetState = NO_SPEND): Decision {
  const org = policy.organization;
  const trace: TraceStep[] = [];
  const deny = (code: Denial['code'], message: string, rule: Rule, route?: RouteEntry): Decision => {
    trace.push(entry('result', rule, 'deny', text.denied(code, message)));
    const denial: Denial = { code, message, rule: ruleId(rule) };
    const owner = route === undefined ? {} : { route: route.name };
    return { outcome: 'deny', ...owner, candidates: [], deny: denial, trace, policyVersion: policy.version.id };
  };
  const invalid = (message: string): Decision => {
    trace.push(entry('admit', org, 'deny', message));
    return deny('invalid_request', message, org);
  };

  // 1. admit
  const team = policy.teams.get(ctx.team);
  if (team === undefined) return invalid(text.unknownTeam(ctx.team));
  if (ctx.dataClass !== undefined && !org.spec.dataClasses.includes(ctx.dataClass)) return invalid(text.unknownDataClass(ctx.dataClass));
  if (ctx.task !== undefined && !org.spec.tasks.includes(ctx.task)) return invalid(text.unknownTask(ctx.task));
  if (ctx.complexity !== undefined && !['low', 'medium', 'high'].includes(ctx.complexity)) return invalid(text.unknownComplexity(ctx.complexity));
  const promptTokens = ctx.promptTokens ?? 0;
  if (!Number.isSafeInteger(promptTokens) || promptTokens < 0) return invalid(text.badPromptTokens(promptTokens));
  if (ctx.maxTokens !== undefined && (!Number.isSafeInteger(ctx.maxTokens) || ctx.maxTokens < 1)) return invalid(text.badMaxTokens(ctx.maxTokens));
  if (ctx.stream !== undefined && typeof ctx.stream !== 'boolean') return invalid(text.badStream(ctx.stream));
  const dataClass = ctx.dataClass ?? team.spec.dataClasses.default;
  if (ctx.dataClass !== undefined && !team.spec.dataClasses.allowed.includes(ctx.dataClass)) {
    const message = text.dataClassNotAllowed(team.name, ctx.dataClass, team.spec.dataClasses.allowed);
    trace.push(entry('admit', team, 'deny', message));
    return deny('data_class_not_allowed', message, team);
  }
  trace.push(entry('admit', team, 'allow', text.admitted(team.name, dataClass, ctx.dataClass !== undefined)));
  const stream = ctx.stream ?? false;
  const resolved = resolveTaskAndComplexity(policy, ctx);
  const { task, complexity } = resolved;
  if (resolved.by === undefined) {
    trace.push(entry('context', org, 'resolve', text.contextDetail(dataClass, ctx.dataClass !== undefined, task, ctx.task !== undefined, complexity, stream)));
  } else {
    const detail = text.classifiedContextDetail(resolved.by.text, dataClass, ctx.dataClass !== undefined, task, resolved.taskFrom, complexity, resolved.complexityFrom, stream);
    trace.push({ step: 'context', rule: resolved.by.rule, source: resolved.by.source, effect: 'classify', detail });
  }
  const req: Req = { team, dataClass, task, complexity, model: ctx.model, promptTokens, stream };

  // 2. route: the highest priority wins, the first declared among equals
  let route: RouteEntry | undefined;
  for (const r of policy.routes.values()) {
    if (holds(r.spec.match, req) && (route === undefined || r.spec.priority > route.spec.priority)) route = r;
  }
  if (route === undefined) {
    const message = text.noRoute(team.name, dataClass, task, complexity, ctx.model, promptTokens, stream);
    trace.push(entry('route', org, 'no-match', message));
    return deny('no_route', message, org);
  }
  trace.push(entry('route', route, 'match', text.routeMatched(route.spec.priority, route.spec.match)));

  // 3. order
  const declared: Target[] = route.spec.targets.map((t) => {
    const model = policy.models.get(t.model);
    const provider = model && policy.providers.get(model.spec.provider);
    if (!model || !provider) throw new Error(`unlinked target ${t.model} of route ${route.name}`);
    return { model, provider, weight: t.weight ?? 1 };
  });
  let ordered: Target[];
  const strategy = route.spec.strategy ?? 'ordered';
  const names = (ts: readonly Target[]): string[] => ts.map((t) => t.model.name);
  if (strategy === 'ordered') {
    ordered = declared;
    trace.push(entry('order', route, 'order', text.orderedDetail(names(ordered))));
  } else if (strategy === 'cheapest') {
    ordered = [...declared].sort((a, b) => pricePerMTok(a.model.spec) - pricePerMTok(b.model.spec));
    trace.push(entry('order', route, 'order', text.cheapestDetail(names(ordered), ordered.map((t) => pricePerMTok(t.model.spec)))));
  } else {
    let total = 0;
    for (const t of declared) total += t.weight;
    const byWeight = (ts: Target[]): Target[] => [...ts].sort((a, b) => b.weight - a.weight);
    let pick: Target | undefined;
    if (total > 0) {
      const point = (mix(fnv1a(ctx.stickyKey ?? ctx.requestId ?? '')) / 4294967296) * total;
      let cumulative = 0;
      for (const t of declared) {
        cumulative += t.weight;
        if (t.weight > 0 && cumulative > point) {
          pick = t;
          break;
        }
      }
      pick ??= [...declared].reverse().find((t) => t.weight > 0);
    }
    const rest = byWeight(declared.filter((t) => t !== pick));
    ordered = pick === undefined ? rest : [pick, ...rest];
    const detail = text.weightedDetail(pick?.model.name, text.describeWeights(names(declared), declared.map((t) => t.weight)), names(rest));
    trace.push(entry('order', route, 'order', detail));
  }

  // 4. filter
  const removals: text.Removal[] = [];
  let remaining = ordered;
  const required = route.spec.requires?.capabilities ?? [];
  // What the request itself uses needs a capability too: tools → `tools`, images → `vision`, JSON mode → `json`.
  const f = ctx.features;
  const uses: [string, string][] = [];
  if (f?.tools === true) uses.push(['tools', 'tools']);
  if (f?.images === true) uses.push(['vision', 'images']);
  if (f?.jsonMode === true) uses.push(['json', 'JSON mode']);
  const needed = promptTokens + (ctx.maxTokens ?? 0);
  remaining = remaining.filter((t) => {
    const has: string[] = t.model.spec.capabilities ?? [];
    const missing = required.filter((c) => !has.includes(c));
    const unmet = uses.filter(([c]) => !has.includes(c) && !(required as string[]).includes(c));
    let rule: Rule | undefined;
    const reasons: string[] = [];
    if (missing.length > 0) reasons.push(text.lacksCapabilities(missing));
    if (unmet.length > 0) reasons.push(text.lacksRequestCapabilities(unmet.map(([c]) => c), unmet.map(([, u]) => u)));
    if (reasons.length > 0) rule = route;
    else if (t.model.spec.contextWindow < needed) [rule, reasons[0]] = [t.model, text.contextWindowTooSmall(t.model.spec.contextWindow)];
    if (rule === undefined) return true;
    const detail = text.targetRemoval(t.model.name, t.provider.name, reasons);
    trace.push(entry('capability', rule, 'remove', detail));
    removals.push({ rule: ruleId(rule), detail });
    return false;
  });
  const constraints = [
    ...[...policy.vettings.values()].map((v) => ({ rule: v as Rule, step: 'vetting' as const, spec: v.spec, reasons: (t: Target) => vettingReasons(v.spec, t) })),
    ...[...policy.residencies.values()].map((r) => ({
      rule: r as Rule,
      step: 'residency' as const,
      spec: r.spec,
      reasons: (t: Target): string[] => {
        const outside = t.provider.spec.regions.filter((region) => !r.spec.allowRegions.some((g) => globHolds(g, region)));
        return outside.length > 0 ? [text.regionsOutside(outside, r.spec.allowRegions)] : [];
      },
    })),
  ];
  for (const c of constraints) {
    if (!holds(c.spec.match, req)) continue;
    const enforce = enforcementOf(c.spec) === 'enforce';
    const kept: Target[] = [];
    let acted = false;
    for (const t of remaining) {
      const reasons = c.reasons(t);
      if (reasons.length === 0) {
        kept.push(t);
        continue;
      }
      acted = true;
      const detail = text.targetRemoval(t.model.name, t.provider.name, reasons);
      trace.push(entry(c.step, c.rule, enforce ? 'remove' : 'would-remove', detail));
      if (enforce) removals.push({ rule: ruleId(c.rule), detail });
      else kept.push(t);
    }
    if (!acted) trace.push(entry(c.step, c.rule, 'pass', text.rulePasses));
    remaining = kept;
  }
  if (remaining.length === 0) return deny('no_eligible_model', text.noEligibleModel(route.name, removals), route, route);

  // 5. budgets
  let firstRemover: BudgetEntry | undefined;
  const budgetRemovals: text.Removal[] = [];
  for (const budget of policy.budgets.values()) {
    const m = budget.spec.match;
    if (m?.teams !== undefined && !m.teams.includes(team.name)) continue;
    if (m?.teamLabels !== undefined && !labelsHold(m.teamLabels, team)) continue;
    const applies = (t: Target): boolean =>
      (m?.models === undefined || m.models.includes(t.model.name)) && (m?.providers === undefined || m.providers.includes(t.provider.name));
    if (!remaining.some(applies)) continue;
    const per = budget.spec.per;
    const bucket = per === 'team' ? team.name : per === 'key' ? (ctx.keyId ?? '') : '*';
    const limit = budget.spec.limitUsd;
    const used = budgets.usedUsd(budget.name, bucket);
    const pct = percentUsed(used, limit);
    const crossed = budgetThresholds(budget.spec).filter((t) => t.atPercent <= pct);
    const denyCrossed = crossed.some((t) => t.action === 'deny');
    const alertCrossed = crossed.some((t) => t.action === 'alert');
    let maxTier: Tier | undefined;
    for (const t of crossed) {
      if (t.action !== 'downgrade') continue;
      const tier = t.maxTier ?? 'frontier';
      if (maxTier === undefined || tierRank(tier) < tierRank(maxTier)) maxTier = tier;
    }
    const enforce = enforcementOf(budget.spec) === 'enforce';
    const usage = text.budgetUsage(pct, limit, budget.spec.window, bucket);
    const kept: Target[] = [];
    for (const t of remaining) {
      if (!applies(t)) {
        kept.push(t);
        continue;
      }
      let remove: { effect: string; detail: string } | undefined;
      if (denyCrossed) remove = { effect: enforce ? 'deny' : 'would-deny', detail: text.budgetDeny(t.model.name, usage) };
      else if (maxTier !== undefined && tierRank(t.model.spec.tier) > tierRank(maxTier))
        remove = { effect: enforce ? 'remove' : 'would-remove', detail: text.budgetDowngrade(t.model.name, t.model.spec.tier, false, maxTier, usage) };
      else {
        if (maxTier !== undefined) trace.push(entry('budget', budget, 'downgrade', text.budgetDowngrade(t.model.name, t.model.spec.tier, true, maxTier, usage)));
        else if (alertCrossed) trace.push(entry('budget', budget, 'alert', text.budgetAlert(t.model.name, usage)));
        const output = ctx.maxTokens ?? t.model.spec.maxOutputTokens;
        if (overBudget(t.model.spec, promptTokens, output, used, usdToMicros(limit)))
          remove = { effect: enforce ? 'remove' : 'would-remove', detail: text.budgetReservation(t.model.name, estimateCostUsd(t.model.spec, promptTokens, output), limit - used, bucket) };
      }
      if (remove === undefined) {
        kept.push(t);
        continue;
      }
      trace.push(entry('budget', budget, remove.effect, remove.detail));
      if (!enforce) {
        kept.push(t);
        continue;
      }
      firstRemover ??= budget;
      budgetRemovals.push({ rule: ruleId(budget), detail: remove.detail });
    }
    remaining = kept;
  }
  if (remaining.length === 0 && firstRemover !== undefined)
    return deny('budget_exhausted', text.budgetExhausted(budgetRemovals), firstRemover, route);

  // 6–7. result
  const candidates: Candidate[] = remaining.map((t) => ({ model: t.model.name, provider: t.provider.name, upstreamModel: t.model.spec.upstreamModel }));
  const [primary, ...fallbacks] = remaining;
  if (primary === undefined) throw new Error('unreachable: no candidates left without a denial');
  trace.push(entry('result', route, 'route', text.routed(primary.model.name, primary.provider.name, names(fallbacks))));
  return { outcome: 'route', route: route.name, candidates, trace, policyVersion: policy.version.id };
}
