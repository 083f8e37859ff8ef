// `switchyard validate` through main(), as a user runs it: output forms, summary line, exit codes.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';

const repo = join(import.meta.dirname, '..', '..');
const fixture = join(repo, 'test', 'policy', 'fixtures', 'valid');
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, env };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** A scratch workspace holding a copy of the fixture as `policies/`, optionally broken. */
function workspace(edit?: (dir: string) => void): string {
  const cwd = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
  temps.push(cwd);
  cpSync(fixture, join(cwd, 'policies'), { recursive: true });
  edit?.(join(cwd, 'policies'));
  return cwd;
}

const breakRoute = (dir: string) => {
  const path = join(dir, 'routes.yaml');
  writeFileSync(path, readFileSync(path, 'utf8').replace('  priority: 0', '  prority: 0').replace('- model: gpt-4o-mini', '- model: gpt-4o-mni'));
};
const warnBudget = (dir: string) =>
  writeFileSync(
    join(dir, 'budget.yaml'),
    'apiVersion: switchyard.dev/v1\nkind: Budget\nmetadata:\n  name: all\nspec:\n  per: shared\n  window: day\n  limitUsd: 10\n  thresholds:\n    - { atPercent: 100, action: deny, maxTier: small }\n',
  );

describe('switchyard validate', () => {
  it('accepts a valid policy (default dir `policies`), printing only the summary', async () => {
    const r = await run(['validate'], workspace());
    expect(r).toEqual({ code: 0, stdout: 'policies/: 6 files, 0 errors, 0 warnings\n', stderr: '' });
  });

  it('prints errors as path:line:col: error CODE: message and exits 1', async () => {
    const r = await run(['validate', 'policies'], workspace(breakRoute));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      'policies/routes.yaml:17:3: error unknown_field: unknown field `prority` in Route — did you mean `priority`?\n' +
        'policies/: 6 files, 1 error, 0 warnings\n',
    );
    expect(r.stderr).toBe('');
  });

  it('exits 0 with warnings, and prints them', async () => {
    const r = await run(['validate'], workspace(warnBudget));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^policies\/budget\.yaml:10:39: warning max_tier_ignored: /);
    expect(r.stdout.endsWith('policies/: 7 files, 0 errors, 1 warning\n')).toBe(true);
  });

  it('--format github prints workflow annotations', async () => {
    const r = await run(['validate', '--format', 'github'], workspace(breakRoute));
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('::error file=policies/routes.yaml,line=17,col=3,title=unknown_field::unknown field `prority` in Route — did you mean `priority`?');
  });

  it('--format json prints only a JSON array', async () => {
    const r = await run(['validate', 'policies', '-f', 'json'], workspace(breakRoute));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        file: 'policies/routes.yaml',
        line: 17,
        col: 3,
        pointer: '/spec/prority',
        severity: 'error',
        code: 'unknown_field',
        message: 'unknown field `prority` in Route — did you mean `priority`?',
      },
    ]);
    const ok = await run(['validate', '--format=json'], workspace());
    expect(ok).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
  });

  it('--format markdown prints a headline and a table of diagnostics, for a pull-request comment', async () => {
    const r = await run(['validate', '--format', 'markdown'], workspace(breakRoute));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [
        '### Switchyard policy check: `policies` is invalid',
        '',
        '**1 error, 0 warnings** in 6 files.',
        '',
        '| severity | location | code | message |',
        '| --- | --- | --- | --- |',
        '| error | `policies/routes.yaml:17:3` | `unknown_field` | unknown field `prority` in Route — did you mean `priority`? |',
        '',
      ].join('\n'),
    );
    const ok = await run(['validate', '-f', 'markdown'], workspace());
    expect(ok).toEqual({ code: 0, stdout: '### Switchyard policy check: `policies` is valid\n\n**0 errors, 0 warnings** in 6 files.\n', stderr: '' });
    expect((await run(['validate', '--help'], workspace())).stdout).toContain('--format FORMAT   text (default), json, github or markdown');
  });

  it('--format markdown keeps a message with `|` in its row', async () => {
    const cwd = workspace((dir) => {
      const path = join(dir, 'routes.yaml');
      writeFileSync(path, readFileSync(path, 'utf8').replace('- model: gpt-4o-mini', '- model: "a|b"'));
    });
    const row = (await run(['validate', '--format', 'markdown'], cwd)).stdout.split('\n').find((l) => l.startsWith('| error'));
    expect(row?.split(/(?<!\\)\|/).length).toBe(6);
  });

  it('reports link errors once the schema is satisfied', async () => {
    const cwd = workspace((dir) => {
      const path = join(dir, 'routes.yaml');
      writeFileSync(path, readFileSync(path, 'utf8').replace('- model: gpt-4o-mini', '- model: gpt-4o-mni'));
    });
    const r = await run(['validate'], cwd);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('policies/routes.yaml:19:14: error unknown_reference: no Model named `gpt-4o-mni` — did you mean `gpt-4o-mini`?');
  });

  it('a directory without policy files is invalid (exit 1)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
    temps.push(cwd);
    mkdirSync(join(cwd, 'empty'));
    const r = await run(['validate', 'empty'], cwd);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('empty:1:1: error no_policy_files: no `*.yaml` or `*.yml` files in `empty`\nempty/: 0 files, 1 error, 0 warnings\n');
  });

  it('a missing directory is an I/O error (exit 2) with one line, no stack trace', async () => {
    const r = await run(['validate', 'nowhere'], workspace());
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'switchyard validate: `nowhere` is not a directory\n' });
  });

  it('usage errors exit 2 with the usage', async () => {
    const cwd = workspace();
    for (const argv of [['validate', '--format', 'xml'], ['validate', '--strict'], ['validate', 'a', 'b']]) {
      const r = await run(argv, cwd);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^switchyard validate: [a-z].*\n\nUsage: switchyard validate/);
    }
    expect((await run(['validate', '--format', 'xml'], cwd)).stderr.split('\n')[0]).toBe('switchyard validate: unknown format `xml`; use one of text, json, github, markdown');
  });

  it('--help prints the usage and exits 0', async () => {
    const r = await run(['validate', '--help'], workspace());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: switchyard validate \[dir\]/);
  });

  it('accepts the example organisation in policies/ with zero diagnostics', async () => {
    const r = await run(['validate', 'policies'], repo);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^policies\/: \d+ files, 0 errors, 0 warnings\n$/);
  });
});
