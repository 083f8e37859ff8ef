// `switchyard spend [--ledger URL] [--policy dir] [--format text|json|markdown|github]`: committed and reserved spend per
// budget, bucket and current window from the ledger the proxy writes, with the policy's limits and thresholds.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { openLedger, parseLedgerUrl, redact } from '../budget/open.js';
import { formatSpendGithub, formatSpendMarkdown } from '../budget/spend-format.js';
import { formatSpendText, spendReport, type SpendReport } from '../budget/spend.js';
import { formatDiagnostics, parseFormat } from '../diagnostics.js';
import { loadPolicy } from '../policy/index.js';
import { EXIT, UsageError, type CliIO, type Command, type ExitCode } from './command.js';
import { DEFAULT_LEDGER } from './serve.js';
import { parseCommandArgs } from './args.js';

const HELP = `Usage: switchyard spend [--ledger URL] [--policy dir] [--format text|json|markdown|github]

Reports, for every Budget of the policy, its current UTC window and each bucket's committed and reserved
spend, what is left, the percent used ((committed + reserved) / limit, the figure decisions act on) and the
thresholds crossed. Buckets are the teams a \`per: team\` budget covers, their keys for \`per: key\`, and \`*\`
for \`per: shared\`. GET /admin/spend on a running proxy returns the same JSON.

Options:
  --ledger URL          the ledger the proxy writes: sqlite:<path> or redis://host:port
                        (default: $SWITCHYARD_LEDGER, else ${DEFAULT_LEDGER})
  --policy DIR          the policy directory, for limits and thresholds (default: policies)
  -f, --format FORMAT   text (default), json, markdown (a table) or github (workflow annotations: a
                        summary, a warning or error for each bucket past a threshold)
  -h, --help            show this help

Exit codes: 0 reported, 1 the policy is invalid, 2 usage error or the ledger cannot be opened.
`;

const FORMATS = ['text', 'json', 'markdown', 'github'] as const;

interface Args {
  readonly ledger: string;
  readonly policy: string;
  readonly format: (typeof FORMATS)[number];
}

function parse(argv: readonly string[], env: CliIO['env']): Args {
  const parsed = parseCommandArgs({
    args: [...argv],
    options: { ledger: { type: 'string' }, policy: { type: 'string' }, format: { type: 'string', short: 'f' } },
    allowPositionals: false,
    strict: true,
    });
  const format = parseFormat(parsed.values.format, FORMATS);
  if (!format.ok) throw new UsageError(format.message);
  return { ledger: parsed.values.ledger ?? env.SWITCHYARD_LEDGER ?? DEFAULT_LEDGER, policy: parsed.values.policy ?? 'policies', format: format.format };
}

function renderSpend(report: SpendReport, format: Args['format']): string {
  switch (format) {
    case 'text':
      return formatSpendText(report);
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'markdown':
      return formatSpendMarkdown(report);
    case 'github':
      return formatSpendGithub(report);
    default: {
      const unknown: never = format;
      throw new Error(`unknown format ${String(unknown)}`);
    }
  }
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

export async function runSpend(argv: readonly string[], io: CliIO): Promise<ExitCode> {
  const fail = (message: string, help = false): ExitCode => {
    io.stderr(`switchyard spend: ${message}\n${help ? `Run \`switchyard spend --help\` for options.\n` : ''}`);
    return EXIT.usage;
  };
  let args: Args;
  try {
    args = parse(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return fail(error.message, true);
  }
  const target = parseLedgerUrl(args.ledger, { cwd: io.cwd });
  if (!target.ok) return fail(target.error);
  const dir = resolve(io.cwd, args.policy);
  if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) return fail(`\`${args.policy}\` is not a directory`);
  const loaded = await loadPolicy(dir, { cwd: io.cwd, env: io.env });
  if (!loaded.ok) {
    io.stderr(formatDiagnostics(loaded.diagnostics, 'text'));
    io.stderr(`switchyard spend: the policy in \`${args.policy}\` is invalid; no report\n`);
    return EXIT.failure;
  }
  // A report must not create the proxy's database: a file not there yet means nothing was spent.
  let url = args.ledger;
  if (target.value.kind === 'sqlite' && target.value.path !== ':memory:' && !(await exists(target.value.path))) {
    io.stderr(`switchyard spend: no ledger at \`${target.value.path}\` yet; nothing has been spent through it\n`);
    url = 'sqlite::memory:';
  }
  const ledger = await openLedger(url, { cwd: io.cwd });
  if (!ledger.ok) return fail(ledger.error);
  try {
    const report = await spendReport(loaded.policy, ledger.value, Date.now());
    io.stdout(renderSpend(report, args.format));
    return EXIT.ok;
  } catch (err) {
    return fail(`cannot read the ledger \`${redact(args.ledger)}\`: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await ledger.value.close();
  }
}

export const spendCommand: Command = {
  name: 'spend',
  summary: 'report committed and reserved spend per budget, bucket and window from the ledger',
  help: HELP,
  run: runSpend,
};
