// GET /v1/models: what the caller's team can reach. For every name a client may ask for (model aliases and
// Model names) the request is decided as the team's plain request would be — its default data class, the
// Organization's default task, no prompt — and the candidates are collected. Aliases that route are listed
// too (owned by `switchyard`), so a client can discover `auto`. Computed once per team and snapshot.
import { decide } from '../engine/index.js';
import { modelAliases } from '../policy/index.js';
import type { PolicySnapshot } from './policy-snapshot.js';
import type { ReachableModel, SnapshotRuntime } from './runtime.js';

export function reachableModels(snapshot: PolicySnapshot, rt: SnapshotRuntime, team: string): readonly ReachableModel[] {
  const cached = rt.modelLists.get(team);
  if (cached !== undefined) return cached;
  const { policy, graph } = snapshot;
  const aliases = modelAliases(policy.organization.spec);
  const reached = new Map<string, string>();
  const routable: string[] = [];
  for (const name of [...aliases, ...policy.models.keys()]) {
    const d = decide(graph, { team, model: name });
    if (d.outcome !== 'route') continue;
    if (aliases.includes(name)) routable.push(name);
    for (const c of d.candidates) if (!reached.has(c.model)) reached.set(c.model, c.provider);
  }
  const list: ReachableModel[] = [...routable.map((id) => ({ id, ownedBy: 'switchyard' }))];
  // Policy order, not discovery order, so the list is stable across requests and reloads.
  for (const name of policy.models.keys()) {
    const provider = reached.get(name);
    if (provider !== undefined) list.push({ id: name, ownedBy: provider });
  }
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
