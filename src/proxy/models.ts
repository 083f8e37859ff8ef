// GET /v1/models: what the caller's key may reach. A key may declare any data class its team allows, any task
// (unless its team ignores the task header: then only what the Classifiers or the Organization default set), and
// send any model name, any prompt size, a stream or not: the list is every model the engine could send such a
// request to, the union of the candidates over the request space `test` proves invariants over
// (src/verify/space.ts), at zero spend — budgets only ever remove candidates (downgrade, deny, reservation fit),
// so that state reaches the most, and each point asks for the smallest reservation (`maxTokens: 1`). Aliases
// some request routes are listed too (owned by `switchyard`), so a client can discover `auto`.
// Computed once per team and policy snapshot, on a graph of its own (the serving graph's class cache is for
// traffic), in slices that yield to the event loop so requests in flight are not held up.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { classifiedTasks } from '../analyze/classifier.js';
import { compile, decide, type DecisionGraph, type RequestContext } from '../engine/index.js';
import { modelAliases, type PolicySet } from '../policy/index.js';
import { points, requestSpace, type RequestSpace } from '../verify/space.js';
import type { PolicySnapshot } from './policy-snapshot.js';
import type { ReachableModel, SnapshotRuntime } from './runtime.js';

/** Points decided between two yields to the event loop (a few milliseconds of work). */
const SLICE = 1_000;

/** The tasks a team's requests can carry: any, unless it ignores the task header (then what the Classifier sets). */
function tasksOf(policy: PolicySet, team: string, all: readonly string[]): readonly string[] {
  if (policy.teams.get(team)?.spec.allowTaskHeader !== false) return all;
  const tasks = classifiedTasks(policy);
  return all.filter((t) => tasks.has(t));
}

async function enumerate(policy: PolicySet, graph: DecisionGraph, space: RequestSpace, team: string): Promise<readonly ReachableModel[]> {
  const aliases = new Set(modelAliases(policy.organization.spec));
  const reached = new Map<string, string>();
  const routable = new Set<string>();
  const teamSpace: RequestSpace = { ...space, teams: [team], tasks: tasksOf(policy, team, space.tasks) };
  let n = 0;
  for (const point of points(teamSpace, { withBudgets: false })) {
    const ctx: RequestContext = { ...point.ctx, maxTokens: 1 };
    const d = decide(graph, ctx);
    if (d.outcome === 'route') {
      if (aliases.has(ctx.model)) routable.add(ctx.model);
      for (const c of d.candidates) if (!reached.has(c.model)) reached.set(c.model, c.provider);
    }
    if (++n % SLICE === 0) await yieldToLoop();
  }
  // Policy order, not discovery order, so the list is stable across requests and reloads.
  const list: ReachableModel[] = modelAliases(policy.organization.spec)
    .filter((id) => routable.has(id))
    .map((id) => ({ id, ownedBy: 'switchyard' }));
  for (const name of policy.models.keys()) {
    const provider = reached.get(name);
    if (provider !== undefined) list.push({ id: name, ownedBy: provider });
  }
  return list;
}

export function reachableModels(snapshot: PolicySnapshot, rt: SnapshotRuntime, team: string): Promise<readonly ReachableModel[]> {
  const cached = rt.modelLists.get(team);
  if (cached !== undefined) return cached;
  const { policy } = snapshot;
  // INVARIANT: the policy compiled once already (it is the snapshot's), so compiling it again cannot fail.
  rt.modelSpace ??= { graph: compile(policy, { classCacheLimit: 0 }), space: requestSpace(policy) };
  const list = enumerate(policy, rt.modelSpace.graph, rt.modelSpace.space, team);
  rt.modelLists.set(team, list);
  return list;
}

export function openaiModelList(models: readonly ReachableModel[], created: number): object {
  return { object: 'list', data: models.map((m) => ({ id: m.id, object: 'model', created, owned_by: m.ownedBy })) };
}

export function anthropicModelList(models: readonly ReachableModel[], createdAt: string): object {
  const data = models.map((m) => ({ type: 'model', id: m.id, display_name: m.id, created_at: createdAt }));
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}
