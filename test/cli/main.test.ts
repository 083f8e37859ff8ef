// The CLI frame: top-level help, version, unknown commands, and the lazily loaded command registry.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { closableWriter } from '../../src/cli/main.js';
import { runCli, scratch } from '../support/cli.js';

const repo = join(import.meta.dirname, '..', '..');

describe('switchyard', () => {
  it('--help lists every command with its summary, exit 0; no arguments prints it with exit 2', async () => {
    const help = await runCli(['--help'], repo);
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.stdout).toContain(`${c.name}  `);
    expect((await runCli([], repo)).code).toBe(2);
  });

  it('each registry entry loads the command of its name, with the same summary', async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect(command.name).toBe(entry.name);
      expect(command.summary).toBe(entry.summary);
      expect(command.help).toMatch(new RegExp(`^Usage: switchyard ${entry.name}`));
    }
  });

  it('every command answers --help with its usage and exit 0', async () => {
    for (const entry of COMMANDS) {
      const r = await runCli([entry.name, '--help'], repo);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`switchyard ${entry.name}`);
    }
  });

  it('every reporting command takes -f/--format with the four formats of the contract', async () => {
    const reporting: string[][] = [
      ['validate', 'policies'],
      ['test', 'policies'],
      ['explain', 'policies', '--request', '{"team":"engineering","model":"auto"}'],
      ['classify', 'policies', '--request-file', 'test/classify/fixtures/hello.anthropic.json'],
      ['dry-run', 'policies', '--traffic', 'examples/traffic/sample.jsonl'],
      ['diff', '--base', 'policies', '--head', 'policies'],
      ['spend', '--ledger', 'sqlite::memory:', '--policy', 'policies'],
    ];
    for (const argv of reporting) {
      const r = await runCli([...argv, '-f', 'yaml'], repo);
      expect(r.code, argv[0]).toBe(2);
      const listed = /unknown format `yaml`; use one of ([a-z, ]+)/.exec(r.stderr)?.[1]?.split(', ').sort();
      expect(listed, argv[0]).toEqual(['github', 'json', 'markdown', 'text']);
    }
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version'], repo);
    expect(r.stdout.trim()).toBe(version);
  });

  it('an unknown command is a usage error naming it, with the command it probably meant', async () => {
    const r = await runCli(['valdiate'], repo);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command `valdiate` — did you mean `validate`?');
  });

  it('`help <command>` prints that command\'s help, exit 0; `help <unknown>` is a usage error', async () => {
    for (const entry of COMMANDS) {
      const r = await runCli(['help', entry.name], repo);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe((await runCli([entry.name, '--help'], repo)).stdout);
    }
    const unknown = await runCli(['help', 'nope'], repo);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command `nope`');
  });
});

describe('a reader that closes early', () => {
  // Far more than a pipe holds (64 KiB), so the CLI is still writing when the reader goes away.
  const base = join(repo, 'test', 'conformance', 'base');
  const files: Record<string, string> = Object.fromEntries(readdirSync(base).map((f) => [f, readFileSync(join(base, f), 'utf8')]));
  files['many.yaml'] = Array.from({ length: 1500 }, (_, i) => `apiVersion: switchyard.dev/v1\nkind: Route\nmetadata: { name: r${i} }\nspec: { prority: 1, targets: [{ model: gpt-4o-mini }] }\n`).join('---\n');

  it('stops writing quietly: `validate | head -1` ends with validate\'s own exit code and no stack trace', async () => {
    const policy = scratch(files);
    try {
      const child = spawn(process.execPath, [join(repo, 'bin', 'switchyard.js'), 'validate', policy.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let first = '';
      child.stdout.once('data', (chunk: Buffer) => {
        first = chunk.toString('utf8').split('\n')[0] ?? '';
        child.stdout.destroy();
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
      const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
      expect(first).toMatch(/many\.yaml:\d+:\d+: error unknown_field: /);
      expect(stderr).toBe('');
      expect(code).toBe(1);
    } finally {
      policy.cleanup();
    }
  });

  it('drops writes after EPIPE on either stream, and still surfaces any other write error', async () => {
    const written: string[] = [];
    const closed = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        written.push(chunk.toString('utf8'));
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const write = closableWriter(closed);
    write('first\n');
    await new Promise((done) => setImmediate(done)); // the stream reports the failed write on a later tick
    write('second\n');
    expect(written).toEqual(['first\n']);
    const other = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    closableWriter(other)('x');
    expect(() => other.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' }))).toThrow('write EIO');
  });
});
