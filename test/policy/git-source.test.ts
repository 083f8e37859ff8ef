// Reading a policy directory at a git ref with git itself: the committed files, not the working tree.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPolicyAtRef } from '../../src/policy/git-source.js';

const root = mkdtempSync(join(tmpdir(), 'switchyard-git-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });

function repo(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'first');
  return dir;
}

describe('readPolicyAtRef', () => {
  const dir = repo('basic', {
    'policies/a.yaml': 'a: 1\n',
    'policies/nested/b.yml': 'b: 2\n',
    'policies/.hidden/c.yaml': 'c: 3\n',
    'policies/notes.txt': 'not policy\n',
    'other/d.yaml': 'd: 4\n',
  });
  const head = git(dir, 'rev-parse', 'HEAD').trim();
  writeFileSync(join(dir, 'policies/a.yaml'), 'a: edited\n');
  writeFileSync(join(dir, 'policies/new.yaml'), 'new: 1\n');

  it('reads the committed files under the directory, named ref:path, not the working tree', async () => {
    const r = await readPolicyAtRef(join(dir, 'policies'), 'HEAD');
    expect(r).toEqual({
      ok: true,
      value: {
        commit: head,
        prefix: 'policies',
        files: [
          { path: 'HEAD:policies/a.yaml', text: 'a: 1\n' },
          { path: 'HEAD:policies/nested/b.yml', text: 'b: 2\n' },
        ],
      },
    });
  });

  it('reads from a subdirectory given as the directory, and at a branch name', async () => {
    const r = await readPolicyAtRef(join(dir, 'policies/nested'), 'main');
    expect(r.ok && r.value.files).toEqual([{ path: 'main:policies/nested/b.yml', text: 'b: 2\n' }]);
  });

  it('an unknown ref, an option-looking ref and a directory outside git are refused', async () => {
    expect(await readPolicyAtRef(join(dir, 'policies'), 'no-such-branch')).toMatchObject({ ok: false, reason: 'unknown-ref' });
    expect(await readPolicyAtRef(join(dir, 'policies'), '--output=/tmp/x')).toMatchObject({ ok: false, reason: 'unknown-ref' });
    const outside = mkdtempSync(join(tmpdir(), 'switchyard-nogit-'));
    try {
      expect(await readPolicyAtRef(outside, 'HEAD')).toMatchObject({ ok: false, reason: 'not-a-repository' });
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('a directory that did not exist at the ref is reported as such', async () => {
    mkdirSync(join(dir, 'later'), { recursive: true });
    writeFileSync(join(dir, 'later/x.yaml'), 'x: 1\n');
    expect(await readPolicyAtRef(join(dir, 'later'), 'HEAD')).toMatchObject({ ok: false, reason: 'no-such-path', message: '`later` does not exist at `HEAD`' });
  });

  it('leaves symbolic links out and keeps bytes of many files in order', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) files[`p/f${String(i).padStart(2, '0')}.yaml`] = `n: ${i}\n${'x'.repeat(i * 97)}\n`;
    const many = repo('many', files);
    symlinkSync('f00.yaml', join(many, 'p/link.yaml'));
    git(many, 'add', '.');
    git(many, 'commit', '-q', '-m', 'link');
    const r = await readPolicyAtRef(join(many, 'p'), 'HEAD');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.files).toHaveLength(60);
    r.value.files.forEach((f, i) => expect(f.text).toBe(files[`p/f${String(i).padStart(2, '0')}.yaml`]));
  });
});
