// decide(graph, ctx, budgets): admission checks, classification when the policy has a Classifier and the
// context carries features, then one cache lookup for the request's class (computed on first use: route index
// lookup, rule lookup, filters), the sticky pick for weighted routes, and the budget step. A request whose class is cached and on which no budget acts allocates nothing: it gets the class's
// frozen decision.
import { applyBudgets } from './budget-step.js';
import { denyDecision, traceStep } from './decision.js';
import { CORE, type ClassEntry, type CRoute, type DecisionGraph, type GraphCore, type NoRouteClass } from './graph.js';
import { fnv1a32Signed, hashPoint } from './hash.js';
import { COMPLEXITY_SLOTS, intervalOf } from './match-index.js';
import { computeClass, computeOutcome } from './outcome.js';
import { needMask } from './request-needs.js';
import type { BudgetState, Decision, RequestContext } from './types.js';
import { NO_SPEND } from './types.js';
import * as text from './text.js';

function invalid(g: GraphCore, message: string): Decision {
  return denyDecision(g.version, 'invalid_request', message, g.org, null, [traceStep('admit', g.org, 'deny', message)]);
}

function noRoute(g: GraphCore, c: NoRouteClass, ctx: RequestContext, promptTokens: number, stream: boolean): Decision {
  const message = text.noRoute(c.team.name, c.dataClass, c.task, c.complexity, ctx.model, promptTokens, stream);
  return denyDecision(g.version, 'no_route', message, g.org, null, [...c.head, traceStep('route', g.org, 'no-match', message)]);
}

/** Which target order a request gets: the sticky pick of a weighted route, else the only order. */
function orderOf(route: CRoute, ctx: RequestContext): number {
  if (route.totalWeight <= 0) return 0;
  const point = hashPoint(fnv1a32Signed(ctx.stickyKey ?? ctx.requestId ?? ''), route.totalWeight);
  const weights = route.weights;
  const cumulative = route.cumulative;
  for (let i = 0; i < weights.length; i++) if (weights[i]! > 0 && cumulative[i]! > point) return i;
  return route.lastPositive;
}

function classOf(
  g: GraphCore,
  team: number,
  dc: number,
  task: number,
  complexity: number,
  classified: number,
  model: number,
  prompt: number,
  context: number,
  stream: number,
  needs: number,
): ClassEntry {
  const cache = g.cache;
  if (cache === null) return computeClass(g, team, dc, task, complexity, classified, model, prompt, context, stream, needs);
  const r = g.radix;
  const key = ((((((((dc * r[1]! + task) * r[2]! + complexity) * r[3]! + classified) * r[4]! + model) * r[5]! + prompt) * r[6]! + context) * r[7]! + stream) * r[8]!) + needs;
  const classes = cache[team]!;
  const hit = classes.get(key);
  if (hit !== undefined) return hit;
  const entry = computeClass(g, team, dc, task, complexity, classified, model, prompt, context, stream, needs);
  if (g.cacheUsage.entries < g.cacheLimit) {
    classes.set(key, entry);
    g.cacheUsage.entries++;
  }
  return entry;
}

/**
 * Decide a request: the ordered candidates or a denial, with the trace of every rule that acted.
 * Pure: the same graph, context and budget state give the same decision. Returned decisions are frozen.
 */
export function decide(graph: DecisionGraph, ctx: RequestContext, budgets: BudgetState = NO_SPEND): Decision {
  const g = graph[CORE];
  const team = g.teamIds.get(ctx.team);
  if (team === undefined) return invalid(g, text.unknownTeam(ctx.team));
  let dc = g.dataClasses.length;
  if (ctx.dataClass !== undefined) {
    const id = g.dataClassIds.get(ctx.dataClass);
    if (id === undefined) return invalid(g, text.unknownDataClass(ctx.dataClass));
    dc = id;
  }
  let task = g.tasks.length;
  if (ctx.task !== undefined) {
    const id = g.taskIds.get(ctx.task);
    if (id === undefined) return invalid(g, text.unknownTask(ctx.task));
    task = id;
  }
  let complexity = 0;
  if (ctx.complexity !== undefined) {
    const slot = COMPLEXITY_SLOTS.get(ctx.complexity);
    if (slot === undefined) return invalid(g, text.unknownComplexity(ctx.complexity));
    complexity = slot;
  }
  const promptTokens = ctx.promptTokens ?? 0;
  if (!Number.isSafeInteger(promptTokens) || promptTokens < 0) return invalid(g, text.badPromptTokens(promptTokens));
  const maxTokens = ctx.maxTokens;
  if (maxTokens !== undefined && (!Number.isSafeInteger(maxTokens) || maxTokens < 1)) return invalid(g, text.badMaxTokens(maxTokens));
  if (ctx.stream !== undefined && typeof ctx.stream !== 'boolean') return invalid(g, text.badStream(ctx.stream));
  const stream = ctx.stream === true ? 1 : 0;
  // Classification fills what the caller left unset; its outcome is part of the class (the trace names it).
  let classified = 0;
  const features = ctx.features;
  const classifier = g.classifier;
  if (classifier !== null && typeof features === 'object' && features !== null && (ctx.task === undefined || ctx.complexity === undefined)) {
    const i = classifier.compiled.match(features, ctx);
    const outcome = classifier.outcomes[i]!;
    classified = i + 1;
    if (ctx.task === undefined && outcome.taskId >= 0) task = g.tasks.length + 1 + outcome.taskId;
    if (ctx.complexity === undefined && outcome.complexity > 0) complexity = 3 + outcome.complexity;
  }
  const model = g.modelSlots.get(ctx.model) ?? g.otherModel;
  const prompt = intervalOf(g.promptCuts, promptTokens);
  const context = intervalOf(g.contextCuts, promptTokens + (maxTokens ?? 0));

  // What the body uses (tools, images, JSON mode) needs model capabilities: part of the class, as the filter depends on it.
  const c = classOf(g, team, dc, task, complexity, classified, model, prompt, context, stream, needMask(features));
  switch (c.kind) {
    case 'final':
      return c.decision;
    case 'no-route':
      return noRoute(g, c, ctx, promptTokens, stream === 1);
    case 'routed': {
      const order = orderOf(c.route, ctx);
      const outcome = c.outcomes[order] ?? (c.outcomes[order] = computeOutcome(g, c, order));
      return applyBudgets(g, c, outcome, ctx, budgets, promptTokens);
    }
    default: {
      const unknown: never = c;
      throw new Error(`unknown class kind ${JSON.stringify(unknown)}`);
    }
  }
}
