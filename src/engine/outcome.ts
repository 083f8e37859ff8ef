// What a request class decides before budgets. Computed on a class's first request and then cached: the
// admission verdict, the owning route (one index lookup), the matching rules, and per target order the
// filtered candidates with the trace that explains every removal.
import { capabilityRemoval } from './compile-routes.js';
import { denyDecision, routeDecision, traceStep } from './decision.js';
import { Outcome, type ClassEntry, type CModel, type GraphCore, type RoutedClass } from './graph.js';
import type { TraceStep } from './types.js';
import * as text from './text.js';

const COMPLEXITIES = [undefined, 'low', 'medium', 'high'] as const;

/**
 * The class of a request given its slots: data class a declared id or the "default" slot (the number of ids);
 * task a declared id, the default slot, or (past it) a classified id; complexity 0 none, 1–3 declared, 4–6
 * classified; classified 0 when no Classifier ran, else 1 + its outcome (rule, or default last); model a
 * named-model slot or the "other" slot; prompt and context the intervals of promptTokens and promptTokens +
 * maxTokens; stream 0/1; needs the request's need mask (request-needs.ts).
 */
export function computeClass(
  g: GraphCore,
  teamId: number,
  dcSlot: number,
  taskSlot: number,
  complexitySlot: number,
  classified: number,
  model: number,
  prompt: number,
  context: number,
  stream: number,
  needs = 0,
): ClassEntry {
  const team = g.teams[teamId]!;
  const teamRef = g.teamRefs[teamId]!;
  const dcDeclared = dcSlot < g.dataClasses.length;
  const dcId = dcDeclared ? dcSlot : g.teamDefaultClass[teamId]!;
  const dataClass = g.dataClasses[dcId]!;
  const tasks = g.tasks.length;
  const taskFrom: text.ValueSource = taskSlot < tasks ? 'declared' : taskSlot === tasks ? 'default' : 'classifier';
  const taskId = taskFrom === 'declared' ? taskSlot : taskFrom === 'default' ? g.defaultTask : taskSlot - tasks - 1;
  const task = g.tasks[taskId]!;
  const complexity = complexitySlot > 3 ? complexitySlot - 3 : complexitySlot;
  if (dcDeclared && g.teamAllows[teamId]![dcId] === 0) {
    const message = text.dataClassNotAllowed(team.name, dataClass, team.spec.dataClasses.allowed);
    const trace = [traceStep('admit', teamRef, 'deny', message)];
    return { kind: 'final', decision: denyDecision(g.version, 'data_class_not_allowed', message, teamRef, null, trace) };
  }
  const outcome = classified === 0 ? undefined : g.classifier?.outcomes[classified - 1];
  const contextStep =
    outcome === undefined
      ? traceStep('context', g.org, 'resolve', text.contextDetail(dataClass, dcDeclared, task, taskFrom === 'declared', COMPLEXITIES[complexity], stream === 1))
      : traceStep(
          'context',
          outcome.ref,
          'classify',
          text.classifiedContextDetail(outcome.by, dataClass, dcDeclared, task, taskFrom, COMPLEXITIES[complexity], complexitySlot > 3 ? 'classifier' : 'declared', stream === 1),
        );
  const head = Object.freeze([traceStep('admit', teamRef, 'allow', text.admitted(team.name, dataClass, dcDeclared)), contextStep]);
  const r = g.routeIndex.first(teamId, dcId, taskId, complexity, model, prompt, stream);
  if (r < 0) return { kind: 'no-route', team, dataClass, task, complexity: COMPLEXITIES[complexity], head };
  const route = g.routes[r]!;
  const rules = [
    ...g.vettingIndex.all(teamId, dcId, taskId, complexity, model, prompt, stream).map((i) => g.vettings[i]!),
    ...g.residencyIndex.all(teamId, dcId, taskId, complexity, model, prompt, stream).map((i) => g.residencies[i]!),
  ];
  const outcomes = Array.from({ length: route.orders.length }, (): Outcome | undefined => undefined);
  return { kind: 'routed', team, teamId, head, route, rules, contextInterval: context, needs, outcomes };
}

/** Filter one target order of a routed class: capabilities, then Vetting, then Residency rules. */
export function computeOutcome(g: GraphCore, c: RoutedClass, order: number): Outcome {
  const route = c.route;
  const trace: TraceStep[] = [...c.head, route.matchStep, route.orderSteps[order]!];
  const removals: TraceStep[] = [];
  let remaining: CModel[] = [];
  for (const t of route.orders[order]!) {
    const removal = capabilityRemoval(route, t, c.needs) ?? (c.contextInterval > t.model.windowCut ? t.model.windowStep : null);
    if (removal === null) {
      remaining.push(t.model);
      continue;
    }
    trace.push(removal);
    removals.push(removal);
  }
  for (const rule of c.rules) {
    const kept: CModel[] = [];
    let acted = false;
    for (const m of remaining) {
      const removal = rule.removals[m.id];
      if (removal === null || removal === undefined) {
        kept.push(m);
        continue;
      }
      acted = true;
      trace.push(removal);
      if (rule.enforce) removals.push(removal);
      else kept.push(m);
    }
    if (!acted) trace.push(rule.passStep);
    remaining = kept;
  }
  if (remaining.length === 0) {
    const message = text.noEligibleModel(route.entry.name, removals);
    return new Outcome(denyDecision(g.version, 'no_eligible_model', message, route.ref, route, trace), [], Object.freeze([]), []);
  }
  const budgets = g.teamBudgets[c.teamId]!.filter((b) => remaining.some((m) => b.appliesTo[m.id] === 1));
  const head = Object.freeze([...trace]);
  return new Outcome(routeDecision(g.version, route, remaining, trace), Object.freeze(remaining), head, Object.freeze(budgets));
}
