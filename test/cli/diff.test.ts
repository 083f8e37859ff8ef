// `switchyard diff` as a user and a CI job run it: a directory or a git ref as the base, formats, --fail-on,
// and what happens when either side is invalid.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, scratch } from '../support/cli.js';
import { EDITS, POLICY, TRAFFIC_TEXT } from '../verify/diff-fixtures.js';

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));
function workspace(files: Record<string, string>): string {
  const s = scratch(files);
  cleanups.push(s.cleanup);
  return s.dir;
}

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });

describe('switchyard diff --base <dir>', () => {
  const cwd = workspace({
    'base/policy.yaml': POLICY,
    'policies/policy.yaml': EDITS.newResidency,
    'same/policy.yaml': POLICY,
    'reordered/policy.yaml': EDITS.reorderedTargets,
    'traffic.jsonl': TRAFFIC_TEXT,
  });

  it('text: the headline, the moves, the cost delta; exit 0 although decisions changed', async () => {
    const r = await runCli(['diff', '--base', 'base', '--traffic', 'traffic.jsonl'], cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^diff: base base \(policy [0-9a-f]{12}\) → head policies \(policy [0-9a-f]{12}\)$/m);
    expect(r.stdout).toContain('newly denies 1 request (10.0%)');
    expect(r.stdout).toMatch(/^ {2}small-us\s+small-eu\s+1\s+10\.0%\s+support 25\.0%$/m);
    expect(r.stdout).toContain('estimated cost per day: base ');
    expect(r.stdout).toContain('invariants: 1 checked on the head, 1 hold');
  });

  it('--fail-on deny gates on newly denied requests, --fail-on change on any change', async () => {
    expect((await runCli(['diff', '--base', 'base', '--traffic', 'traffic.jsonl', '--fail-on', 'deny'], cwd)).code).toBe(1);
    expect((await runCli(['diff', '--base', 'base', '--head', 'reordered', '--traffic', 'traffic.jsonl', '--fail-on', 'deny'], cwd)).code).toBe(0);
    expect((await runCli(['diff', '--base', 'base', '--head', 'reordered', '--fail-on', 'change'], cwd)).code).toBe(1);
    expect((await runCli(['diff', '--base', 'base', '--head', 'same', '--traffic', 'traffic.jsonl', '--fail-on', 'change', '--fail-on', 'deny'], cwd)).code).toBe(0);
    const bad = await runCli(['diff', '--base', 'base', '--fail-on', 'always'], cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown `--fail-on` value `always`; use deny or change');
  });

  it('markdown renders a PR comment with a Mermaid flowchart; json parses and carries the headline', async () => {
    const md = await runCli(['diff', '--base', 'base', '--traffic', 'traffic.jsonl', '--format', 'markdown'], cwd);
    expect(md.stdout).toMatch(/^### Switchyard policy diff\n\n\*\*moves 25\.0% of support traffic from `small-us` to `small-eu`/);
    expect(md.stdout).toContain('```mermaid\nflowchart LR\n');
    const json = await runCli(['diff', '--base', 'base', '--format', 'json'], cwd);
    const report = JSON.parse(json.stdout) as { headline: string; space: { changed: number }; traffic?: unknown };
    expect(report.traffic).toBeUndefined();
    expect(report.space.changed).toBe(10);
    expect(report.headline).toBe('changes 10 of 100 request classes (the most: 5 request classes from small-us to small-eu), est. -$0.02 per request on the changed classes (unweighted), newly denies 5 request classes (5.0%)');
  });

  it('an invalid head is reported with its diagnostics (exit 1); an invalid base is reported as such', async () => {
    const broken = workspace({ 'base/policy.yaml': POLICY, 'policies/policy.yaml': POLICY.replace('priority: 100', 'prority: 100') });
    const head = await runCli(['diff', '--base', 'base'], broken);
    expect(head.code).toBe(1);
    expect(head.stdout).toMatch(/^policies\/policy\.yaml:\d+:\d+: error unknown_field/m);
    const headMd = await runCli(['diff', '--base', 'base', '--format', 'markdown'], broken);
    expect(headMd.code).toBe(1);
    expect(headMd.stdout).toContain('**the head policy `policies` is invalid; fix it before it can be compared.**');

    const base = await runCli(['diff', '--base', 'policies', '--head', 'base'], broken);
    // Nothing to compare against is said, and fails only a gate (--fail-on): the head is judged by validate and test.
    expect(base.code).toBe(0);
    expect(base.stdout).toMatch(/^the base policy `policies` is invalid, so there is nothing to compare the head against\npolicies\/policy\.yaml:\d+:\d+: error unknown_field/);
    expect((await runCli(['diff', '--base', 'policies', '--head', 'base', '--fail-on', 'change'], broken)).code).toBe(1);
  });

  it('a head invariant that newly fails exits 1, --fail-on or not', async () => {
    const ws = workspace({ 'base/policy.yaml': POLICY, 'policies/policy.yaml': EDITS.expensiveSupport });
    const r = await runCli(['diff', '--base', 'base'], ws);
    expect(r.stdout).toContain('newly fails (holds on the base)');
    expect(r.code).toBe(1);
    expect((await runCli(['diff', '--base', 'base', '--fail-on', 'deny'], ws)).code).toBe(1);
    // The same invariant failing on the base too is not new.
    expect((await runCli(['diff', '--base', 'policies'], ws)).code).toBe(0);
  });

  it('github: a summary notice, newly denied requests and newly failing invariants as error annotations', async () => {
    const r = await runCli(['diff', '--base', 'base', '--traffic', 'traffic.jsonl', '--format', 'github'], cwd);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^::notice title=Switchyard policy diff::base \([0-9a-f]{12}\) → policies \([0-9a-f]{12}\): /);
    expect(lines).toContain('::error title=Newly denied%3A no_eligible_model::1 request (10.0%25 of the recorded traffic) newly denied with no_eligible_model by Route/code, e.g. line 6');
    expect(lines.some((l) => l.startsWith('::notice title=Decision change::recorded traffic: 10.0%25 (1 request) from small-us to small-eu'))).toBe(true);
    expect(lines.every((l) => /^::(notice|warning|error) /.test(l))).toBe(true);
    const ws = workspace({ 'base/policy.yaml': POLICY, 'policies/policy.yaml': EDITS.expensiveSupport });
    const inv = await runCli(['diff', '--base', 'base', '--format', 'github'], ws);
    expect(inv.code).toBe(1);
    expect(inv.stdout).toMatch(/^::error file=policies\/policy\.yaml,line=\d+,title=Invariant\/support-chat-is-cheap newly fails \(holds on the base\)::/m);
  });

  it('usage errors: no --base, a base that is neither a directory nor a ref, a missing head or traffic file', async () => {
    expect((await runCli(['diff'], cwd)).stderr).toContain('`--base` is required');
    const ref = await runCli(['diff', '--base', 'nowhere'], cwd);
    expect(ref.code).toBe(2);
    expect(ref.stderr).toMatch(/`--base nowhere` is not a directory, and `.*policies` is not inside a git repository/);
    expect((await runCli(['diff', '--base', 'base', '--head', 'missing'], cwd)).code).toBe(2);
    expect((await runCli(['diff', '--base', 'base', '--traffic', 'missing.jsonl'], cwd)).code).toBe(2);
    expect((await runCli(['diff', 'base'], cwd)).code).toBe(2);
  });
});

describe('switchyard diff --base <git-ref>', () => {
  it('compares the working tree with a commit, read from the repository without a checkout', async () => {
    const cwd = workspace({ 'policies/policy.yaml': POLICY, 'traffic.jsonl': TRAFFIC_TEXT });
    git(cwd, 'init', '-q', '-b', 'main');
    git(cwd, 'add', '.');
    git(cwd, 'commit', '-q', '-m', 'policy');
    writeFileSync(join(cwd, 'policies/policy.yaml'), EDITS.reorderedTargets);

    const r = await runCli(['diff', '--base', 'HEAD', '--traffic', 'traffic.jsonl'], cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^diff: base HEAD:policies \(policy [0-9a-f]{12}\+[0-9a-f]{12}\) → head policies/m);
    expect(r.stdout).toMatch(/^recorded traffic: traffic\.jsonl, 10 requests\n {2}changed: 4 \(40\.0%\)$/m);
    expect(r.stdout).toMatch(/^ {2}big-us\s+small-us\s+4\s+40\.0%/m);
    // The working tree is untouched: the edit is still there and nothing is staged.
    expect(git(cwd, 'status', '--porcelain')).toBe(' M policies/policy.yaml\n');

    git(cwd, 'commit', '-q', '-am', 'reorder');
    expect((await runCli(['diff', '--base', 'HEAD~1', '--fail-on', 'change'], cwd)).code).toBe(1);
    expect((await runCli(['diff', '--base', 'HEAD', '--fail-on', 'change'], cwd)).code).toBe(0);
    const unknown = await runCli(['diff', '--base', 'no-such-branch'], cwd);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('`no-such-branch` names no commit');
  });

  it('the base read from a ref has the version of that commit checked out, however the ref is spelled', async () => {
    const cwd = workspace({ 'policies/policy.yaml': POLICY, 'policies/more/extra.yaml': '# nothing here\n', 'traffic.jsonl': TRAFFIC_TEXT });
    git(cwd, 'init', '-q', '-b', 'main');
    git(cwd, 'add', '.');
    git(cwd, 'commit', '-q', '-m', 'policy');
    git(cwd, 'tag', 'v1');
    const versions = (stdout: string): [string, string] => {
      const m = /^diff: base \S+ \(policy (\S+)\) → head \S+ \(policy (\S+)\)$/m.exec(stdout);
      return [m?.[1] ?? '', m?.[2] ?? ''];
    };
    // A clean tree: the base at HEAD and the checked-out head are the same policy, the same version.
    const clean = versions((await runCli(['diff', '--base', 'HEAD', '--head', 'policies'], cwd)).stdout);
    expect(clean[0]).toMatch(/^[0-9a-f]{12}\+[0-9a-f]{12}$/);
    expect(clean[0]).toBe(clean[1]);
    const dryRun = await runCli(['dry-run', 'policies', '--traffic', 'traffic.jsonl'], cwd);
    expect(dryRun.stdout).toContain(`(policy ${clean[0]})`);
    writeFileSync(join(cwd, 'policies/policy.yaml'), EDITS.reorderedTargets);
    git(cwd, 'commit', '-q', '-am', 'reorder');
    const byParent = versions((await runCli(['diff', '--base', 'HEAD~1'], cwd)).stdout)[0];
    const byTag = versions((await runCli(['diff', '--base', 'v1'], cwd)).stdout)[0];
    expect(byParent).toBe(clean[0]);
    expect(byTag).toBe(clean[0]);
  });

  it('a base ref without the directory (the pull request that adds it) is reported, and fails only a gate', async () => {
    const cwd = workspace({ 'README.md': 'hello\n' });
    git(cwd, 'init', '-q', '-b', 'main');
    git(cwd, 'add', '.');
    git(cwd, 'commit', '-q', '-m', 'start');
    writeFileSync(join(cwd, 'README.md'), 'changed\n');
    execFileSync('mkdir', ['policies'], { cwd });
    writeFileSync(join(cwd, 'policies/policy.yaml'), POLICY);
    const r = await runCli(['diff', '--base', 'HEAD'], cwd);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('the base policy `HEAD:policies` does not exist, so there is nothing to compare the head against');
    expect((await runCli(['diff', '--base', 'HEAD', '--fail-on', 'deny'], cwd)).code).toBe(1);
  });

  it('a base ref where the directory held no policy files yet is reported, not an error', async () => {
    const cwd = workspace({ 'README.md': 'hello\n' });
    git(cwd, 'init', '-q', '-b', 'main');
    git(cwd, 'add', '.');
    git(cwd, 'commit', '-q', '-m', 'start');
    writeFileSync(join(cwd, 'policy.yaml'), POLICY);
    const r = await runCli(['diff', '--base', 'HEAD', '--head', '.', '--format', 'markdown'], cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('**the base policy `HEAD:.` holds no policy files, so there is nothing to compare the head against.**');
  });
});
