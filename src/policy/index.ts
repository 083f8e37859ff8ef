// The policy library: load a directory (or in-memory files) into a validated, linked PolicySet.
import { loadFromSources, loadPolicyDetailed, type LoadOptions, type LoadResult } from './pipeline.js';

export * from './model.js';
export type { LoadOptions, LoadResult, StageTiming } from './pipeline.js';
export type { Diagnostic, DiagnosticCode, Severity } from '../errors.js';

/** Load every *.yaml / *.yml under dir (recursively, sorted by path), validate, link. Never throws for bad input. */
export async function loadPolicy(dir: string, options?: LoadOptions): Promise<LoadResult> {
  return (await loadPolicyDetailed(dir, options)).result;
}

/** Same from in-memory files (used by `diff --base <git-ref>` and tests). `path` is what diagnostics print. */
export function loadPolicyFromSources(files: readonly { path: string; text: string }[], options?: LoadOptions & { commit?: string }): LoadResult {
  return loadFromSources(files, options);
}
