// `switchyard keys create`: a fresh key each time, the matching hash entry, and checks against a policy.
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { runKeys } from '../../src/cli/keys.js';
import { loadPolicyFromSources } from '../../src/policy/index.js';
import { fixtureSources } from '../proxy/fixture.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'switchyard-keys-'));
  await mkdir(join(root, 'policies'));
  for (const f of fixtureSources()) await writeFile(join(root, f.path), f.text);
});
afterAll(() => rm(root, { recursive: true, force: true }));

function io(): CliIO & { out: string; err: string } {
  const buffers = { out: '', err: '' };
  return Object.assign(buffers, { stdout: (t: string) => void (buffers.out += t), stderr: (t: string) => void (buffers.err += t), cwd: root, env: {} });
}

function created(out: string): { key: string; id: string; sha256: string } {
  const key = /^ {2}(sy-[A-Za-z0-9_-]{43})$/m.exec(out)?.[1];
  const id = /- id: (\S+)/.exec(out)?.[1];
  const sha256 = /sha256: ([0-9a-f]{64})/.exec(out)?.[1];
  if (key === undefined || id === undefined || sha256 === undefined) throw new Error(`unexpected output:\n${out}`);
  return { key, id, sha256 };
}

describe('switchyard keys create', () => {
  it('prints a new 256-bit key and the entry with its sha-256', async () => {
    const cli = io();
    expect(await runKeys(['create', '--team', 'app'], cli)).toBe(0);
    const first = created(cli.out);
    expect(first.sha256).toBe(createHash('sha256').update(first.key).digest('hex'));
    expect(first.id).toMatch(/^app-[0-9a-f]{6}$/);
    const again = io();
    await runKeys(['create', '--team', 'app'], again);
    expect(created(again.out).key).not.toBe(first.key);
  });

  it('gives an entry that a policy accepts as it is (no key literal, valid id and hash)', async () => {
    const cli = io();
    expect(await runKeys(['create', '--team', 'app', '--id', 'app-ci', '--dir', 'policies'], cli)).toBe(0);
    expect(cli.out).toContain('policies/teams.yaml:1');
    const entry = cli.out.split('\n').filter((l) => l.startsWith('    - id:') || l.startsWith('      sha256:'));
    const sources = fixtureSources().map((f) =>
      f.path.endsWith('teams.yaml') ? { ...f, text: f.text.replace('  keys:\n', `  keys:\n${entry.join('\n')}\n`) } : f,
    );
    const loaded = loadPolicyFromSources(sources, { env: {} });
    expect(loaded.ok).toBe(true);
    if (loaded.ok) expect(loaded.policy.teams.get('app')?.spec.keys?.map((k) => k.id)).toContain('app-ci');
  });

  it('refuses an unknown team, with a suggestion, when a policy is given', async () => {
    const cli = io();
    expect(await runKeys(['create', '--team', 'apps', '--dir', 'policies'], cli)).toBe(2);
    expect(cli.err).toBe('switchyard keys: no team `apps` in `policies` — did you mean `app`?\n');
    expect(cli.out).toBe('');
  });

  it('without --dir, checks the team against ./policies when it exists, and against nothing when not', async () => {
    const cli = io();
    expect(await runKeys(['create', '--team', 'nobody'], cli)).toBe(2);
    expect(cli.err).toContain('no team `nobody` in `policies`');
    expect(cli.out).toBe('');
    const known = io();
    expect(await runKeys(['create', '--team', 'app'], known)).toBe(0);
    expect(known.out).toContain('policies/teams.yaml:');
    // Inside the policy directory there is no ./policies below it.
    const elsewhere = Object.assign(io(), { cwd: join(root, 'policies') });
    expect(await runKeys(['create', '--team', 'nobody'], elsewhere)).toBe(0);
  });

  it('refuses an id the policy already uses', async () => {
    const cli = io();
    expect(await runKeys(['create', '--team', 'eu', '--id', 'app-main', '--dir', 'policies'], cli)).toBe(2);
    expect(cli.err).toContain('key id `app-main` is already used by team `app`');
  });

  it('reports usage errors', async () => {
    for (const argv of [[], ['delete'], ['create'], ['create', '--team', 'Bad_Team'], ['create', '--team', 'app', '--id', '-x'], ['create', '--team', 'app', '--bogus']]) {
      const cli = io();
      expect(await runKeys(argv, cli)).toBe(2);
      expect(cli.err).toMatch(/^switchyard keys: /);
    }
  });
});
