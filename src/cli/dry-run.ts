// `switchyard dry-run [dir] --traffic FILE`: decide every recorded request against a policy and print where the
// traffic goes, what is denied and what it would cost per day.
import { parseFormat } from '../diagnostics.js';
import { DryRun } from '../verify/dry-run.js';
import { formatDryRunJson, formatDryRunMarkdown, formatDryRunText } from '../verify/dry-run-format.js';
import { dryRunAnnotations, workflowCommands } from '../verify/github.js';
import { formatProblem } from '../verify/traffic.js';
import { buildPolicy, reportBuildFailure } from './build.js';
import { EXIT, UsageError, type CliIO, type Command, type ExitCode } from './command.js';
import { positiveNumber, replayFile, trafficFileProblem } from './traffic-input.js';
import { budgetPercentsArg, parseCommandArgs, usageReporter } from './args.js';

const HELP = `Usage: switchyard dry-run [dir] --traffic FILE [options]

Decides every request of a traffic file against the policy in dir (default: policies), the way the proxy
would, and prints: per route and model the requests and their share, denials by code and rule, and the
estimated cost per day at the models' list prices. Nothing is sent anywhere.

The traffic file is JSON Lines: each line a request context ({"team": ..., "model": ..., ...}) or an audit
record carrying one under "context", optionally with "usage": {"inputTokens", "outputTokens"} and "time"
(ISO 8601 or epoch milliseconds). Cost counts usage.inputTokens (else promptTokens) and usage.outputTokens
(else maxTokens, else 0). Per-day figures divide by the span of the "time" fields (at least one hour), by
--days, or else take the file as one day.

Options:
  -t, --traffic FILE          the traffic file (required)
  -f, --format FORMAT         text (default), json, markdown or github (workflow annotations: denials,
                              records decided unlike they were served, a summary)
      --days N                divide totals by N days instead of the traffic's time span
  -b, --budgets JSON|@FILE    percent used per Budget name for every request (default: nothing spent)
      --strict                stop at the first bad line (exit 2) instead of skipping it
      --progress              report progress on stderr every 10,000 records (default: only on a terminal)
  -h, --help                  show this help

Exit codes: 0 done, 1 the policy is invalid, 2 usage or I/O error (or a bad line with --strict).
`;

const FORMATS = ['text', 'json', 'markdown', 'github'] as const;

interface Args {
  readonly dir: string;
  readonly traffic: string;
  readonly format: (typeof FORMATS)[number];
  readonly days: number | undefined;
  readonly budgets: string | undefined;
  readonly strict: boolean;
  readonly progress: boolean;
}

function parse(argv: readonly string[]): Args {
  const parsed = parseCommandArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      traffic: { type: 'string', short: 't' },
      format: { type: 'string', short: 'f' },
      days: { type: 'string' },
      budgets: { type: 'string', short: 'b' },
      strict: { type: 'boolean' },
      progress: { type: 'boolean' },
    },
    });
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`expected at most one directory, got ${positionals.length}`);
  if (values.traffic === undefined) throw new UsageError('`--traffic` is required');
  const format = parseFormat(values.format, FORMATS);
  if (!format.ok) throw new UsageError(format.message);
  let days: number | undefined;
  if (values.days !== undefined) {
    const n = positiveNumber('days', values.days);
    if (typeof n === 'string') throw new UsageError(n);
    days = n;
  }
  return {
    dir: positionals[0] ?? 'policies',
    traffic: values.traffic,
    format: format.format,
    days,
    budgets: values.budgets,
    strict: values.strict === true,
    progress: values.progress === true,
  };
}

async function run(argv: readonly string[], io: CliIO): Promise<ExitCode> {
  const usage = usageReporter('dry-run', HELP, io);
  let args: Args;
  try {
    args = parse(argv);
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message, true);
    throw error;
  }
  const unreadable = await trafficFileProblem(args.traffic, io);
  if (unreadable !== undefined) return usage(unreadable);
  const built = await buildPolicy(args.dir, io);
  if (!built.ok) return reportBuildFailure('dry-run', built, args.format, io);
  let budgets: Record<string, number> | undefined;
  try {
    if (args.budgets !== undefined) budgets = await budgetPercentsArg(args.budgets, built.policy, io.cwd);
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    throw error;
  }

  const dryRun = new DryRun(built.graph, { ...(budgets === undefined ? {} : { budgets }), ...(args.days === undefined ? {} : { days: args.days }) });
  const result = await replayFile('dry-run', args.traffic, io, { strict: args.strict, progress: args.progress || io.stderrIsTTY === true }, (r) => void dryRun.add(r));
  if (!result.ok) return usage('readError' in result ? result.readError : `stopped at a bad line (--strict): ${formatProblem(result.problem)}`);

  const report = dryRun.report(result.skipped);
  const subject = { policy: args.dir, traffic: args.traffic };
  switch (args.format) {
    case 'text':
      io.stdout(formatDryRunText(report, subject));
      break;
    case 'markdown':
      io.stdout(formatDryRunMarkdown(report, subject));
      break;
    case 'github':
      io.stdout(workflowCommands(dryRunAnnotations(report, subject)));
      break;
    case 'json':
      io.stdout(formatDryRunJson(report, subject));
      break;
    default: {
      const unknown: never = args.format;
      throw new Error(`unknown format ${String(unknown)}`);
    }
  }
  return EXIT.ok;
}

export const dryRunCommand: Command = {
  name: 'dry-run',
  summary: 'decide recorded traffic against a policy: routes, denials, estimated cost per day',
  help: HELP,
  run,
};
