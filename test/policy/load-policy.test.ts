// loadPolicy / loadPolicyFromSources end to end on a small fixture: what the linked PolicySet holds, where
// locations point, how the version is computed, and how the stages gate each other.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicy, loadPolicyFromSources, type LoadResult, type PolicySet } from '../../src/policy/index.js';

const repo = join(import.meta.dirname, '..', '..');
const fixture = join(import.meta.dirname, 'fixtures', 'valid');
const fixtureShown = relative(repo, fixture).split('\\').join('/');
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function copyFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-load-'));
  temps.push(dir);
  cpSync(fixture, dir, { recursive: true });
  return dir;
}

function policyOf(result: LoadResult): PolicySet {
  if (!result.ok) throw new Error(`expected a valid policy, got ${JSON.stringify(result.diagnostics)}`);
  return result.policy;
}

describe('loadPolicy on a valid directory', () => {
  it('links every document, in path order then document order, skipping hidden directories', async () => {
    const policy = policyOf(await loadPolicy(fixture, { cwd: repo, env: {} }));
    expect(policy.organization.name).toBe('acme');
    expect([...policy.providers.keys()]).toEqual(['openai', 'mistral']);
    expect([...policy.models.keys()]).toEqual(['gpt-4o-mini', 'mistral-large']);
    // teams/research.yml sorts before teams/support.yaml
    expect([...policy.teams.keys()]).toEqual(['research', 'support']);
    expect([...policy.routes.keys()]).toEqual(['eu-data', 'default']);
    expect(policy.teams.get('support')?.metadata.labels).toEqual({ 'cost-center': 'cc-100' });
    expect(policy.routes.get('default')?.spec.targets.map((t) => t.model)).toEqual(['gpt-4o-mini', 'mistral-large']);
    expect(policy.budgets.size + policy.vettings.size + policy.tests.size).toBe(0);
  });

  it('interpolates Provider baseUrl from the given environment, falling back to the default', async () => {
    const fallback = policyOf(await loadPolicy(fixture, { cwd: repo, env: {} }));
    expect(fallback.providers.get('openai')?.spec.baseUrl).toBe('https://api.openai.com/v1');
    const local = policyOf(await loadPolicy(fixture, { cwd: repo, env: { OPENAI_BASE_URL: 'http://127.0.0.1:9000' } }));
    expect(local.providers.get('openai')?.spec.baseUrl).toBe('http://127.0.0.1:9000/v1');
    expect(local.providers.get('mistral')?.spec.baseUrl).toBe('https://api.mistral.ai/v1');
  });

  it('locates documents and nodes at file:line:col, relative to cwd', async () => {
    const policy = policyOf(await loadPolicy(fixture, { cwd: repo, env: {} }));
    const route = policy.routes.get('default');
    expect(route?.source).toEqual({ file: `${fixtureShown}/routes.yaml`, line: 12, col: 1 });
    expect(route?.locate('/spec/targets/1/model')).toEqual({ file: `${fixtureShown}/routes.yaml`, line: 20, col: 14 });
    // a pointer that does not exist falls back to the nearest ancestor (here the `targets` key)
    expect(route?.locate('/spec/targets/7/model')).toEqual({ file: `${fixtureShown}/routes.yaml`, line: 18, col: 3 });
    const org = policy.organization;
    expect(org.source).toEqual({ file: `${fixtureShown}/organization.yaml`, line: 2, col: 1 });
    expect(policy.teams.get('research')?.locate('/spec/dataClasses/allowed/2')).toEqual({ file: `${fixtureShown}/teams/research.yml`, line: 7, col: 33 });
  });

  it('prints absolute paths when the policy is outside cwd', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'switchyard-cwd-'));
    temps.push(elsewhere);
    const policy = policyOf(await loadPolicy(fixture, { cwd: elsewhere, env: {} }));
    expect(policy.organization.source.file).toBe(join(fixture, 'organization.yaml').split('\\').join('/'));
  });

  it('versions the policy by content hash and git commit', async () => {
    const policy = policyOf(await loadPolicy(fixture, { cwd: repo, env: {} }));
    const head = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(policy.version.hash).toMatch(/^[0-9a-f]{12}$/);
    expect(policy.version.commit).toBe(head);
    expect(policy.version.id).toBe(`${head.slice(0, 12)}+${policy.version.hash}`);

    const copy = copyFixture(); // not a git checkout
    const copied = policyOf(await loadPolicy(copy, { env: {} }));
    expect(copied.version).toEqual({ hash: policy.version.hash, id: policy.version.hash });

    writeFileSync(join(copy, 'routes.yaml'), `${readFileSync(join(copy, 'routes.yaml'), 'utf8')}# a comment changes the bytes\n`);
    const edited = policyOf(await loadPolicy(copy, { env: {} }));
    expect(edited.version.hash).not.toBe(policy.version.hash);
  });

  it('hashes in-memory sources like the same files on disk (paths relative to the root)', async () => {
    const onDisk = policyOf(await loadPolicy(fixture, { env: {} }));
    const names = ['organization.yaml', 'providers.yaml', 'models.yaml', 'teams/support.yaml', 'teams/research.yml', 'routes.yaml'];
    const files = names.map((path) => ({ path, text: readFileSync(join(fixture, path), 'utf8') }));
    const inMemory = policyOf(loadPolicyFromSources(files, { env: {}, commit: 'a'.repeat(40) }));
    expect(inMemory.version).toEqual({ hash: onDisk.version.hash, commit: 'a'.repeat(40), id: `aaaaaaaaaaaa+${onDisk.version.hash}` });
    expect(inMemory.routes.get('default')?.source).toEqual({ file: 'routes.yaml', line: 12, col: 1 });
  });

  it('times each stage that ran', async () => {
    const result = await loadPolicy(fixture, { cwd: repo, env: {} });
    expect(result.timings.map((t) => t.stage)).toEqual(['load', 'validate', 'link']);
    for (const t of result.timings) expect(t.ms).toBeGreaterThanOrEqual(0);
  });
});

describe('stages gate each other', () => {
  const base = (extra: Record<string, string>) => {
    const names = ['organization.yaml', 'providers.yaml', 'models.yaml', 'teams/support.yaml', 'teams/research.yml', 'routes.yaml'];
    const files = Object.fromEntries(names.map((n) => [n, readFileSync(join(fixture, n), 'utf8')]));
    return Object.entries({ ...files, ...extra }).map(([path, text]) => ({ path, text }));
  };
  const badRoute = 'apiVersion: switchyard.dev/v1\nkind: Route\nmetadata:\n  name: broken\nspec:\n  priority: 1\n  targets:\n    - model: nowhere\n';
  const badType = 'apiVersion: switchyard.dev/v1\nkind: Route\nmetadata:\n  name: typed\nspec:\n  priority: high\n  targets:\n    - model: gpt-4o-mini\n';

  it('a link error alone is reported by the link stage', () => {
    const result = loadPolicyFromSources(base({ 'z-broken.yaml': badRoute }), { env: {} });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => [d.code, d.file, d.line, d.col])).toEqual([['unknown_reference', 'z-broken.yaml', 8, 14]]);
    expect(result.timings.map((t) => t.stage)).toEqual(['load', 'validate', 'link']);
  });

  it('a schema error stops before linking, so the link error waits for the next round', () => {
    const result = loadPolicyFromSources(base({ 'z-broken.yaml': badRoute, 'z-typed.yaml': badType }), { env: {} });
    expect(result.diagnostics.map((d) => [d.code, d.file])).toEqual([['invalid_type', 'z-typed.yaml']]);
    expect(result.timings.map((t) => t.stage)).toEqual(['load', 'validate']);
  });

  it('a YAML error stops before validating', () => {
    const result = loadPolicyFromSources(base({ 'z-typed.yaml': badType, 'z-yaml.yaml': 'a: [1, 2\n' }), { env: {} });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['yaml_syntax']);
    expect(result.timings.map((t) => t.stage)).toEqual(['load']);
  });

  it('warnings do not stop the load and come back with the policy', () => {
    const budget = 'apiVersion: switchyard.dev/v1\nkind: Budget\nmetadata:\n  name: b\nspec:\n  per: shared\n  window: day\n  limitUsd: 10\n  thresholds:\n    - { atPercent: 100, action: deny, maxTier: small }\n';
    const result = loadPolicyFromSources(base({ 'budget.yaml': budget }), { env: {} });
    expect(result.ok).toBe(true);
    expect(result.diagnostics.map((d) => [d.severity, d.code])).toEqual([['warning', 'max_tier_ignored']]);
    if (result.ok) expect(result.policy.budgets.get('b')?.spec.limitUsd).toBe(10);
  });

  it('sorts diagnostics by file, line and column', () => {
    const twoErrors = 'apiVersion: switchyard.dev/v1\nkind: Route\nmetadata:\n  name: two\nspec:\n  priority: x\n  strategy: y\n  targets:\n    - model: gpt-4o-mini\n';
    const result = loadPolicyFromSources(base({ 'b.yaml': twoErrors, 'a.yaml': badType }), { env: {} });
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}`)).toEqual(['a.yaml:6:13', 'b.yaml:6:13', 'b.yaml:7:13']);
  });

  it('an empty source list has no policy files', () => {
    const result = loadPolicyFromSources([], { env: {} });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['no_policy_files']);
  });
});
