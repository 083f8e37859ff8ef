import { parseCommandArgs } from './args.js';
import { EXIT, UsageError, type CliIO, type Command, type ExitCode } from './command.js';
import { parseFormat } from '../diagnostics.js';
import { runPolicyTests } from '../verify/policy-tests.js';
import { checkInvariants } from '../verify/invariants.js';
import { formatRunGithub, formatRunJson, formatRunText, countRun, type TestRun } from '../verify/report.js';
import { buildPolicy, reportBuildFailure } from './build.js';
import { diagnosticsMarkdown, testRunMarkdown } from './markdown.js';
import { assertNever } from '../verify/present.js';

const HELP = `Usage: switchyard test [dir] [options]

Runs every Test document (request + budget state → expected decision) and every Invariant of the policy in
dir (default: policies). Invariants are proven over the whole finite request space when it has at most
--max-points cells, else sampled with fast-check from a fixed seed.

Options:
  -f, --format text|json|github|markdown
                              output format (default text; github prints workflow annotations; markdown
                              a results table with each failure's trace, for a pull-request comment or
                              $GITHUB_STEP_SUMMARY)
  --max-points N              largest request space checked exhaustively (default 1000000)
  --samples N                 samples per invariant when the space is larger (default 10000)
  --seed N                    seed of the sampling (default 1)
  -h, --help                  show this help

Exit codes: 0 all passed, 1 a test or invariant failed or the policy is invalid, 2 usage or I/O error.
`;

function positiveInt(name: string, value: string | undefined, fallback: number): number | string {
  if (value === undefined) return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : `--${name} must be a positive integer, got \`${value}\``;
}

function formatRun(testRun: TestRun, format: 'text' | 'json' | 'github' | 'markdown', dir: string): string {
  switch (format) {
    case 'text':
      return formatRunText(testRun);
    case 'json':
      return formatRunJson(testRun);
    case 'github':
      return formatRunGithub(testRun);
    case 'markdown':
      return testRunMarkdown(testRun, dir);
    default:
      return assertNever(format);
  }
}

async function run(argv: readonly string[], io: CliIO): Promise<ExitCode> {
  let parsed;
  try {
    parsed = parseCommandArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { format: { type: 'string', short: 'f' }, 'max-points': { type: 'string' }, samples: { type: 'string' }, seed: { type: 'string' } },
    });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`switchyard test: ${err.message}\n\n${HELP}`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    io.stderr(`switchyard test: expected at most one directory, got ${positionals.length}\n`);
    return EXIT.usage;
  }
  const format = parseFormat(values.format ?? 'text', ['text', 'json', 'github', 'markdown'] as const);
  if (!format.ok) {
    io.stderr(`switchyard test: ${format.message}\n`);
    return EXIT.usage;
  }
  const maxPoints = positiveInt('max-points', values['max-points'], 1_000_000);
  const numRuns = positiveInt('samples', values.samples, 10_000);
  const seed = positiveInt('seed', values.seed, 1);
  for (const v of [maxPoints, numRuns, seed]) {
    if (typeof v === 'string') {
      io.stderr(`switchyard test: ${v}\n`);
      return EXIT.usage;
    }
  }
  const dir = positionals[0] ?? 'policies';
  const built = await buildPolicy(dir, io);
  if (!built.ok && built.reason === 'invalid' && format.format === 'markdown') {
    io.stdout(diagnosticsMarkdown(built.diagnostics, dir, undefined, `switchyard validate ${dir}`));
    io.stderr(`switchyard test: the policy in \`${dir}\` is invalid\n`);
    return EXIT.failure;
  }
  if (!built.ok) return reportBuildFailure('test', built, format.format, io);
  const { policy, graph } = built;
  const testRun: TestRun = {
    tests: runPolicyTests(policy, graph, dir),
    invariants: checkInvariants(policy, graph, { maxPoints: maxPoints as number, numRuns: numRuns as number, seed: seed as number, policyDir: dir }),
  };
  io.stdout(formatRun(testRun, format.format, dir));
  return countRun(testRun).failed > 0 ? EXIT.failure : EXIT.ok;
}

export const testCommand: Command = {
  name: 'test',
  summary: 'run the policy\'s Tests and prove its Invariants',
  help: HELP,
  run,
};
