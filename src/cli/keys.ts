// `switchyard keys create --team NAME`: a new random API key, printed once, and the YAML to paste into the
// Team (only the key's SHA-256 ever lives in the policy).
import { createHash, randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatDiagnostics } from '../diagnostics.js';
import { loadPolicy } from '../policy/index.js';
import { didYouMean } from '../policy/suggest.js';
import { EXIT, UsageError, type CliIO, type Command, type ExitCode } from './command.js';
import { isDirectory, parseCommandArgs } from './args.js';

const DEFAULT_DIR = 'policies';

const HELP = `Usage: switchyard keys create --team NAME [--id ID] [--dir DIR]

Creates a random API key for a team and prints it once, with the YAML entry to add to the Team's
\`spec.keys\`. The key itself is never stored: only its SHA-256 goes into the policy, and the proxy
compares the SHA-256 of the key a caller presents. Callers send it as \`Authorization: Bearer <key>\`
or \`x-api-key: <key>\`.

Options:
  --team NAME   the Team the key belongs to
  --id ID       the key's id, recorded in the audit log (default: <team>-<6 random hex digits>)
  --dir DIR     a policy directory: refuse a team it does not define, or an id it already uses
                (default: policies, when that directory exists)
  -h, --help    show this help

Exit codes: 0 created, 1 the policy in --dir is invalid, 2 usage error (including an unknown team).
`;

const TEAM_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const KEY_ID = /^[A-Za-z0-9][-A-Za-z0-9_.]*$/;

interface Args {
  readonly team: string;
  readonly id: string;
  readonly dir: string | undefined;
}

function parse(argv: readonly string[]): Args {
  const [sub, ...rest] = argv;
  if (sub !== 'create') throw new UsageError(sub === undefined ? 'expected a subcommand: `create`' : `unknown subcommand \`${sub}\`; expected \`create\``);
  const parsed = parseCommandArgs({ args: rest, options: { team: { type: 'string' }, id: { type: 'string' }, dir: { type: 'string' } }, allowPositionals: false, strict: true });
  const team = parsed.values.team;
  if (team === undefined) throw new UsageError('`--team NAME` is required');
  if (!TEAM_NAME.test(team) || team.length > 63) throw new UsageError(`\`${team}\` is not a team name (lowercase letters, digits and \`-\`)`);
  const id = parsed.values.id ?? `${team}-${randomBytes(3).toString('hex')}`;
  if (!KEY_ID.test(id) || id.length > 128) throw new UsageError(`\`${id}\` is not a key id (letters, digits, \`-\`, \`_\` and \`.\`, starting with a letter or digit)`);
  return { team, id, dir: parsed.values.dir };
}

/** A new key: `sy-` and 32 random bytes in base64url (256 bits). */
export function newApiKey(): string {
  return `sy-${randomBytes(32).toString('base64url')}`;
}

async function checkAgainstPolicy(args: Args, dir: string, io: CliIO): Promise<ExitCode | string> {
  const abs = resolve(io.cwd, dir);
  if (!(await stat(abs).then((s) => s.isDirectory(), () => false))) {
    io.stderr(`switchyard keys: \`${dir}\` is not a directory\n`);
    return EXIT.usage;
  }
  const loaded = await loadPolicy(abs, { cwd: io.cwd, env: io.env });
  if (!loaded.ok) {
    io.stderr(formatDiagnostics(loaded.diagnostics, 'text'));
    io.stderr(`switchyard keys: the policy in \`${dir}\` is invalid\n`);
    return EXIT.failure;
  }
  const team = loaded.policy.teams.get(args.team);
  if (team === undefined) {
    io.stderr(`switchyard keys: no team \`${args.team}\` in \`${dir}\`${didYouMean(args.team, loaded.policy.teams.keys())}\n`);
    return EXIT.usage;
  }
  for (const t of loaded.policy.teams.values()) {
    if ((t.spec.keys ?? []).some((k) => k.id === args.id)) {
      io.stderr(`switchyard keys: key id \`${args.id}\` is already used by team \`${t.name}\`; choose another with \`--id\`\n`);
      return EXIT.usage;
    }
  }
  return `${team.source.file}:${team.source.line}`;
}

export async function runKeys(argv: readonly string[], io: CliIO): Promise<ExitCode> {
  let args: Args;
  try {
    args = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`switchyard keys: ${error.message}\n\n${HELP}`);
    return EXIT.usage;
  }
  let where = `the Team \`${args.team}\``;
  // Like the other commands, the policy is `policies` unless told otherwise — when there is one to check.
  const dir = args.dir ?? ((await isDirectory(resolve(io.cwd, DEFAULT_DIR))) ? DEFAULT_DIR : undefined);
  if (dir !== undefined) {
    const checked = await checkAgainstPolicy(args, dir, io);
    if (typeof checked !== 'string') return checked;
    where = `the Team \`${args.team}\` (${checked})`;
  }
  const key = newApiKey();
  const hash = createHash('sha256').update(key, 'utf8').digest('hex');
  io.stdout(
    [
      `new api key for team \`${args.team}\` (shown once; it is not stored anywhere):`,
      '',
      `  ${key}`,
      '',
      `add this entry under \`spec.keys\` of ${where}:`,
      '',
      `    - id: ${args.id}`,
      `      sha256: ${hash}`,
      '',
    ].join('\n'),
  );
  return EXIT.ok;
}

export const keysCommand: Command = {
  name: 'keys',
  summary: 'create an API key for a team: the key once, and the hash entry for the policy',
  help: HELP,
  run: runKeys,
};
