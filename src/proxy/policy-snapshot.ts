// The policy the proxy serves, as one immutable snapshot, and the store that hands out the current one.
// A request reads `store.current()` once and keeps that snapshot to the end, so a reload never changes a decision
// half-way. The watching store lives in policy-store.ts; the static one here serves tests and fixed deployments.
import { compile, type DecisionGraph } from '../engine/index.js';
import type { Diagnostic } from '../errors.js';
import { loadPolicy, type LoadOptions, type PolicySet } from '../policy/index.js';

export interface PolicySnapshot {
  readonly policy: PolicySet;
  readonly graph: DecisionGraph;
  /** `policy.version.id`. */
  readonly version: string;
  readonly loadedAt: Date;
  readonly dir: string;
}

export interface ReloadError {
  readonly at: Date;
  readonly diagnostics: readonly Diagnostic[];
  readonly message: string;
}

export type ReloadResult = { ok: true; version: string } | { ok: false; error: ReloadError };

export interface PolicyStore {
  /** The snapshot new requests use; a request keeps the one it started with. */
  current(): PolicySnapshot;
  readonly lastError: ReloadError | undefined;
  reload(): Promise<ReloadResult>;
  close(): Promise<void>;
}

export type SnapshotResult = { ok: true; snapshot: PolicySnapshot } | { ok: false; diagnostics: Diagnostic[] };

/** Build a snapshot from an already loaded policy (compiles it). */
export function snapshotOf(policy: PolicySet, dir: string, loadedAt: Date = new Date()): PolicySnapshot {
  const graph = compile(policy);
  return Object.freeze({ policy, graph, version: graph.version, loadedAt, dir });
}

/** Load, validate, link and compile the policy in dir. Never throws for bad input. */
export async function loadSnapshot(dir: string, options?: LoadOptions): Promise<SnapshotResult> {
  const loaded = await loadPolicy(dir, options);
  if (!loaded.ok) return { ok: false, diagnostics: loaded.diagnostics };
  return { ok: true, snapshot: snapshotOf(loaded.policy, dir) };
}

/** A store that always serves the same snapshot; `reload` re-reports it. */
export function staticPolicyStore(snapshot: PolicySnapshot): PolicyStore {
  return {
    current: () => snapshot,
    lastError: undefined,
    reload: () => Promise.resolve({ ok: true, version: snapshot.version }),
    close: () => Promise.resolve(),
  };
}
