// The policy directory on disk: which files are read, and the unsafe inputs refused as located diagnostics.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/policy/index.js';
import { displayPath, MAX_FILE_BYTES, readPolicyFiles } from '../../src/policy/read-files.js';

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-read-'));
  temps.push(dir);
  return dir;
}

/** A policy root inside a scratch directory (so links can point beside it) with the given files. */
function layout(files: Record<string, string | Buffer>): { scratch: string; root: string } {
  const scratch = tempDir();
  const root = join(scratch, 'policies');
  mkdirSync(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return { scratch, root };
}

const ORG = 'apiVersion: switchyard.dev/v1\nkind: Organization\nmetadata:\n  name: acme\nspec:\n  dataClasses: [public]\n  tasks: [general]\n  defaults: { dataClass: public, task: general }\n';
const codes = (d: readonly { code: string; file: string; line: number; col: number }[]) => d.map((x) => [x.code, x.file, x.line, x.col]);

describe('reading a policy directory', () => {
  it('reads *.yaml and *.yml recursively in path order, skipping hidden entries and other files', async () => {
    const { root } = layout({ 'b.yaml': ORG, 'a/z.yml': '', 'a/b/c.yaml': '', '.git/x.yaml': '', '.hidden.yaml': '', 'notes.md': '', 'x.yaml.bak': '' });
    const read = await readPolicyFiles(root, root);
    expect(read.files.map((f) => f.path)).toEqual(['a/b/c.yaml', 'a/z.yml', 'b.yaml']);
    expect(read.files.map((f) => f.hashPath)).toEqual(['a/b/c.yaml', 'a/z.yml', 'b.yaml']);
    expect(read.diagnostics).toEqual([]);
  });

  it('refuses a symlinked file that leaves the root, at the link', async () => {
    const { scratch, root } = layout({ 'org.yaml': ORG });
    writeFileSync(join(scratch, 'secret.yaml'), 'kind: Outside\n');
    symlinkSync(join(scratch, 'secret.yaml'), join(root, 'shared.yaml'));
    const result = await loadPolicy(root, { cwd: scratch, env: {} });
    expect(codes(result.diagnostics)).toEqual([['symlink_outside_root', 'policies/shared.yaml', 1, 1]]);
  });

  it('refuses a symlinked directory that leaves the root', async () => {
    const { scratch, root } = layout({ 'org.yaml': ORG });
    mkdirSync(join(scratch, 'elsewhere'));
    writeFileSync(join(scratch, 'elsewhere', 'x.yaml'), ORG);
    symlinkSync(join(scratch, 'elsewhere'), join(root, 'more'));
    const result = await loadPolicy(root, { cwd: scratch, env: {} });
    expect(codes(result.diagnostics)).toEqual([['symlink_outside_root', 'policies/more', 1, 1]]);
  });

  it('follows links inside the root, reads each file once, and survives a directory cycle', async () => {
    const { root } = layout({ 'org.yaml': ORG });
    symlinkSync(join(root, 'org.yaml'), join(root, 'alias.yaml'));
    symlinkSync(root, join(root, 'loop'));
    const read = await readPolicyFiles(root, root);
    expect(read.diagnostics).toEqual([]);
    expect(read.files.map((f) => f.path)).toEqual(['alias.yaml']); // the first path in order wins
    const result = await loadPolicy(root, { cwd: root, env: {} });
    expect(result.ok).toBe(true);
  });

  it('reports a broken link named like a policy file', async () => {
    const { scratch, root } = layout({ 'org.yaml': ORG });
    symlinkSync(join(root, 'missing.yaml'), join(root, 'dangling.yaml'));
    const result = await loadPolicy(root, { cwd: scratch, env: {} });
    expect(codes(result.diagnostics)).toEqual([['file_unreadable', 'policies/dangling.yaml', 1, 1]]);
  });

  it('refuses files over 1 MiB without parsing them', async () => {
    const { scratch, root } = layout({ 'org.yaml': ORG, 'huge.yaml': `# ${'x'.repeat(MAX_FILE_BYTES)}\n` });
    const result = await loadPolicy(root, { cwd: scratch, env: {} });
    expect(codes(result.diagnostics)).toEqual([['file_too_large', 'policies/huge.yaml', 1, 1]]);
  });

  it('refuses bytes that are not UTF-8, at the first bad byte', async () => {
    const bad = Buffer.concat([Buffer.from('a: 1\nb: 2\ncc: '), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]);
    const { scratch, root } = layout({ 'org.yaml': ORG, 'latin1.yaml': bad });
    const result = await loadPolicy(root, { cwd: scratch, env: {} });
    expect(codes(result.diagnostics)).toEqual([['file_encoding', 'policies/latin1.yaml', 3, 5]]);
  });

  it('ignores a UTF-8 byte-order mark, keeping columns right', async () => {
    const { scratch, root } = layout({ 'org.yaml': `\uFEFF${ORG.replace('kind: Organization', 'kind: Organisation')}` });
    const result = await loadPolicy(root, { cwd: scratch, env: {} });
    expect(codes(result.diagnostics)).toEqual([['unknown_kind', 'policies/org.yaml', 2, 7]]);
  });

  it('reports a directory without policy files, and a path that is not a directory', async () => {
    const { scratch, root } = layout({ 'README.md': 'nothing here' });
    expect(codes((await loadPolicy(root, { cwd: scratch })).diagnostics)).toEqual([['no_policy_files', 'policies', 1, 1]]);
    expect(codes((await loadPolicy(join(root, 'README.md'), { cwd: scratch })).diagnostics)).toEqual([['file_unreadable', 'policies/README.md', 1, 1]]);
    expect(codes((await loadPolicy(join(scratch, 'nope'), { cwd: scratch })).diagnostics)).toEqual([['file_unreadable', 'nope', 1, 1]]);
  });
});

describe('displayPath', () => {
  it('is relative with / inside cwd, absolute outside', () => {
    expect(displayPath('/work/x/policies/a.yaml', '/work/x')).toBe('policies/a.yaml');
    expect(displayPath('/work/x', '/work/x')).toBe('.');
    expect(displayPath('/elsewhere/a.yaml', '/work/x')).toBe('/elsewhere/a.yaml');
    expect(displayPath('/work/xy/a.yaml', '/work/x')).toBe('/work/xy/a.yaml');
  });
});
