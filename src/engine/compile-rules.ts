// Vetting, Residency and Budget rules compiled against every model: a Vetting or Residency verdict depends
// only on the target's model and provider, so each rule's removals (with their trace entries) are computed
// once per model here, and `decide` only looks up which rules match the request.
import type { ResidencyEntry, TeamEntry, VettingEntry, BudgetEntry } from '../policy/model.js';
import { budgetThresholds, enforcementOf, tierRank } from '../policy/model.js';
import { refOf } from './compile-routes.js';
import { traceStep } from './decision.js';
import { compileGlob } from './glob.js';
import { ALERT, DENY, DOWNGRADE, type CBudget, type CModel, type CRule } from './graph.js';
import { teamConditionsHold } from './match.js';
import { usdToMicros } from './pricing.js';
import * as text from './text.js';

/** Why a Vetting rule removes a model, in the order the semantics list the requirements; empty when it complies. */
function vettingFailures(v: VettingEntry, m: CModel): string[] {
  const spec = v.spec;
  const provider = m.provider;
  const dp = provider.spec.dataPolicy;
  const out: string[] = [];
  const req = spec.require ?? {};
  if (req.zeroDataRetention !== undefined && req.zeroDataRetention !== dp.zeroDataRetention)
    out.push(text.requireFlag('zeroDataRetention', dp.zeroDataRetention, req.zeroDataRetention));
  if (req.trainsOnData !== undefined && req.trainsOnData !== dp.trainsOnData)
    out.push(text.requireFlag('trainsOnData', dp.trainsOnData, req.trainsOnData));
  if (req.maxRetentionDays !== undefined) {
    const days = dp.retentionDays;
    if (days === undefined) out.push(text.retentionUnknown(req.maxRetentionDays));
    else if (days > req.maxRetentionDays) out.push(text.retentionTooLong(days, req.maxRetentionDays));
  }
  if (req.certifications !== undefined) {
    const held = new Set(provider.spec.certifications ?? []);
    const missing = req.certifications.filter((c) => !held.has(c));
    if (missing.length > 0) out.push(text.missingCertifications(missing));
  }
  if (spec.allowProviders && !spec.allowProviders.includes(provider.name)) out.push(text.providerNotAllowed(provider.name));
  if (spec.denyProviders?.includes(provider.name)) out.push(text.providerDenied(provider.name));
  if (spec.allowModels && !spec.allowModels.includes(m.name)) out.push(text.modelNotAllowed(m.name));
  if (spec.denyModels?.includes(m.name)) out.push(text.modelDenied(m.name));
  if (spec.maxTier !== undefined && m.tierRank > tierRank(spec.maxTier)) out.push(text.tierAbove(m.tier, spec.maxTier));
  return out;
}

function residencyFailures(r: ResidencyEntry, matchers: readonly ((s: string) => boolean)[], m: CModel): string[] {
  const outside = m.provider.spec.regions.filter((region) => !matchers.some((matches) => matches(region)));
  return outside.length === 0 ? [] : [text.regionsOutside(outside, r.spec.allowRegions)];
}

function compileRule(
  step: 'vetting' | 'residency',
  entry: VettingEntry | ResidencyEntry,
  models: readonly CModel[],
  failures: (m: CModel) => string[],
): CRule {
  const ref = refOf(entry);
  const enforce = enforcementOf(entry.spec) === 'enforce';
  const removals = models.map((m) => {
    const reasons = failures(m);
    if (reasons.length === 0) return null;
    return traceStep(step, ref, enforce ? 'remove' : 'would-remove', text.targetRemoval(m.name, m.provider.name, reasons));
  });
  return Object.freeze({ enforce, ref, removals: Object.freeze(removals), passStep: traceStep(step, ref, 'pass', text.rulePasses) });
}

export const compileVetting = (v: VettingEntry, models: readonly CModel[]): CRule =>
  compileRule('vetting', v, models, (m) => vettingFailures(v, m));

export function compileResidency(r: ResidencyEntry, models: readonly CModel[]): CRule {
  const matchers = r.spec.allowRegions.map(compileGlob);
  return compileRule('residency', r, models, (m) => residencyFailures(r, matchers, m));
}

const ACTIONS = { alert: ALERT, downgrade: DOWNGRADE, deny: DENY } as const;

export function compileBudget(b: BudgetEntry, models: readonly CModel[]): CBudget {
  const m = b.spec.match;
  const appliesTo = Uint8Array.from(models, (model) =>
    (m?.models === undefined || m.models.includes(model.name)) && (m?.providers === undefined || m.providers.includes(model.provider.name)) ? 1 : 0,
  );
  const thresholds = budgetThresholds(b.spec);
  return Object.freeze({
    entry: b,
    ref: refOf(b),
    enforce: enforcementOf(b.spec) === 'enforce',
    per: b.spec.per,
    limitUsd: b.spec.limitUsd,
    limitMicros: usdToMicros(b.spec.limitUsd),
    appliesTo,
    atPercent: Float64Array.from(thresholds, (t) => t.atPercent),
    action: Uint8Array.from(thresholds, (t) => ACTIONS[t.action]),
    maxTierRank: Uint8Array.from(thresholds, (t) => tierRank(t.maxTier ?? 'frontier')),
  });
}

/** Per team, the budgets whose `teams`/`teamLabels` hold for it, in declaration order. */
export function budgetsByTeam(teams: readonly TeamEntry[], budgets: readonly CBudget[]): CBudget[][] {
  return teams.map((team) => budgets.filter((b) => teamConditionsHold(b.entry.spec.match, team)));
}
