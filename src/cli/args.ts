// What every command does with its arguments: strict parsing with node's parseArgs, whose errors become one-line
// usage errors in our style, JSON flags that may name a file (`@path`), and the directory check.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { PolicySet } from '../policy/model.js';
import { EXIT, UsageError, type CliIO, type ExitCode } from './command.js';

/** `parseArgs`, with node's message (first sentence, lowercase, flags in backticks) thrown as a UsageError. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config.args === undefined ? config : { ...config, args: joinNegativeValues(config.args, config.options ?? {}) });
  } catch (error) {
    const text = error instanceof Error ? (error.message.split(/\.\s/)[0] ?? error.message) : String(error);
    throw new UsageError(text.charAt(0).toLowerCase() + text.slice(1).replace(/'(-[^']*)'/g, '`$1`'));
  }
}

/** A value that starts with a dash but is a number (`-1`, `-.5`): node would call it an ambiguous option. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * `--days -1` as `--days=-1`, so that the command's own check says what is wrong with the value. Only for
 * options that take a value and only for number-shaped values: a flag after a flag is still a flag.
 */
function joinNegativeValues(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const next = args[i + 1];
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    const long = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    const name = long ?? (/^-[^-]$/.test(arg) ? Object.keys(options).find((k) => options[k]?.short === arg.slice(1)) : undefined);
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** The JSON of a flag's value, or of the file named after `@`; unreadable or malformed input is a UsageError. */
export async function readJsonArg(flag: string, value: string, cwd: string): Promise<unknown> {
  let text = value;
  if (value.startsWith('@')) {
    const path = value.slice(1);
    try {
      text = await readFile(resolve(cwd, path), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new UsageError(`cannot read \`${path}\` for \`--${flag}\` (${code})`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`\`--${flag}\` is not valid JSON: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`);
  }
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** `--budgets`: inline JSON or @file, an object of Budget name → percent used ≥ 0, every name a Budget of the policy. */
export async function budgetPercentsArg(value: string, policy: PolicySet, cwd: string): Promise<Record<string, number>> {
  const parsed = await readJsonArg('budgets', value, cwd);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('`--budgets` must be an object of budget name → percent used');
  const out: Record<string, number> = {};
  for (const [name, pct] of Object.entries(parsed)) {
    if (!policy.budgets.has(name)) {
      const known = [...policy.budgets.keys()].map((b) => `\`${b}\``).join(', ');
      throw new UsageError(`unknown budget \`${name}\` in \`--budgets\` (budgets: ${known === '' ? 'none' : known})`);
    }
    if (typeof pct !== 'number' || !Number.isFinite(pct) || pct < 0) throw new UsageError(`budget \`${name}\` in \`--budgets\` needs a percent ≥ 0, got \`${JSON.stringify(pct)}\``);
    out[name] = pct;
  }
  return out;
}

/** A command's usage-error reporter: `switchyard <name>: message` on stderr (with the help text when asked), exit 2. */
export const usageReporter =
  (name: string, help: string, io: CliIO) =>
  (message: string, withHelp = false): ExitCode => {
    io.stderr(`switchyard ${name}: ${message}\n${withHelp ? `\n${help}` : ''}`);
    return EXIT.usage;
  };
