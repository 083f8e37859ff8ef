// Budgets that count no spend: `rule_matches_nothing` when no team has the labels its match asks for, and
// `budget_matches_nothing` when its `models`/`providers` name no model that a request of its teams can be sent
// to (after every route's capability and enforced Vetting/Residency filters, at zero spend).
import { diagnostic } from '../policy/diagnostic.js';
import type { BudgetEntry, PolicySet } from '../policy/model.js';
import type { Diagnostic } from '../errors.js';
import { bitsOf, isEmpty, members, orInto } from './bitset.js';
import { noTeamWithLabels } from './conditions.js';
import { teamsOf, type Domain } from './domain.js';
import type { Reach } from './eligibility.js';

const q = (s: string): string => `\`${s}\``;

function listModels(names: readonly string[]): string {
  const shown = names.slice(0, 8).map(q).join(', ');
  return names.length > 8 ? `${shown} and ${names.length - 8} more` : shown;
}

function checkBudget(policy: PolicySet, d: Domain, reach: Reach, b: BudgetEntry): Diagnostic | undefined {
  const m = b.spec.match;
  const teams = teamsOf(d, m);
  if (isEmpty(teams) && m?.teamLabels !== undefined) {
    const reason = noTeamWithLabels(d, m.teams, m.teamLabels);
    return diagnostic(b.locate('/spec/match/teamLabels'), '/spec/match/teamLabels', 'rule_matches_nothing', `budget ${q(b.name)} applies to no team: ${reason}`);
  }
  if (m?.models === undefined && m?.providers === undefined) return undefined;
  const models = [...policy.models.values()];
  const reachable = bitsOf(models.length, []);
  for (const t of members(teams)) orInto(reachable, reach[t]!);
  const names = [...members(reachable)].map((id) => models[id]!);
  const counted = names.some((model) => (m.models === undefined || m.models.includes(model.name)) && (m.providers === undefined || m.providers.includes(model.spec.provider)));
  if (counted) return undefined;
  const pointer = m.models === undefined ? '/spec/match/providers' : '/spec/match/models';
  const filter = m.models === undefined ? 'a model of the providers it names' : m.providers === undefined ? 'a model it names' : 'a model it names from the providers it names';
  const can = names.length === 0 ? 'they are never routed to any model' : `they can be sent to ${listModels(names.map((x) => x.name))}`;
  return diagnostic(b.locate(pointer), pointer, 'budget_matches_nothing', `budget ${q(b.name)} counts no spend: no request of its teams is ever sent to ${filter} (${can})`);
}

export function analyzeBudgets(policy: PolicySet, d: Domain, reach: Reach): Diagnostic[] {
  return [...policy.budgets.values()].flatMap((b) => checkBudget(policy, d, reach, b) ?? []);
}
