// Everything `validate` reports about a policy directory: the load stages, then static analysis of the linked
// policy — one place to add a stage so every command that checks a policy gets it.
import { analyzePolicy } from '../analyze/index.js';
import { sortDiagnostics } from '../diagnostics.js';
import type { Diagnostic } from '../errors.js';
import { hasErrors } from './diagnostic.js';
import { loadPolicyDetailed, type LoadOptions, type LoadResult } from './pipeline.js';

export interface CheckResult {
  /** No error among `diagnostics` (warnings allowed). */
  readonly ok: boolean;
  /** Every finding, sorted by file, line, col. */
  readonly diagnostics: readonly Diagnostic[];
  /** The files read, as diagnostics print them. */
  readonly files: readonly string[];
  readonly load: LoadResult;
}

export async function checkPolicy(dir: string, options: LoadOptions = {}): Promise<CheckResult> {
  const { result, files } = await loadPolicyDetailed(dir, options);
  const diagnostics = sortDiagnostics([...result.diagnostics, ...(result.ok ? analyzePolicy(result.policy) : [])]);
  return { ok: !hasErrors(diagnostics), diagnostics, files, load: result };
}
