// The reloading policy store on its own: what it activates, what it refuses, and when.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, renameSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { openPolicyStore, type PolicyStoreOptions } from '../../src/proxy/policy-store.js';
import type { PolicyStore } from '../../src/proxy/policy-snapshot.js';
import { edit, filesOf, recordingLogger, scratchPolicy, versionOf, waitFor, type ScratchPolicy } from './reload-support.js';

let scratch: ScratchPolicy | undefined;
let store: PolicyStore | undefined;

afterEach(async () => {
  await store?.close();
  scratch?.remove();
  store = undefined;
  scratch = undefined;
});

async function open(options: Partial<PolicyStoreOptions> = {}, prepare: (dir: string) => void = () => undefined) {
  scratch = scratchPolicy();
  prepare(scratch.dir);
  const logger = recordingLogger();
  const opened = await openPolicyStore(scratch.dir, { watch: true, env: {}, logger, ...options });
  if (!opened.ok) throw new Error(`the example policy did not load: ${opened.diagnostics.map((d) => d.message).join('; ')}`);
  store = opened.store;
  return { dir: scratch.dir, scratch, store: opened.store, logger };
}

const ROUTE_DESCRIPTION = 'description: Coding assistants call tools, so every target must support them.';
const describedRoutes = (routes: string, n: number): string => edit(routes, ROUTE_DESCRIPTION, `description: Coding assistants call tools (revision ${n}).`);

describe('openPolicyStore', () => {
  it('refuses an invalid initial policy with its diagnostics', async () => {
    scratch = scratchPolicy();
    writeFileSync(join(scratch.dir, 'routes.yaml'), edit(scratch.read('routes.yaml'), 'priority: 500', 'prority: 500'));
    const opened = await openPolicyStore(scratch.dir, { watch: false, env: {}, cwd: scratch.dir, logger: recordingLogger() });
    expect(opened.ok).toBe(false);
    if (opened.ok) return;
    expect(opened.diagnostics.some((d) => d.code === 'unknown_field' && d.file === 'routes.yaml' && d.message.includes('`prority`'))).toBe(true);
  });

  it('serves a valid edit within a second and reports the swap once', async () => {
    const { dir, scratch, store, logger } = await open();
    const before = store.current();
    const routes = describedRoutes(scratch.read('routes.yaml'), 1);
    const expected = versionOf(filesOf(dir, { 'routes.yaml': routes }));
    expect(expected).toBeDefined();
    expect(expected).not.toBe(before.version);
    writeFileSync(join(dir, 'routes.yaml'), routes);
    await waitFor('the edited policy to serve', () => store.current().version === expected, 1000);
    expect(store.lastError).toBeUndefined();
    expect(logger.events('policy_reloaded').map((e) => e.fields['version'])).toEqual([expected]);
    // The snapshot a request took before the swap is untouched by it.
    expect(before.version).not.toBe(expected);
    expect(before.graph.version).toBe(before.version);
  });

  it('keeps the last good version on an invalid edit, reports it, and recovers when it is fixed', async () => {
    const { dir, scratch, store, logger } = await open();
    const good = store.current().version;
    const original = scratch.read('routes.yaml');
    writeFileSync(join(dir, 'routes.yaml'), edit(original, 'model: claude-haiku', 'model: claude-haiku-9'));
    await waitFor('the invalid edit to be reported', () => store.lastError !== undefined);
    expect(store.current().version).toBe(good);
    const error = store.lastError;
    expect(error?.diagnostics.some((d) => d.code === 'unknown_reference' && d.file.endsWith('routes.yaml') && d.message.includes('`claude-haiku-9`'))).toBe(true);
    expect(error?.message).toMatch(/^reload rejected: .*routes\.yaml:\d+:\d+: error unknown_reference: .*still serving `/);
    expect(logger.events('policy_rejected')).toHaveLength(1);

    const fixed = describedRoutes(original, 2);
    const expected = versionOf(filesOf(dir, { 'routes.yaml': fixed }));
    writeFileSync(join(dir, 'routes.yaml'), fixed);
    await waitFor('the fixed policy to serve', () => store.current().version === expected);
    expect(store.lastError).toBeUndefined();
  });

  it('refuses what validate refuses: two routes of equal priority that overlap, at start and on reload', async () => {
    const { dir, scratch, store } = await open();
    const good = store.current().version;
    const ambiguous = edit(scratch.read('routes.yaml'), 'priority: 200', 'priority: 0');
    writeFileSync(join(dir, 'routes.yaml'), ambiguous);
    await waitFor('the ambiguous routes to be reported', () => store.lastError !== undefined);
    expect(store.current().version).toBe(good);
    expect(store.lastError?.diagnostics.some((d) => d.code === 'route_ambiguous' && d.file.endsWith('routes.yaml'))).toBe(true);

    const again = await openPolicyStore(dir, { watch: false, env: {}, logger: recordingLogger() });
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.diagnostics.map((d) => d.code)).toContain('route_ambiguous');
  });

  it('clears the error when an invalid edit is reverted to the serving content, without a swap', async () => {
    const { dir, scratch, store, logger } = await open();
    const good = store.current();
    const original = scratch.read('teams.yaml');
    writeFileSync(join(dir, 'teams.yaml'), `${original}\n  bogus: [`);
    await waitFor('the broken file to be reported', () => store.lastError !== undefined);
    writeFileSync(join(dir, 'teams.yaml'), original);
    await waitFor('the error to clear', () => store.lastError === undefined);
    expect(store.current()).toBe(good);
    expect(logger.events('policy_reloaded')).toHaveLength(0);
    expect(logger.events('policy_restored')).toHaveLength(1);
  });

  it('activates an editor\'s atomic-rename save once, ignoring the hidden temporary file', async () => {
    const { dir, scratch, store, logger } = await open();
    const routes = describedRoutes(scratch.read('routes.yaml'), 3);
    const expected = versionOf(filesOf(dir, { 'routes.yaml': routes }));
    // A truncated temp file sits in the directory first, as it would while the editor writes it.
    const temp = join(dir, '.routes.yaml.swp');
    writeFileSync(temp, routes.slice(0, 200));
    writeFileSync(temp, routes);
    renameSync(temp, join(dir, 'routes.yaml'));
    await waitFor('the renamed file to serve', () => store.current().version === expected);
    expect(logger.events('policy_reloaded')).toHaveLength(1);
    expect(logger.events('policy_rejected')).toHaveLength(0);
  });

  it('turns a checkout that rewrites many files, invalid in between, into one reload of the final state', async () => {
    const { dir, store, logger } = await open();
    // Renaming a model touches every file that names it; any prefix of the rewrite has dangling references.
    const renamed = filesOf(dir)
      .filter((f) => f.text.includes('claude-haiku'))
      .map((f) => ({ path: f.path, text: f.text.replaceAll('claude-haiku', 'claude-haiku-next') }));
    expect(renamed.length).toBeGreaterThanOrEqual(3);
    const expected = versionOf(filesOf(dir, Object.fromEntries(renamed.map((f) => [f.path, f.text]))));
    expect(expected).toBeDefined();
    const first = renamed[0];
    if (first === undefined) return;
    expect(versionOf(filesOf(dir, { [first.path]: first.text }))).toBeUndefined();
    for (const file of renamed) {
      writeFileSync(join(dir, file.path), file.text);
      await tick();
    }
    await waitFor('the checked-out policy to serve', () => store.current().version === expected);
    expect(logger.events('policy_reloaded')).toHaveLength(1);
    expect(logger.events('policy_rejected')).toHaveLength(0);
  });

  it('waits for a file written in two parts to settle before activating it', async () => {
    // No debounce to speak of: only the settle step stands between a half-written file and activation.
    const { dir, scratch, store, logger } = await open({ debounceMs: 1, settleMs: 200 });
    const guardrails = scratch.read('guardrails.yaml');
    const cut = guardrails.indexOf('\n---\n') + 1;
    const head = guardrails.slice(0, cut);
    // The head alone is a valid policy — one that has lost the residency and training guardrails.
    const truncated = versionOf(filesOf(dir, { 'guardrails.yaml': head }));
    expect(truncated).toBeDefined();
    const whole = `${guardrails}\n# reviewed\n`;
    const expected = versionOf(filesOf(dir, { 'guardrails.yaml': whole }));

    const fd = openSync(join(dir, 'guardrails.yaml'), 'w');
    writeSync(fd, head);
    // Longer than a load takes, shorter than the settle gap: a load alone would see a stable, valid head.
    await sleep(100);
    writeSync(fd, whole.slice(cut));
    closeSync(fd);
    await waitFor('the whole file to serve', () => store.current().version === expected);
    const activated = logger.events('policy_reloaded').map((e) => e.fields['version']);
    expect(activated).toEqual([expected]);
    expect(activated).not.toContain(truncated);
  });

  it('reloads on demand without watching, and treats unchanged content as a no-op', async () => {
    const { dir, scratch, store, logger } = await open({ watch: false });
    const before = store.current();
    const unchanged = await store.reload();
    expect(unchanged).toEqual({ ok: true, version: before.version });
    expect(store.current()).toBe(before);

    const routes = describedRoutes(scratch.read('routes.yaml'), 4);
    const expected = versionOf(filesOf(dir, { 'routes.yaml': routes }));
    writeFileSync(join(dir, 'routes.yaml'), routes);
    const reloaded = await store.reload();
    expect(reloaded).toEqual({ ok: true, version: expected });
    expect(store.current().version).toBe(expected);
    expect(logger.events('policy_reloaded')).toHaveLength(1);
  });

  it('runs one reload at a time and coalesces calls made meanwhile', async () => {
    const { dir, scratch, store, logger } = await open({ watch: false });
    const routes = describedRoutes(scratch.read('routes.yaml'), 5);
    const expected = versionOf(filesOf(dir, { 'routes.yaml': routes }));
    writeFileSync(join(dir, 'routes.yaml'), routes);
    const results = await Promise.all([store.reload(), store.reload(), store.reload()]);
    for (const result of results) expect(result).toEqual({ ok: true, version: expected });
    expect(logger.events('policy_reloaded')).toHaveLength(1);
  });

  it('names the new commit when a commit leaves the files as they were', async () => {
    const { dir, store, logger } = await open({}, (d) => {
      git(d, 'init', '-q', '-b', 'main');
      git(d, 'add', '-A');
      git(d, 'commit', '-q', '-m', 'policy');
    });
    const first = git(dir, 'rev-parse', 'HEAD');
    expect(store.current().version).toBe(`${first.slice(0, 12)}+${versionOf(filesOf(dir))}`);
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'nothing changed');
    const second = git(dir, 'rev-parse', 'HEAD');
    await waitFor('the version to name the new commit', () => store.current().version === `${second.slice(0, 12)}+${versionOf(filesOf(dir))}`);
    expect(logger.events('policy_reloaded')).toHaveLength(1);
  });

  it('turns a git checkout of a branch that rewrites many files into one reload naming its commit', async () => {
    let branchCommit = '';
    let branchHash: string | undefined;
    const { dir, store, logger } = await open({}, (d) => {
      git(d, 'init', '-q', '-b', 'main');
      git(d, 'add', '-A');
      git(d, 'commit', '-q', '-m', 'policy');
      git(d, 'checkout', '-q', '-b', 'renamed');
      const renamed = filesOf(d).filter((f) => f.text.includes('claude-haiku'));
      for (const f of renamed) writeFileSync(join(d, f.path), f.text.replaceAll('claude-haiku', 'claude-haiku-next'));
      branchHash = versionOf(filesOf(d));
      git(d, 'commit', '-q', '-am', 'rename claude-haiku');
      branchCommit = git(d, 'rev-parse', 'HEAD');
      git(d, 'checkout', '-q', 'main');
    });
    expect(branchHash).toBeDefined();
    git(dir, 'checkout', '-q', 'renamed');
    const expected = `${branchCommit.slice(0, 12)}+${branchHash}`;
    await waitFor('the checked-out branch to serve', () => store.current().version === expected);
    expect(logger.events('policy_reloaded').map((e) => e.fields['version'])).toEqual([expected]);
    expect(logger.events('policy_rejected')).toHaveLength(0);
  });

  it('follows a volume that publishes new files by swapping a hidden `..data` link (Kubernetes ConfigMap, git-sync)', async () => {
    const publish = (d: string, version: string, files: { path: string; text: string }[]): void => {
      mkdirSync(join(d, version));
      for (const f of files) writeFileSync(join(d, version, f.path), f.text);
      symlinkSync(version, join(d, '..data_tmp'));
      renameSync(join(d, '..data_tmp'), join(d, '..data'));
    };
    const { dir, store } = await open({}, (d) => {
      const files = filesOf(d);
      for (const name of readdirSync(d)) if (name.endsWith('.yaml')) execFileSync('rm', [join(d, name)]);
      publish(d, '..v1', files);
      for (const f of files) symlinkSync(join('..data', f.path), join(d, f.path));
    });
    const next = filesOf(dir).map((f) => (f.path === 'routes.yaml' ? { ...f, text: describedRoutes(f.text, 6) } : f));
    const expected = versionOf(next);
    expect(expected).not.toBe(store.current().version);
    publish(dir, '..v2', next);
    await waitFor('the published version to serve', () => store.current().version === expected);
  });
});

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, '-c', 'user.name=Policy Author', '-c', 'user.email=author@example.com', '-c', 'commit.gpgsign=false', ...args], { encoding: 'utf8' }).trim();
}
