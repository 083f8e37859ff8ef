// Shared by the commands that need a compiled policy (test, dry-run, diff): the directory check, the full
// check (load, validate, link, analyze), the compile, and what to print when any of it fails.
import { resolve } from 'node:path';
import { formatDiagnostics, type DiagnosticFormat } from '../diagnostics.js';
import type { Diagnostic } from '../errors.js';
import { compile, type DecisionGraph } from '../engine/index.js';
import { checkPolicy } from '../policy/check.js';
import type { PolicySet } from '../policy/model.js';
import { isDirectory } from './args.js';
import { EXIT, type CliIO, type ExitCode } from './command.js';

export type Built =
  | { ok: true; policy: PolicySet; graph: DecisionGraph; warnings: readonly Diagnostic[] }
  | { ok: false; reason: 'not-a-directory'; dir: string }
  | { ok: false; reason: 'invalid'; dir: string; diagnostics: readonly Diagnostic[] };

export async function buildPolicy(dir: string, io: CliIO): Promise<Built> {
  const abs = resolve(io.cwd, dir);
  if (!(await isDirectory(abs))) return { ok: false, reason: 'not-a-directory', dir };
  const checked = await checkPolicy(abs, { cwd: io.cwd, env: io.env });
  if (!checked.ok || !checked.load.ok) return { ok: false, reason: 'invalid', dir, diagnostics: checked.diagnostics };
  return { ok: true, policy: checked.load.policy, graph: compile(checked.load.policy), warnings: checked.diagnostics };
}

/** Prints why a policy could not be built and returns the exit code: 2 for a bad path, 1 for an invalid policy. */
export function reportBuildFailure(command: string, built: Exclude<Built, { ok: true }>, format: string, io: CliIO): ExitCode {
  if (built.reason === 'not-a-directory') {
    io.stderr(`switchyard ${command}: \`${built.dir}\` is not a directory\n`);
    return EXIT.usage;
  }
  const diagFormat: DiagnosticFormat = format === 'json' || format === 'github' ? format : 'text';
  io.stdout(formatDiagnostics(built.diagnostics, diagFormat));
  io.stderr(`switchyard ${command}: the policy in \`${built.dir}\` is invalid\n`);
  return EXIT.failure;
}
