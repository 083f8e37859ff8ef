// `switchyard classify [dir] --request-file body.json [--protocol openai|anthropic] [--format text|json|markdown|github]`: the
// features of one request body as the proxy computes them, the Classifier rule that fires, and the task and
// complexity it sets. Nothing is decided or forwarded.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { classifyBody, detectProtocol, type BodyClassification, type BodyProtocol } from '../classify/index.js';
import { formatDiagnostics, parseFormat } from '../diagnostics.js';
import { sourceRef } from '../policy/model.js';
import { loadPolicy } from '../policy/index.js';
import { displayPath } from '../policy/read-files.js';
import { workflowCommand } from '../verify/github.js';
import { markdownTable } from '../verify/present.js';
import { loadFailure } from './markdown.js';
import { EXIT, UsageError, type CliIO, type Command, type ExitCode } from './command.js';
import { isDirectory, parseCommandArgs, usageReporter } from './args.js';

const HELP = `Usage: switchyard classify [dir] --request-file body.json [--protocol openai|anthropic] [--format text|json|markdown|github]

Loads the policy in dir (default: policies), computes the features of one request body exactly as the proxy
does — prompt tokens, messages, user turns, max_tokens, code density of the last user message, which
Classifier keywords appear in the system prompt and in the last user message, tools, images, JSON mode —
and prints them with the Classifier rule that fires and the task and complexity it sets. These are the
features the audit log records (never the text), and what \`explain --request\` takes under "features".

The body is an OpenAI Chat Completions or Anthropic Messages request. Its protocol is detected (a top-level
\`system\`, or content blocks only Anthropic has, mean anthropic) unless --protocol says.

Options:
  -r, --request-file FILE    the request body, JSON (required)
  -p, --protocol PROTOCOL    openai or anthropic (default: detected)
  -f, --format FORMAT        text (default), json, markdown (a table of the features and the outcome) or
                             github (one workflow notice with the outcome)
  -h, --help                 show this help

A caller's x-switchyard-task header, where its team may send one, wins over the task shown here.
Exit codes: 0 classified, 1 the policy is invalid, 2 usage, body or I/O error.
`;

const FORMATS = ['text', 'json', 'markdown', 'github'] as const;
const PROTOCOLS: readonly BodyProtocol[] = ['openai', 'anthropic'];

interface Args {
  readonly dir: string;
  readonly file: string;
  readonly protocol: BodyProtocol | undefined;
  readonly format: (typeof FORMATS)[number];
}

function parse(argv: readonly string[]): Args {
  const parsed = parseCommandArgs({
    args: [...argv],
    options: { 'request-file': { type: 'string', short: 'r' }, protocol: { type: 'string', short: 'p' }, format: { type: 'string', short: 'f' } },
    allowPositionals: true,
    strict: true,
    });
  if (parsed.positionals.length > 1) throw new UsageError(`expected at most one directory, got ${parsed.positionals.length}`);
  const file = parsed.values['request-file'];
  if (file === undefined) throw new UsageError('`--request-file` is required');
  const protocol = parsed.values.protocol;
  if (protocol !== undefined && !PROTOCOLS.includes(protocol as BodyProtocol)) throw new UsageError(`\`--protocol\` must be \`openai\` or \`anthropic\`, got \`${protocol}\``);
  const format = parseFormat(parsed.values.format, FORMATS);
  if (!format.ok) throw new UsageError(format.message);
  return { dir: parsed.positionals[0] ?? 'policies', file, protocol: protocol as BodyProtocol | undefined, format: format.format };
}

async function readBody(file: string, cwd: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read \`${file}\` (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`\`${file}\` is not valid JSON: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !Array.isArray((body as { messages?: unknown }).messages))
    throw new UsageError(`\`${file}\` is not a chat request body: it needs a \`messages\` list`);
  return body;
}

const show = (v: unknown): string => (v === undefined ? '(none)' : Array.isArray(v) ? (v.length === 0 ? '(none)' : v.map((k) => `\`${String(k)}\``).join(', ')) : String(v));
const FEATURE_ORDER = ['promptTokens', 'messages', 'turns', 'maxTokens', 'codeDensity', 'tools', 'images', 'jsonMode', 'systemKeywords', 'userKeywords'] as const;

export function formatClassification(c: BodyClassification): string {
  const lines = [`protocol:   ${c.protocol}`, 'features:'];
  for (const k of FEATURE_ORDER) lines.push(`  ${k.padEnd(15)} ${show(c.features[k])}`);
  if (c.classifier === undefined) {
    lines.push('classifier: none in this policy');
  } else {
    lines.push(`classifier: ${c.classifier.rule} (${sourceRef(c.classifier.source)})`);
    const rule = c.rule;
    lines.push(rule === undefined ? 'rule:       none matched, the default applies' : `rule:       ${rule.name === undefined ? `#${rule.index + 1}` : `\`${rule.name}\``} (${sourceRef(rule.source)})`);
  }
  lines.push(`task:       \`${c.task}\` (${c.taskFrom})`);
  lines.push(`complexity: ${c.complexity === undefined ? '(none)' : `\`${c.complexity}\` (${c.complexityFrom ?? 'rule'})`}`);
  return `${lines.join('\n')}\n`;
}

const ruleName = (c: BodyClassification): string =>
  c.rule === undefined ? 'the default' : c.rule.name === undefined ? `rule #${c.rule.index + 1}` : `rule \`${c.rule.name}\``;

function toMarkdown(c: BodyClassification): string {
  const outcome = `task \`${c.task}\` (${c.taskFrom}), complexity ${c.complexity === undefined ? '(none)' : `\`${c.complexity}\``}`;
  const by = c.classifier === undefined ? 'no Classifier in this policy' : `${ruleName(c)} of \`${c.classifier.rule}\` (\`${sourceRef(c.rule?.source ?? c.classifier.source)}\`)`;
  const rows = FEATURE_ORDER.map((k) => [k, show(c.features[k])]);
  return [`### Switchyard classify: ${outcome}`, '', `Protocol ${c.protocol}; decided by ${by}.`, '', ...markdownTable(['feature', 'value'], rows), ''].join('\n');
}

function toGithub(c: BodyClassification): string {
  const by = c.classifier === undefined ? 'no Classifier' : `${ruleName(c).replace(/`/g, '')} of ${c.classifier.rule}`;
  const message = `task ${c.task} (${c.taskFrom}), complexity ${c.complexity ?? '(none)'}; ${by}; ${c.features.promptTokens} prompt tokens`;
  return `${workflowCommand({ level: 'notice', title: 'switchyard classify', message })}\n`;
}

function render(c: BodyClassification, format: Args['format']): string {
  switch (format) {
    case 'text':
      return formatClassification(c);
    case 'json':
      return toJson(c);
    case 'markdown':
      return toMarkdown(c);
    case 'github':
      return toGithub(c);
  }
}

function toJson(c: BodyClassification): string {
  const out = {
    protocol: c.protocol,
    features: c.features,
    classifier: c.classifier === undefined ? null : { rule: c.classifier.rule, source: sourceRef(c.classifier.source) },
    rule: c.rule === undefined ? null : { index: c.rule.index, name: c.rule.name ?? null, source: sourceRef(c.rule.source) },
    task: c.task,
    taskFrom: c.taskFrom,
    complexity: c.complexity ?? null,
    complexityFrom: c.complexityFrom ?? null,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

export async function runClassify(argv: readonly string[], io: CliIO): Promise<ExitCode> {
  const fail = usageReporter('classify', HELP, io);
  let args: Args;
  let body: unknown;
  try {
    args = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return fail(error.message, true);
  }
  try {
    body = await readBody(args.file, io.cwd);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return fail(error.message);
  }
  const abs = resolve(io.cwd, args.dir);
  if (!(await isDirectory(abs))) return fail(`\`${args.dir}\` is not a directory`);
  const loaded = await loadPolicy(abs, { cwd: io.cwd, env: io.env });
  if (!loaded.ok) {
    io.stdout(loadFailure(loaded.diagnostics, args.format, displayPath(abs, io.cwd), args.dir));
    io.stderr(`switchyard classify: the policy in \`${args.dir}\` is invalid; nothing classified\n`);
    return EXIT.failure;
  }
  if (loaded.diagnostics.length > 0) io.stderr(formatDiagnostics(loaded.diagnostics, 'text'));
  const result = classifyBody(loaded.policy, body, args.protocol ?? detectProtocol(body));
  io.stdout(render(result, args.format));
  return EXIT.ok;
}

export const classifyCommand: Command = {
  name: 'classify',
  summary: 'show the features of a request body and the task and complexity the Classifier gives it',
  help: HELP,
  run: runClassify,
};
