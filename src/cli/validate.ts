// `switchyard validate [dir]`: load, validate and link a policy directory and print every diagnostic.
import { resolve } from 'node:path';
import { countDiagnostics, DIAGNOSTIC_FORMATS, formatDiagnostics, parseFormat } from '../diagnostics.js';
import { checkPolicy } from '../policy/check.js';
import { displayPath } from '../policy/read-files.js';
import { EXIT, UsageError, type CliIO, type Command, type ExitCode } from './command.js';
import { parseCommandArgs, isDirectory } from './args.js';
import { diagnosticsMarkdown } from './markdown.js';

const HELP = `Usage: switchyard validate [dir] [--format text|json|github|markdown]

Loads every *.yaml / *.yml file under dir (default: policies), checks it against the policy schema and
resolves every reference between documents; then analyses the policy over every request it can tell apart:
ambiguous, shadowed and dead routes, unreachable targets, rules and budgets that match nothing, empty ranges.
Prints each problem as \`path:line:col: error CODE: message\` (text), as GitHub annotations (github), as a
JSON array (json), or as a Markdown table for a pull-request comment or $GITHUB_STEP_SUMMARY (markdown).
Codes are listed in docs/errors.md.

Options:
  -f, --format FORMAT   text (default), json, github or markdown
  -h, --help            show this help

Exit codes: 0 valid (warnings allowed), 1 invalid, 2 usage or I/O error.
`;

const FORMATS = [...DIAGNOSTIC_FORMATS, 'markdown'] as const;

interface Args {
  readonly dir: string;
  readonly format: (typeof FORMATS)[number];
}

function parse(argv: readonly string[]): Args {
  const parsed = parseCommandArgs({ args: [...argv], options: { format: { type: 'string', short: 'f' } }, allowPositionals: true, strict: true });
  if (parsed.positionals.length > 1) throw new UsageError(`expected at most one directory, got ${parsed.positionals.length}`);
  const format = parseFormat(parsed.values.format, FORMATS);
  if (!format.ok) throw new UsageError(format.message);
  return { dir: parsed.positionals[0] ?? 'policies', format: format.format };
}

export async function runValidate(argv: readonly string[], io: CliIO): Promise<ExitCode> {
  let args: Args;
  try {
    args = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`switchyard validate: ${error.message}\n\n${HELP}`);
    return EXIT.usage;
  }
  const abs = resolve(io.cwd, args.dir);
  if (!(await isDirectory(abs))) {
    io.stderr(`switchyard validate: \`${args.dir}\` is not a directory\n`);
    return EXIT.usage;
  }
  const result = await checkPolicy(abs, { cwd: io.cwd, env: io.env });
  const root = displayPath(abs, io.cwd);
  if (args.format === 'markdown') {
    io.stdout(diagnosticsMarkdown(result.diagnostics, root, result.files.length, `switchyard validate ${args.dir}`));
    return result.ok ? EXIT.ok : EXIT.failure;
  }
  io.stdout(formatDiagnostics(result.diagnostics, args.format));
  if (args.format !== 'json') {
    const { errors, warnings } = countDiagnostics(result.diagnostics);
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    io.stdout(`${root.endsWith('/') ? root : `${root}/`}: ${plural(result.files.length, 'file')}, ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`);
  }
  return result.ok ? EXIT.ok : EXIT.failure;
}

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a policy directory: schema, references, credentials, static analysis (errors at file:line:col)',
  help: HELP,
  run: runValidate,
};
