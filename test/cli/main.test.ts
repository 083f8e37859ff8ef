// The CLI frame: top-level help, version, unknown commands, and the lazily loaded command registry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { runCli } from '../support/cli.js';

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

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version'], repo);
    expect(r.stdout.trim()).toBe(version);
  });

  it('an unknown command is a usage error naming it', async () => {
    const r = await runCli(['valdiate'], repo);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command `valdiate`');
  });
});
