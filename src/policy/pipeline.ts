// The load as named, timed stages in the spirit of OPA's compiler: load → validate → link. Each stage
// returns diagnostics; a stage does not run after one that produced errors (warnings go on).
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { sortDiagnostics } from '../diagnostics.js';
import type { Diagnostic } from '../errors.js';
import { diagnostic, hasErrors } from './diagnostic.js';
import { gitCommit } from './git.js';
import { linkPolicy } from './link.js';
import type { PolicySet } from './model.js';
import { decodePolicyText, MAX_FILE_BYTES, readPolicyFiles, type PolicyFile } from './read-files.js';
import { validateDocuments } from './schema-validate.js';
import type { SourceDocument } from './source-document.js';
import { contentHash, policyVersion } from './version.js';
import { parsePolicyFile } from './yaml-parse.js';

export interface StageTiming {
  stage: string;
  ms: number;
}

export type LoadResult =
  | { ok: true; policy: PolicySet; diagnostics: Diagnostic[]; timings: StageTiming[] } // diagnostics: warnings only
  | { ok: false; diagnostics: Diagnostic[]; timings: StageTiming[] };

export interface LoadOptions {
  /** For `${VAR}` interpolation; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Diagnostic paths are relative to it when inside it; default process.cwd(). */
  cwd?: string;
}

/** A load and the files it read (as diagnostics print them), for summaries. */
export interface DetailedLoad {
  readonly result: LoadResult;
  readonly files: readonly string[];
}

interface Loaded {
  readonly files: readonly PolicyFile[];
  readonly diagnostics: readonly Diagnostic[];
  /** Where "no policy files" points. */
  readonly root: string;
}

function parseFiles(files: readonly PolicyFile[]): { documents: SourceDocument[]; diagnostics: Diagnostic[] } {
  const documents: SourceDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    const parsed = parsePolicyFile(file.path, file.text);
    documents.push(...parsed.documents);
    diagnostics.push(...parsed.diagnostics);
  }
  return { documents, diagnostics };
}

function since(start: number): number {
  return Math.round((performance.now() - start) * 1000) / 1000;
}

/** validate → link over files already read; `loadStart` lets the load stage's timing include parsing. */
function runStages(loaded: Loaded, loadStart: number, timings: StageTiming[], env: LoadOptions['env'], commit: string | undefined): LoadResult {
  const fail = (diagnostics: readonly Diagnostic[]): LoadResult => ({ ok: false, diagnostics: sortDiagnostics(diagnostics), timings });
  const parsed = parseFiles(loaded.files);
  const loadDiagnostics = [...loaded.diagnostics, ...parsed.diagnostics];
  if (loaded.files.length === 0 && loaded.diagnostics.length === 0) {
    loadDiagnostics.push(diagnostic({ file: loaded.root, line: 1, col: 1 }, '', 'no_policy_files', `no \`*.yaml\` or \`*.yml\` files in ${'`'}${loaded.root}${'`'}`));
  }
  timings.push({ stage: 'load', ms: since(loadStart) });
  if (hasErrors(loadDiagnostics)) return fail(loadDiagnostics);

  const validateStart = performance.now();
  const validated = validateDocuments(parsed.documents);
  const soFar = [...loadDiagnostics, ...validated.diagnostics];
  timings.push({ stage: 'validate', ms: since(validateStart) });
  if (hasErrors(soFar)) return fail(soFar);

  const linkStart = performance.now();
  const version = policyVersion(contentHash(loaded.files), commit);
  const firstFile = loaded.files[0]?.path ?? loaded.root;
  const linked = linkPolicy({ documents: validated.documents, env: env ?? process.env, version, firstFile });
  const all = [...soFar, ...linked.diagnostics];
  timings.push({ stage: 'link', ms: since(linkStart) });
  if (linked.policy === undefined || hasErrors(all)) return fail(all);
  return { ok: true, policy: linked.policy, diagnostics: sortDiagnostics(all), timings };
}

export async function loadPolicyDetailed(dir: string, options: LoadOptions = {}): Promise<DetailedLoad> {
  const cwd = options.cwd ?? process.cwd();
  const start = performance.now();
  // git runs while the files are read and parsed.
  const commit = gitCommit(resolve(cwd, dir));
  const read = await readPolicyFiles(dir, cwd);
  const result = runStages(read, start, [], options.env, await commit);
  return { result, files: read.files.map((f) => f.path) };
}

export function loadFromSources(files: readonly { path: string; text: string }[], options: LoadOptions & { commit?: string } = {}): LoadResult {
  const start = performance.now();
  const diagnostics: Diagnostic[] = [];
  const decoded: PolicyFile[] = [];
  for (const { path, text } of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.byteLength > MAX_FILE_BYTES) {
      diagnostics.push(diagnostic({ file: path, line: 1, col: 1 }, '', 'file_too_large', `file is ${bytes.byteLength} bytes; policy files are at most ${MAX_FILE_BYTES} bytes (1 MiB)`));
      continue;
    }
    const result = decodePolicyText(path, bytes);
    if (result.ok) decoded.push({ path, hashPath: path, bytes, text: result.text });
    else diagnostics.push(result.diagnostic);
  }
  return runStages({ files: decoded, diagnostics, root: '.' }, start, [], options.env, options.commit);
}
