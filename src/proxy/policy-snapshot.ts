// The policy the proxy serves, as one immutable snapshot, and the store that hands out the current one.
// A request reads `store.current()` once and keeps that snapshot to the end, so a reload never changes a decision
// half-way. The watching store lives in policy-store.ts; the static one here serves tests and fixed deployments.
import { analyzePolicy } from '../analyze/index.js';
import { sortDiagnostics } from '../diagnostics.js';
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

export type CheckedSnapshot = { ok: true; snapshot: PolicySnapshot; warnings: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/**
 * Compile a loaded policy and run the static analysis on it: a version `validate` rejects (e.g. two routes of
 * equal priority that overlap) never serves, at start-up or on reload. Warnings travel with the snapshot.
 */
export function checkedSnapshot(policy: PolicySet, dir: string, loadWarnings: readonly Diagnostic[] = []): CheckedSnapshot {
  const snapshot = snapshotOf(policy, dir);
  const diagnostics = sortDiagnostics([...loadWarnings, ...analyzePolicy(policy, { graph: snapshot.graph })]);
  if (diagnostics.some((d) => d.severity === 'error')) return { ok: false, diagnostics };
  return { ok: true, snapshot, warnings: diagnostics };
}

/** Load, validate, link, analyze and compile the policy in dir. Never throws for bad input. */
export async function loadSnapshot(dir: string, options?: LoadOptions): Promise<SnapshotResult> {
  const loaded = await loadPolicy(dir, options);
  if (!loaded.ok) return { ok: false, diagnostics: loaded.diagnostics };
  const checked = checkedSnapshot(loaded.policy, dir, loaded.diagnostics);
  return checked.ok ? { ok: true, snapshot: checked.snapshot } : checked;
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
