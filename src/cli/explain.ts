// `switchyard explain [dir] --request JSON [--budgets JSON] [--format text|json|markdown|github]`: decide one request against a
// policy directory and print the decision with its trace. Nothing is forwarded anywhere.
import { resolve } from 'node:path';
import { formatDiagnostics, parseFormat } from '../diagnostics.js';
import { budgetStateFromPercents, checkRequestContext, compile, decide, formatDecision, requestContextFields, type RequestContext } from '../engine/index.js';
import { didYouMean } from '../policy/suggest.js';
import { loadPolicy } from '../policy/index.js';
import { displayPath } from '../policy/read-files.js';
import { decisionGithub, decisionMarkdown } from './decision-formats.js';
import { loadFailure } from './markdown.js';
import { EXIT, UsageError, type CliIO, type Command, type ExitCode } from './command.js';
import { budgetPercentsArg, isDirectory, parseCommandArgs, readJsonArg, usageReporter } from './args.js';

const HELP = `Usage: switchyard explain [dir] --request '<context JSON>' [--budgets '{"name": percentUsed}'] [--format text|json|markdown|github]

Loads the policy in dir (default: policies), decides one request the way the proxy would, and prints the
decision: the route, the candidates (primary first, then fallbacks) or the denial, and the trace of every
rule that acted, with its file:line. Nothing is sent to any provider.

The request is a JSON object (schema/request-context.schema.json):
  {"team": "...", "model": "...", "dataClass"?, "task"?, "complexity"?, "promptTokens"?, "maxTokens"?,
   "stream"?, "keyId"?, "stickyKey"?, "requestId"?, "features"?}
With "features" (as the audit log records them; see \`switchyard classify\`) and a Classifier in the policy,
the request is classified first, as the proxy does.
--budgets gives the percent already used of named Budgets, e.g. '{"engineering-monthly": 85}'.
Either value may be @path to read it from a file.

Options:
  -r, --request JSON|@FILE   the request to decide (required)
  -b, --budgets JSON|@FILE   percent used per Budget name
  -f, --format FORMAT        text (default), json (the Decision shape), markdown (a PR comment: candidates
                             and the trace as tables) or github (one workflow annotation: a notice for a
                             route, a warning for a denial)
  -h, --help                 show this help

Exit codes: 0 decided (routed or denied), 1 the policy is invalid, 2 usage, request or I/O error.
`;

const FORMATS = ['text', 'json', 'markdown', 'github'] as const;

interface Args {
  readonly dir: string;
  readonly request: string;
  readonly budgets: string | undefined;
  readonly format: (typeof FORMATS)[number];
}

function parse(argv: readonly string[]): Args {
  const parsed = parseCommandArgs({
    args: [...argv],
    options: { request: { type: 'string', short: 'r' }, budgets: { type: 'string', short: 'b' }, format: { type: 'string', short: 'f' } },
    allowPositionals: true,
    strict: true,
    });
  if (parsed.positionals.length > 1) throw new UsageError(`expected at most one directory, got ${parsed.positionals.length}`);
  if (parsed.values.request === undefined) throw new UsageError('`--request` is required');
  const format = parseFormat(parsed.values.format, FORMATS);
  if (!format.ok) throw new UsageError(format.message);
  return { dir: parsed.positionals[0] ?? 'policies', request: parsed.values.request, budgets: parsed.values.budgets, format: format.format };
}

/** A misspelt field (`dataclass`) would be ignored and the request decided without it: say so. */
function warnUnknownFields(ctx: RequestContext, io: CliIO): void {
  const known = requestContextFields();
  for (const field of Object.keys(ctx)) {
    if (known.has(field)) continue;
    io.stderr(`switchyard explain: warning: \`--request\` field \`${field}\` is not a request context field and is ignored${didYouMean(field, known)}\n`);
  }
}

export async function runExplain(argv: readonly string[], io: CliIO): Promise<ExitCode> {
  const fail = usageReporter('explain', HELP, io);
  let args: Args;
  let ctx: RequestContext;
  try {
    args = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return fail(error.message, true);
  }
  try {
    const checked = checkRequestContext(await readJsonArg('request', args.request, io.cwd));
    if (!checked.ok) return fail(`invalid \`--request\`: ${checked.errors.join('; ')}`);
    ctx = checked.value;
    warnUnknownFields(ctx, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return fail(error.message);
  }
  const abs = resolve(io.cwd, args.dir);
  if (!(await isDirectory(abs))) return fail(`\`${args.dir}\` is not a directory`);

  const loaded = await loadPolicy(abs, { cwd: io.cwd, env: io.env });
  if (!loaded.ok) {
    io.stdout(loadFailure(loaded.diagnostics, args.format, displayPath(abs, io.cwd), args.dir));
    io.stderr(`switchyard explain: the policy in \`${args.dir}\` is invalid; nothing decided\n`);
    return EXIT.failure;
  }
  if (loaded.diagnostics.length > 0) io.stderr(formatDiagnostics(loaded.diagnostics, 'text'));
  let percents: Record<string, number> = {};
  try {
    if (args.budgets !== undefined) percents = await budgetPercentsArg(args.budgets, loaded.policy, io.cwd);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return fail(error.message);
  }

  const decision = decide(compile(loaded.policy), ctx, budgetStateFromPercents(loaded.policy, percents));
  if (args.format === 'markdown') io.stdout(decisionMarkdown(decision, ctx));
  else if (args.format === 'github') io.stdout(decisionGithub(decision));
  else {
    if (args.format === 'text') io.stdout(`request: ${JSON.stringify(ctx)}\n`);
    io.stdout(formatDecision(decision, args.format));
  }
  return EXIT.ok;
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'decide one request against a policy and show the trace of every rule that acted',
  help: HELP,
  run: runExplain,
};
