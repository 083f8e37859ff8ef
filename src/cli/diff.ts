// `switchyard diff --base <git-ref|dir> [--head dir] [--traffic FILE]`: what a policy change does — decisions
// that change on recorded traffic and over the request space, the cost delta, invariants that newly fail.
import { resolve } from 'node:path';
import { formatDiagnostics, parseFormat } from '../diagnostics.js';
import type { Diagnostic } from '../errors.js';
import { compile } from '../engine/index.js';
import { readPolicyAtRef } from '../policy/git-source.js';
import { loadPolicy, loadPolicyFromSources } from '../policy/index.js';
import { assembleDiff, diffSignals, newlyFailing, TrafficDiffer, type DiffReport, type DiffVersion } from '../verify/diff.js';
import { formatDiffMarkdown } from '../verify/diff-markdown.js';
import { formatDiffJson, formatDiffText } from '../verify/diff-report.js';
import { diffAnnotations, workflowCommand, workflowCommands } from '../verify/github.js';
import { formatProblem } from '../verify/traffic.js';
import { isDirectory, parseCommandArgs, usageReporter } from './args.js';
import { buildPolicy, reportBuildFailure } from './build.js';
import { EXIT, UsageError, type CliIO, type Command, type ExitCode } from './command.js';
import { positiveNumber, replayFile, trafficFileProblem } from './traffic-input.js';

const HELP = `Usage: switchyard diff --base <git-ref|dir> [--head dir] [--traffic FILE] [options]

Compares two versions of a policy: decides every request of the traffic file (if given) and every class of
the abstract request space with both, and reports the decisions that change, grouped by (old route, model)
→ (new route, model) with counts and shares, the requests newly denied and newly allowed, the estimated cost
delta per day, and the head's invariants that newly fail. Nothing is sent anywhere; nothing is spent.

--base is a directory when one exists at that path, else a git ref (a branch, tag or commit such as
origin/main or HEAD~1): the head directory's path is then read at that ref from the repository containing
it, without a checkout.

Options:
      --base REF|DIR          the version to compare against (required)
      --head DIR              the changed version (default: policies)
  -t, --traffic FILE          recorded traffic (JSON Lines, as for dry-run)
  -f, --format FORMAT         text (default), json, markdown (a pull-request comment) or github
                              (workflow annotations: newly denied, newly failing invariants, a summary)
      --fail-on deny|change   exit 1 when a request is newly denied / when any decision changes (repeatable)
      --days N                divide cost totals by N days instead of the traffic's time span
      --strict                stop at the first bad traffic line (exit 2) instead of skipping it
      --progress              report progress on stderr every 10,000 records (default: only on a terminal)
  -h, --help                  show this help

Exit codes: 0 compared (changed or not), or nothing to compare against (the base has no policy at that
path or an invalid one: said on stderr) without --fail-on; 1 the head policy is invalid, an invariant of the
head newly fails (it holds on the base, or is new), or a --fail-on condition holds (including a base with
nothing to compare against); 2 usage or I/O error (unknown ref, unreadable traffic file).
`;

const FORMATS = ['text', 'json', 'markdown', 'github'] as const;
type Format = (typeof FORMATS)[number];
const FAIL_ON = ['deny', 'change'] as const;
type FailOn = (typeof FAIL_ON)[number];

interface Args {
  readonly base: string;
  readonly head: string;
  readonly traffic: string | undefined;
  readonly format: Format;
  readonly failOn: ReadonlySet<FailOn>;
  readonly days: number | undefined;
  readonly strict: boolean;
  readonly progress: boolean;
}

function parse(argv: readonly string[]): Args {
  const parsed = parseCommandArgs({
    args: [...argv],
    allowPositionals: false,
    strict: true,
    options: {
      base: { type: 'string' },
      head: { type: 'string' },
      traffic: { type: 'string', short: 't' },
      format: { type: 'string', short: 'f' },
      'fail-on': { type: 'string', multiple: true },
      days: { type: 'string' },
      strict: { type: 'boolean' },
      progress: { type: 'boolean' },
    },
    });
  const { values } = parsed;
  if (values.base === undefined) throw new UsageError('`--base` is required (a git ref such as origin/main, or a directory)');
  const format = parseFormat(values.format, FORMATS);
  if (!format.ok) throw new UsageError(format.message);
  const failOn = new Set<FailOn>();
  for (const v of values['fail-on'] ?? []) {
    const found = FAIL_ON.find((f) => f === v);
    if (found === undefined) throw new UsageError(`unknown \`--fail-on\` value \`${v}\`; use deny or change`);
    failOn.add(found);
  }
  let days: number | undefined;
  if (values.days !== undefined) {
    const n = positiveNumber('days', values.days);
    if (typeof n === 'string') throw new UsageError(n);
    days = n;
  }
  return {
    base: values.base,
    head: values.head ?? 'policies',
    traffic: values.traffic,
    format: format.format,
    failOn,
    days,
    strict: values.strict === true,
    progress: values.progress === true,
  };
}

type BaseLoad = { ok: true; version: DiffVersion } | { ok: false; usage: string } | { ok: false; label: string; why: string; diagnostics: readonly Diagnostic[] };

/**
 * The base: a directory when one exists at that path, else the head directory's path at a git ref. It only
 * has to load (what is deployed is compared against as it is); static analysis judges the head alone.
 */
async function loadBase(args: Args, io: CliIO): Promise<BaseLoad> {
  const options = { cwd: io.cwd, env: io.env };
  if (await isDirectory(resolve(io.cwd, args.base))) {
    const loaded = await loadPolicy(resolve(io.cwd, args.base), options);
    if (loaded.ok) return { ok: true, version: { label: args.base, graph: compile(loaded.policy) } };
    return { ok: false, label: args.base, why: 'is invalid', diagnostics: loaded.diagnostics };
  }
  const label = `${args.base}:${args.head}`;
  const read = await readPolicyAtRef(resolve(io.cwd, args.head), args.base);
  if (!read.ok) {
    if (read.reason === 'no-such-path') return { ok: false, label, why: 'does not exist', diagnostics: [] };
    return { ok: false, usage: `\`--base ${args.base}\` is not a directory, and ${read.message}` };
  }
  if (read.value.files.length === 0) return { ok: false, label, why: 'holds no policy files', diagnostics: [] };
  const { files, shown } = rootRelative(read.value.files, args.base, read.value.prefix);
  const loaded = loadPolicyFromSources(files, { ...options, commit: read.value.commit });
  if (!loaded.ok) return { ok: false, label, why: 'is invalid', diagnostics: loaded.diagnostics.map((d) => ({ ...d, file: shown.get(d.file) ?? d.file })) };
  return { ok: true, version: { label, graph: compile(loaded.policy) } };
}

/**
 * The files read at a ref, named relative to the policy directory: the content hash covers those names (as
 * when the directory is read from disk), so a commit's version is the same however the ref is spelled and
 * whether it is checked out or not. `shown` maps them back to `<ref>:<path>` for diagnostics.
 */
function rootRelative(files: readonly { path: string; text: string }[], ref: string, prefix: string): { files: { path: string; text: string }[]; shown: Map<string, string> } {
  const strip = `${ref}:${prefix === '' ? '' : `${prefix}/`}`;
  const shown = new Map<string, string>();
  const out = files.map((f) => {
    const path = f.path.startsWith(strip) ? f.path.slice(strip.length) : f.path;
    shown.set(path, f.path);
    return { path, text: f.text };
  });
  return { files: out, shown };
}

/** Nothing to compare against: say so in the requested format. A gate fails closed. */
function reportBaseUnusable(base: { label: string; why: string; diagnostics: readonly Diagnostic[] }, args: Args, io: CliIO): ExitCode {
  const sentence = `the base policy \`${base.label}\` ${base.why}, so there is nothing to compare the head against`;
  switch (args.format) {
    case 'json':
      io.stdout(`${JSON.stringify({ headline: sentence, base: { label: base.label, usable: false, diagnostics: base.diagnostics } }, null, 2)}\n`);
      break;
    case 'markdown': {
      const out = ['### Switchyard policy diff', '', `**${sentence}.**`, ''];
      if (base.diagnostics.length > 0) out.push('```text', formatDiagnostics(base.diagnostics, 'text').trimEnd(), '```', '');
      io.stdout(out.join('\n'));
      break;
    }
    case 'text':
      io.stdout(`${sentence}\n${formatDiagnostics(base.diagnostics, 'text')}`);
      break;
    case 'github':
      io.stdout(`${workflowCommand({ level: 'error', title: 'Switchyard policy diff', message: sentence })}\n${formatDiagnostics(base.diagnostics, 'github')}`);
      break;
    default: {
      const unknown: never = args.format;
      throw new Error(`unknown format ${String(unknown)}`);
    }
  }
  io.stderr(`switchyard diff: ${sentence}\n`);
  // The pull request that adds the policy, or mends a broken base, has nothing to be compared against: that is
  // not a failure of the head (validate and test judge it), unless a gate asks for a comparison.
  return args.failOn.size > 0 ? EXIT.failure : EXIT.ok;
}

function reportInvalidHead(diagnostics: readonly Diagnostic[], args: Args, io: CliIO): ExitCode {
  if (args.format !== 'markdown') return reportBuildFailure('diff', { ok: false, reason: 'invalid', dir: args.head, diagnostics }, args.format, io);
  const out = ['### Switchyard policy diff', '', `**the head policy \`${args.head}\` is invalid; fix it before it can be compared.**`, ''];
  out.push('```text', formatDiagnostics(diagnostics, 'text').trimEnd(), '```', '');
  io.stdout(out.join('\n'));
  io.stderr(`switchyard diff: the policy in \`${args.head}\` is invalid\n`);
  return EXIT.failure;
}

function render(report: DiffReport, format: Format): string {
  switch (format) {
    case 'text':
      return formatDiffText(report);
    case 'markdown':
      return formatDiffMarkdown(report);
    case 'json':
      return formatDiffJson(report);
    case 'github':
      return workflowCommands(diffAnnotations(report));
    default: {
      const unknown: never = format;
      throw new Error(`unknown format ${String(unknown)}`);
    }
  }
}

async function run(argv: readonly string[], io: CliIO): Promise<ExitCode> {
  const usage = usageReporter('diff', HELP, io);
  let args: Args;
  try {
    args = parse(argv);
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message, true);
    throw error;
  }
  if (args.traffic !== undefined) {
    const unreadable = await trafficFileProblem(args.traffic, io);
    if (unreadable !== undefined) return usage(unreadable);
  }
  const head = await buildPolicy(args.head, io);
  if (!head.ok) {
    if (head.reason === 'not-a-directory') return usage(`\`${args.head}\` is not a directory`);
    return reportInvalidHead(head.diagnostics, args, io);
  }
  const base = await loadBase(args, io);
  if (!base.ok) return 'usage' in base ? usage(base.usage) : reportBaseUnusable(base, args, io);

  let traffic: DiffReport['traffic'];
  if (args.traffic !== undefined) {
    const differ = new TrafficDiffer(base.version.graph, head.graph, args.days);
    const result = await replayFile('diff', args.traffic, io, { strict: args.strict, progress: args.progress || io.stderrIsTTY === true }, (r) => differ.add(r));
    if (!result.ok) return usage('readError' in result ? result.readError : `stopped at a bad line (--strict): ${formatProblem(result.problem)}`);
    traffic = { ...differ.report(result.skipped), label: args.traffic };
  }
  const report = assembleDiff(base.version, { label: args.head, graph: head.graph }, traffic, { invariants: { policyDir: args.head } });
  io.stdout(render(report, args.format));
  const signals = diffSignals(report);
  if (newlyFailing(report.invariants).length > 0) return EXIT.failure;
  if (args.failOn.has('deny') && signals.newlyDenied) return EXIT.failure;
  if (args.failOn.has('change') && signals.changed) return EXIT.failure;
  return EXIT.ok;
}

export const diffCommand: Command = {
  name: 'diff',
  summary: 'compare two versions of a policy: changed decisions on traffic and over the request space, cost delta',
  help: HELP,
  run,
};
