// Every name a document mentions must resolve: documents of the right kind, the Organization's
// vocabularies, model aliases, and team keys must be unique. Each finding points at the referencing node.
import type { RequestMatch } from './generated/policy.js';
import { quote, quoteList } from './diagnostic.js';
import type { LinkedEntries, Report } from './link.js';
import { DEFAULT_MODEL_ALIASES, modelAliases, type Kind, type OrganizationEntry, type PolicyEntry } from './model.js';
import { joinPointer } from './pointer.js';
import { didYouMean } from './suggest.js';

type AnyEntry = PolicyEntry<Kind, unknown>;

interface Refs {
  readonly entries: LinkedEntries;
  readonly report: Report;
  /** Undefined when there is no single Organization: vocabulary checks are then skipped. */
  readonly dataClasses?: readonly string[];
  readonly tasks?: readonly string[];
  readonly requestable: readonly string[];
}

function name(refs: Refs, entry: AnyEntry, pointer: string, value: string, kind: Kind, known: ReadonlyMap<string, unknown>): void {
  if (!known.has(value)) refs.report(entry, pointer, 'unknown_reference', `no ${kind} named ${quote(value)}${didYouMean(value, known.keys())}`);
}

function names(refs: Refs, entry: AnyEntry, pointer: string, values: readonly string[] | undefined, kind: Kind, known: ReadonlyMap<string, unknown>): void {
  values?.forEach((v, i) => name(refs, entry, joinPointer(pointer, i), v, kind, known));
}

function vocabulary(refs: Refs, entry: AnyEntry, pointer: string, value: string | undefined, which: 'dataClasses' | 'tasks'): void {
  const list = which === 'dataClasses' ? refs.dataClasses : refs.tasks;
  if (value === undefined || list === undefined || list.includes(value)) return;
  const what = which === 'dataClasses' ? 'data class' : 'task';
  refs.report(entry, pointer, 'not_in_vocabulary', `${what} ${quote(value)} is not in the Organization's \`${which}\`${didYouMean(value, list)}`);
}

function vocabularies(refs: Refs, entry: AnyEntry, pointer: string, values: readonly string[] | undefined, which: 'dataClasses' | 'tasks'): void {
  values?.forEach((v, i) => vocabulary(refs, entry, joinPointer(pointer, i), v, which));
}

/** A model a client may ask for: a Model name or an Organization model alias. */
function requestedModel(refs: Refs, entry: AnyEntry, pointer: string, value: string): void {
  if (refs.entries.models.has(value) || refs.requestable.includes(value)) return;
  const candidates = [...refs.entries.models.keys(), ...refs.requestable];
  refs.report(entry, pointer, 'unknown_reference', `no Model or model alias named ${quote(value)}${didYouMean(value, candidates)}`);
}

function requestMatch(refs: Refs, entry: AnyEntry, pointer: string, match: RequestMatch | undefined): void {
  if (match === undefined) return;
  names(refs, entry, `${pointer}/teams`, match.teams, 'Team', refs.entries.teams);
  vocabularies(refs, entry, `${pointer}/dataClasses`, match.dataClasses, 'dataClasses');
  vocabularies(refs, entry, `${pointer}/tasks`, match.tasks, 'tasks');
  match.models?.forEach((m, i) => requestedModel(refs, entry, `${pointer}/models/${i}`, m));
}

function checkTeams(refs: Refs): void {
  const ids = new Map<string, AnyEntry>();
  const hashes = new Map<string, AnyEntry>();
  for (const team of refs.entries.teams.values()) {
    const { allowed, default: fallback } = team.spec.dataClasses;
    vocabularies(refs, team, '/spec/dataClasses/allowed', allowed, 'dataClasses');
    const known = refs.dataClasses === undefined || refs.dataClasses.includes(fallback);
    vocabulary(refs, team, '/spec/dataClasses/default', fallback, 'dataClasses');
    if (known && !allowed.includes(fallback)) {
      refs.report(team, '/spec/dataClasses/default', 'team_default_not_allowed', `default data class ${quote(fallback)} is not in this team's \`allowed\` (${quoteList(allowed)})`);
    }
    team.spec.keys?.forEach((key, i) => {
      const firstId = ids.get(key.id);
      if (firstId === undefined) ids.set(key.id, team);
      else refs.report(team, `/spec/keys/${i}/id`, 'duplicate_key_id', `key id ${quote(key.id)} is already used by team ${quote(firstId.name)}`);
      const firstHash = hashes.get(key.sha256);
      if (firstHash === undefined) hashes.set(key.sha256, team);
      else refs.report(team, `/spec/keys/${i}/sha256`, 'duplicate_key_hash', `this key hash is already listed for team ${quote(firstHash.name)}; every key is distinct`);
    });
  }
}

function checkBudgets(refs: Refs): void {
  const { teams, models, providers } = refs.entries;
  for (const budget of refs.entries.budgets.values()) {
    const match = budget.spec.match;
    names(refs, budget, '/spec/match/teams', match?.teams, 'Team', teams);
    names(refs, budget, '/spec/match/models', match?.models, 'Model', models);
    names(refs, budget, '/spec/match/providers', match?.providers, 'Provider', providers);
    budget.spec.thresholds?.forEach((t, i) => {
      if (t.action === 'downgrade' && t.maxTier === undefined) {
        refs.report(budget, `/spec/thresholds/${i}/action`, 'downgrade_without_max_tier', 'a `downgrade` threshold needs `maxTier`: the highest tier it keeps');
      } else if (t.action !== 'downgrade' && t.maxTier !== undefined) {
        refs.report(budget, `/spec/thresholds/${i}/maxTier`, 'max_tier_ignored', `\`maxTier\` has no effect here: only \`downgrade\` thresholds use it (this one is ${quote(t.action)})`, 'key');
      }
    });
  }
}

function checkTests(refs: Refs): void {
  const { teams, models, providers, routes, budgets } = refs.entries;
  for (const test of refs.entries.tests.values()) {
    const { request, expect } = test.spec;
    name(refs, test, '/spec/request/team', request.team, 'Team', teams);
    vocabulary(refs, test, '/spec/request/dataClass', request.dataClass, 'dataClasses');
    vocabulary(refs, test, '/spec/request/task', request.task, 'tasks');
    requestedModel(refs, test, '/spec/request/model', request.model);
    for (const budget of Object.keys(test.spec.budgets ?? {})) {
      if (!budgets.has(budget)) {
        refs.report(test, joinPointer('/spec/budgets', budget), 'unknown_reference', `no Budget named ${quote(budget)}${didYouMean(budget, budgets.keys())}`, 'key');
      }
    }
    if (expect.model !== undefined) name(refs, test, '/spec/expect/model', expect.model, 'Model', models);
    if (expect.provider !== undefined) name(refs, test, '/spec/expect/provider', expect.provider, 'Provider', providers);
    if (expect.route !== undefined) name(refs, test, '/spec/expect/route', expect.route, 'Route', routes);
    names(refs, test, '/spec/expect/fallbacks', expect.fallbacks, 'Model', models);
    if (expect.deny !== undefined) {
      for (const field of CANDIDATE_EXPECTATIONS) {
        if (expect[field] === undefined) continue;
        const message = `a Test cannot expect both \`deny\` and \`${field}\`: a denied request has no candidates, so it could never pass; expect the denial or the candidates, in two Tests if both matter`;
        refs.report(test, `/spec/expect/${field}`, 'conflicting_fields', message, 'key');
      }
    }
  }
}

// What a Test may expect of a routed request's candidates; `route` is not among them, as a denial can name the route that owned the request.
const CANDIDATE_EXPECTATIONS = ['model', 'provider', 'fallbacks'] as const;

function checkInvariants(refs: Refs): void {
  const { providers } = refs.entries;
  for (const invariant of refs.entries.invariants.values()) {
    const { assert } = invariant.spec;
    requestMatch(refs, invariant, '/spec/forAll', invariant.spec.forAll);
    names(refs, invariant, '/spec/assert/providers', assert.providers, 'Provider', providers);
    names(refs, invariant, '/spec/assert/notProviders', assert.notProviders, 'Provider', providers);
    if (assert.deny !== true) continue;
    for (const field of Object.keys(assert)) {
      if (field === 'deny') continue;
      const message = `an Invariant cannot assert both \`deny: true\` and \`${field}\`: a denied request has no candidates to check; write a second Invariant for the candidates`;
      refs.report(invariant, joinPointer('/spec/assert', field), 'conflicting_fields', message, 'key');
    }
  }
}

/** An alias named like a Model: `match.models` and Tests naming it mean both at once, and neither reads as meant. */
function checkAliases(refs: Refs, org: OrganizationEntry): void {
  const { models } = refs.entries;
  const written = org.spec.modelAliases;
  const advice = 'rename the alias or the Model so that a requested name means one thing';
  if (written === undefined) {
    // The default alias `auto` is not written anywhere: the Model that takes its name is where to look.
    for (const alias of DEFAULT_MODEL_ALIASES) {
      const model = models.get(alias);
      if (model !== undefined) refs.report(model, '/metadata/name', 'alias_is_model_name', `Model ${quote(alias)} has the name of the default model alias ${quote(alias)}; ${advice} (or set the Organization's \`modelAliases\`)`);
    }
    return;
  }
  written.forEach((alias, i) => {
    if (models.has(alias)) refs.report(org, `/spec/modelAliases/${i}`, 'alias_is_model_name', `model alias ${quote(alias)} is also the name of a Model; ${advice}`);
  });
}

export function checkReferences(entries: LinkedEntries, organization: OrganizationEntry | undefined, report: Report): void {
  const single = entries.organizations.length === 1 ? organization : undefined;
  const refs: Refs = {
    entries,
    report,
    ...(single === undefined ? {} : { dataClasses: single.spec.dataClasses, tasks: single.spec.tasks }),
    requestable: single === undefined ? [] : modelAliases(single.spec),
  };
  if (single !== undefined) {
    vocabulary(refs, single, '/spec/defaults/dataClass', single.spec.defaults.dataClass, 'dataClasses');
    vocabulary(refs, single, '/spec/defaults/task', single.spec.defaults.task, 'tasks');
    checkAliases(refs, single);
  }
  const { providers, models } = entries;
  for (const model of models.values()) name(refs, model, '/spec/provider', model.spec.provider, 'Provider', providers);
  checkTeams(refs);
  for (const route of entries.routes.values()) {
    requestMatch(refs, route, '/spec/match', route.spec.match);
    const seen = new Set<string>();
    route.spec.targets.forEach((t, i) => {
      name(refs, route, `/spec/targets/${i}/model`, t.model, 'Model', models);
      // A second entry would only be tried again as its own fallback.
      if (seen.has(t.model)) report(route, `/spec/targets/${i}/model`, 'duplicate_item', `${quote(t.model)} is listed twice in \`targets\`: a model is one target of a route`);
      seen.add(t.model);
    });
  }
  for (const vetting of entries.vettings.values()) {
    requestMatch(refs, vetting, '/spec/match', vetting.spec.match);
    names(refs, vetting, '/spec/allowProviders', vetting.spec.allowProviders, 'Provider', providers);
    names(refs, vetting, '/spec/denyProviders', vetting.spec.denyProviders, 'Provider', providers);
    names(refs, vetting, '/spec/allowModels', vetting.spec.allowModels, 'Model', models);
    names(refs, vetting, '/spec/denyModels', vetting.spec.denyModels, 'Model', models);
  }
  for (const residency of entries.residencies.values()) requestMatch(refs, residency, '/spec/match', residency.spec.match);
  checkBudgets(refs);
  for (const classifier of entries.classifiers.values()) {
    classifier.spec.rules.forEach((rule, i) => vocabulary(refs, classifier, `/spec/rules/${i}/task`, rule.task, 'tasks'));
    vocabulary(refs, classifier, '/spec/default/task', classifier.spec.default?.task, 'tasks');
  }
  checkTests(refs);
  checkInvariants(refs);
}
