// The wording of traces and deny messages. The compiled engine and the reference evaluator both phrase through
// these functions, so the differential test compares what they decided, not how a sentence was assembled.
// Every function takes plain values and decides nothing. Messages quote the user's values in backticks.
import type { FeatureMatch, RequestMatch, TokenRange } from '../policy/generated/policy.js';

export const q = (s: string): string => `\`${s}\``;
export const qList = (xs: readonly string[]): string => xs.map(q).join(', ');
const plural = (n: number, word: string, many = `${word}s`): string => (n === 1 ? word : many);

/** A number for people: at most six decimals, no trailing zeros. */
export function fmtNum(x: number): string {
  if (Number.isInteger(x) || !Number.isFinite(x)) return String(x);
  return String(Number(x.toFixed(6)));
}

// ---- admit and context ----

export const unknownTeam = (team: string): string => `unknown team ${q(String(team))}`;
export const unknownDataClass = (dc: string): string => `data class ${q(String(dc))} is not in the organization's vocabulary`;
export const unknownTask = (task: string): string => `task ${q(String(task))} is not in the organization's vocabulary`;
export const unknownComplexity = (c: string): string => `complexity ${q(String(c))} is not one of \`low\`, \`medium\`, \`high\``;
export const badPromptTokens = (v: unknown): string => `prompt tokens ${q(String(v))} is not a non-negative integer`;
export const badMaxTokens = (v: unknown): string => `max tokens ${q(String(v))} is not a positive integer`;
export const badStream = (v: unknown): string => `stream ${q(String(v))} is not true or false`;
export const dataClassNotAllowed = (team: string, dc: string, allowed: readonly string[]): string =>
  `team ${q(team)} may not declare data class ${q(dc)} (allowed: ${qList(allowed)})`;
export const admitted = (team: string, dc: string, declared: boolean): string =>
  declared ? `team ${q(team)} may declare data class ${q(dc)}` : `data class ${q(dc)} is the default of team ${q(team)}`;

export function contextDetail(
  dc: string,
  dcDeclared: boolean,
  task: string,
  taskDeclared: boolean,
  complexity: string | undefined,
  stream: boolean,
): string {
  return [
    `data class ${q(dc)} (${dcDeclared ? 'declared' : 'team default'})`,
    `task ${q(task)} (${taskDeclared ? 'declared' : 'organization default'})`,
    complexity === undefined ? 'no complexity' : `complexity ${q(complexity)}`,
    `stream ${stream}`,
  ].join(', ');
}

// ---- classification (the context step when a Classifier runs) ----

/** Where a resolved value came from. */
export type ValueSource = 'declared' | 'default' | 'classifier';
const SOURCE_TEXT: Readonly<Record<ValueSource, string>> = { declared: 'declared', default: 'organization default', classifier: 'classifier' };

type Bounds = { readonly lt?: number; readonly lte?: number; readonly gt?: number; readonly gte?: number };

export function describeFeatureMatch(when: FeatureMatch): string {
  const parts: string[] = [];
  const range = (label: string, b: Bounds | undefined): void => {
    if (b !== undefined) parts.push(`${label} ${describeTokenRange(b)}`);
  };
  range('prompt tokens', when.promptTokens);
  range('messages', when.messages);
  range('turns', when.turns);
  range('max tokens', when.maxTokens);
  range('code density', when.codeDensity);
  if (when.systemKeywords) parts.push(`system ${plural(when.systemKeywords.length, 'keyword')} ${qList(when.systemKeywords)}`);
  if (when.userKeywords) parts.push(`user ${plural(when.userKeywords.length, 'keyword')} ${qList(when.userKeywords)}`);
  if (when.tools !== undefined) parts.push(when.tools ? 'tools' : 'no tools');
  if (when.images !== undefined) parts.push(when.images ? 'images' : 'no images');
  if (when.jsonMode !== undefined) parts.push(when.jsonMode ? 'JSON mode' : 'no JSON mode');
  return parts.length === 0 ? 'no conditions' : parts.join('; ');
}

/** A Classifier rule as messages name it: by name, else by position (1-based). */
export const classifierRuleLabel = (index: number, name: string | undefined): string =>
  name === undefined ? `rule #${index + 1}` : `rule ${q(name)}`;
export const classifierMatched = (label: string, when: FeatureMatch): string => `classifier ${label} matched (${describeFeatureMatch(when)})`;
export const classifierDefault = 'no classifier rule matched, the classifier default applies';

export function classifiedContextDetail(
  by: string,
  dc: string,
  dcDeclared: boolean,
  task: string,
  taskFrom: ValueSource,
  complexity: string | undefined,
  complexityFrom: 'declared' | 'classifier',
  stream: boolean,
): string {
  const parts = [
    `data class ${q(dc)} (${dcDeclared ? 'declared' : 'team default'})`,
    `task ${q(task)} (${SOURCE_TEXT[taskFrom]})`,
    complexity === undefined ? 'no complexity' : `complexity ${q(complexity)} (${complexityFrom})`,
    `stream ${stream}`,
  ];
  return `${by}: ${parts.join(', ')}`;
}

// ---- route ----

export function describeTokenRange(r: TokenRange | Bounds): string {
  const parts: string[] = [];
  if (r.gt !== undefined) parts.push(`> ${r.gt}`);
  if (r.gte !== undefined) parts.push(`≥ ${r.gte}`);
  if (r.lt !== undefined) parts.push(`< ${r.lt}`);
  if (r.lte !== undefined) parts.push(`≤ ${r.lte}`);
  return parts.join(' and ');
}

export function describeMatch(m: RequestMatch | undefined): string {
  const parts: string[] = [];
  if (m?.teams) parts.push(`${plural(m.teams.length, 'team')} ${qList(m.teams)}`);
  if (m?.teamLabels) {
    const labels = Object.entries(m.teamLabels).flatMap(([k, v]) =>
      v === undefined ? [] : [`${q(k)}=${(typeof v === 'string' ? [v] : v).map(q).join('|')}`],
    );
    parts.push(`team labels ${labels.join(', ')}`);
  }
  if (m?.dataClasses) parts.push(`${plural(m.dataClasses.length, 'data class', 'data classes')} ${qList(m.dataClasses)}`);
  if (m?.tasks) parts.push(`${plural(m.tasks.length, 'task')} ${qList(m.tasks)}`);
  if (m?.complexity) parts.push(`complexity ${qList(m.complexity)}`);
  if (m?.models) parts.push(`${plural(m.models.length, 'model')} ${qList(m.models)}`);
  if (m?.promptTokens) parts.push(`prompt tokens ${describeTokenRange(m.promptTokens)}`);
  if (m?.stream !== undefined) parts.push(`stream ${m.stream}`);
  return parts.length === 0 ? 'matches every request' : `matches ${parts.join('; ')}`;
}

export const routeMatched = (priority: number, match: RequestMatch | undefined): string =>
  `priority ${priority}, ${describeMatch(match)}`;

export function noRoute(
  team: string,
  dc: string,
  task: string,
  complexity: string | undefined,
  model: string,
  promptTokens: number,
  stream: boolean,
): string {
  const c = complexity === undefined ? '' : `complexity ${q(complexity)}, `;
  return `no route matches team ${q(team)}, data class ${q(dc)}, task ${q(task)}, ${c}model ${q(String(model))}, ${promptTokens} prompt tokens, stream ${stream}`;
}

// ---- order ----

export const orderedDetail = (models: readonly string[]): string => `ordered: ${qList(models)}`;
export const cheapestDetail = (models: readonly string[], prices: readonly number[]): string =>
  `cheapest (input + output USD per million tokens): ${models.map((m, i) => `${q(m)} ${fmtNum(prices[i] ?? 0)}`).join(', ')}`;
/** The targets in declared order with their weights, as `weightedDetail` quotes them. */
export const describeWeights = (models: readonly string[], w: readonly number[]): string =>
  models.map((m, i) => `${q(m)} ${fmtNum(w[i] ?? 0)}`).join(', ');
/** `weights` from `describeWeights`; `rest` are the targets after the pick. */
export function weightedDetail(pick: string | undefined, weights: string, rest: readonly string[]): string {
  if (pick === undefined) return `weighted: every weight is 0, no sticky pick; by weight: ${qList(rest)}`;
  const then = rest.length === 0 ? '' : `, then ${qList(rest)}`;
  return `weighted: sticky pick ${q(pick)} (weights ${weights})${then}`;
}

// ---- filters ----

export const targetRemoval = (model: string, provider: string, reasons: readonly string[]): string =>
  `${q(model)} (provider ${q(provider)}): ${reasons.join('; ')}`;
export const lacksCapabilities = (missing: readonly string[]): string =>
  `lacks ${plural(missing.length, 'capability', 'capabilities')} ${qList(missing)}`;
/** Capabilities the request itself needs (`uses`: what it sends, e.g. `images`) that the model lacks. */
export const lacksRequestCapabilities = (missing: readonly string[], uses: readonly string[]): string => {
  const used = uses.length < 2 ? uses.join('') : `${uses.slice(0, -1).join(', ')} and ${uses.at(-1)!}`;
  return `lacks ${plural(missing.length, 'capability', 'capabilities')} ${qList(missing)}, which the request needs (it uses ${used})`;
};
export const contextWindowTooSmall = (window: number): string =>
  `context window ${window} is smaller than the request's prompt tokens + max tokens`;
export const requireFlag = (field: 'zeroDataRetention' | 'trainsOnData', have: boolean, want: boolean): string =>
  `${field} is ${have}, required ${want}`;
export const retentionUnknown = (max: number): string => `retention is unknown, at most ${max} days required`;
export const retentionTooLong = (days: number, max: number): string => `retention of ${days} days exceeds ${max}`;
export const missingCertifications = (missing: readonly string[]): string =>
  `lacks ${plural(missing.length, 'certification')} ${qList(missing)}`;
export const providerNotAllowed = (p: string): string => `provider ${q(p)} is not in allowProviders`;
export const providerDenied = (p: string): string => `provider ${q(p)} is in denyProviders`;
export const modelNotAllowed = (m: string): string => `model ${q(m)} is not in allowModels`;
export const modelDenied = (m: string): string => `model ${q(m)} is in denyModels`;
export const tierAbove = (tier: string, max: string): string => `tier ${q(tier)} is above ${q(max)}`;
export const regionsOutside = (regions: readonly string[], allowed: readonly string[]): string =>
  `${plural(regions.length, 'region')} ${qList(regions)} ${regions.length === 1 ? 'matches' : 'match'} none of ${qList(allowed)}`;
export const rulePasses = 'every remaining target complies';

export interface Removal {
  readonly rule?: string;
  readonly detail: string;
}
const listRemovals = (removals: readonly Removal[]): string =>
  removals.map((r) => (r.rule === undefined ? r.detail : `${r.detail} [${r.rule}]`)).join('; ');

export const noEligibleModel = (route: string, removals: readonly Removal[]): string =>
  `every target of route ${q(route)} was removed: ${listRemovals(removals)}`;

// ---- budgets ----

export const budgetUsage = (pct: number, limitUsd: number, window: string, bucket: string): string =>
  `${fmtNum(pct)}% of ${fmtNum(limitUsd)} USD per ${window} used (bucket ${q(bucket)})`;
export const budgetDeny = (model: string, usage: string): string => `${q(model)}: ${usage}, deny threshold crossed`;
export const budgetAlert = (model: string, usage: string): string => `${q(model)}: ${usage}, alert threshold crossed`;
export const budgetDowngrade = (model: string, tier: string, kept: boolean, maxTier: string, usage: string): string =>
  `${q(model)} (tier ${q(tier)}) ${kept ? 'kept' : 'above max tier'}: ${usage}, downgrade to max tier ${q(maxTier)}`;
export const budgetReservation = (model: string, costUsd: number, leftUsd: number, bucket: string): string =>
  `${q(model)}: worst-case cost ${fmtNum(costUsd)} USD does not fit the ${fmtNum(Math.max(0, leftUsd))} USD left (bucket ${q(bucket)})`;
export const budgetExhausted = (removals: readonly Removal[]): string =>
  `budgets removed every remaining target: ${listRemovals(removals)}`;

// ---- result ----

export function routed(primary: string, provider: string, fallbacks: readonly string[]): string {
  return `primary ${q(primary)} (provider ${q(provider)}), ${fallbacks.length === 0 ? 'no fallbacks' : `${plural(fallbacks.length, 'fallback')} ${qList(fallbacks)}`}`;
}
export const denied = (code: string, message: string): string => `${code}: ${message}`;
