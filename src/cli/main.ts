import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { EXIT, type CliIO, type ExitCode } from './command.js';
import { COMMANDS } from './commands.js';
import { didYouMean } from '../policy/suggest.js';

// src/cli and dist/cli both sit two levels below the package root.
const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 8);
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'switchyard — policy-as-code routing for LLM traffic',
    '',
    'Usage: switchyard <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `switchyard <command> --help` for a command\'s options.',
    'Exit codes: 0 ok, 1 policy or test failure, 2 usage or I/O error.',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIO): Promise<ExitCode> {
  // `switchyard help dry-run` is `switchyard dry-run --help`.
  if (argv[0] === 'help' && argv[1] !== undefined) return main([argv[1], '--help'], io);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(topHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.stderr(`switchyard: unknown command \`${name}\`${didYouMean(name, COMMANDS.map((c) => c.name))}\n\n${topHelp()}`);
    return EXIT.usage;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return EXIT.ok;
  }
  return command.run(rest, io);
}

/**
 * A writer to one of the process's streams that a reader may close early (`switchyard validate | head -1`):
 * once a write fails with EPIPE, later writes are dropped, so the command finishes and exits with its own
 * code instead of dying on the stream's unhandled `error` event. Other write errors still surface.
 */
export function closableWriter(stream: NodeJS.WritableStream): (text: string) => void {
  let closed = false;
  let listening = false;
  return (text) => {
    if (closed) return;
    if (!listening) {
      listening = true;
      stream.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
        closed = true;
      });
    }
    stream.write(text);
  };
}

export const processIO: CliIO = {
  stdout: closableWriter(process.stdout),
  stderr: closableWriter(process.stderr),
  cwd: process.cwd(),
  env: process.env,
  stderrIsTTY: process.stderr.isTTY === true,
  cpus: availableParallelism(),
  execArgv: process.execArgv,
};
