// The watched path replaced under the store: the directory deleted and made again, swapped in by a rename, or a
// link in the served tree (a git-sync sync root's `current`) flipped to a directory that already exists. Each
// time the store must load what the path now holds and keep watching it. Real files, the real watcher.
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PolicyStore } from '../../src/proxy/policy-snapshot.js';
import { openPolicyStore } from '../../src/proxy/policy-store.js';
import { POLICIES, edit, filesOf, recordingLogger, versionOf, waitFor } from './reload-support.js';

// Generous: a missed replacement never reloads at all, so the bound only has to outlast a slow, shared machine.
const SEEN_MS = 10_000;

const ROUTE_DESCRIPTION = 'description: Coding assistants call tools, so every target must support them.';

let base: string | undefined;
let store: PolicyStore | undefined;

afterEach(async () => {
  await store?.close();
  if (base !== undefined) rmSync(base, { recursive: true, force: true });
  store = undefined;
  base = undefined;
});

/** A scratch area holding a copy of policies/ at `policies`. */
function scratchArea(): { base: string; dir: string } {
  base = mkdtempSync(join(tmpdir(), 'switchyard-replaced-'));
  const dir = join(base, 'policies');
  cpSync(POLICIES, dir, { recursive: true });
  return { base, dir };
}

/**
 * Write revision n of the policy (routes.yaml's description names it) into dir, creating dir if needed; its
 * version when served from a directory where these files sit under `under`.
 */
function writeRevision(dir: string, n: number, under = ''): string {
  mkdirSync(dir, { recursive: true });
  const files = filesOf(POLICIES).map((f) => (f.path === 'routes.yaml' ? { ...f, text: edit(f.text, ROUTE_DESCRIPTION, `description: Coding assistants (revision ${n}).`) } : f));
  for (const f of files) writeFileSync(join(dir, f.path), f.text);
  const version = versionOf(files.map((f) => ({ ...f, path: under === '' ? f.path : `${under}/${f.path}` })));
  if (version === undefined) throw new Error(`revision ${n} is not a valid policy`);
  return version;
}

async function open(dir: string): Promise<PolicyStore> {
  const opened = await openPolicyStore(dir, { watch: true, env: {}, logger: recordingLogger() });
  if (!opened.ok) throw new Error(`the example policy did not load: ${opened.diagnostics.map((d) => d.message).join('; ')}`);
  store = opened.store;
  return opened.store;
}

describe('a watched path that is replaced', () => {
  it('loads a directory deleted and made again, and keeps watching it', async () => {
    const { dir } = scratchArea();
    const store = await open(dir);
    const first = store.current().version;
    rmSync(dir, { recursive: true, force: true });
    await waitFor('the missing directory to be reported', () => store.lastError !== undefined, SEEN_MS);
    expect(store.current().version).toBe(first);

    const recreated = writeRevision(dir, 1);
    expect(recreated).not.toBe(first);
    await waitFor('the recreated directory to serve', () => store.current().version === recreated, SEEN_MS);
    expect(store.lastError).toBeUndefined();

    const edited = writeRevision(dir, 2);
    await waitFor('an edit in the recreated directory to serve', () => store.current().version === edited, SEEN_MS);
  });

  it('loads a directory swapped in by a rename, and watches the new one, not the old', async () => {
    const { base, dir } = scratchArea();
    const store = await open(dir);
    const staged = join(base, 'policies.new');
    cpSync(dir, staged, { recursive: true });
    const swapped = writeRevision(staged, 1);
    renameSync(dir, join(base, 'policies.old'));
    renameSync(staged, dir);
    await waitFor('the swapped-in directory to serve', () => store.current().version === swapped, SEEN_MS);

    const edited = writeRevision(dir, 2);
    await waitFor('an edit in the swapped-in directory to serve', () => store.current().version === edited, SEEN_MS);
    // The old directory, still on disk, is no longer what is served.
    writeRevision(join(base, 'policies.old'), 3);
    const after = writeRevision(dir, 4);
    await waitFor('the next edit in the swapped-in directory to serve', () => store.current().version === after, SEEN_MS);
  });

  it('loads each flip of a sync root\'s link between two worktrees that both exist', async () => {
    base = mkdtempSync(join(tmpdir(), 'switchyard-replaced-'));
    const root = join(base, 'git');
    const a = writeRevision(join(root, '.worktrees', 'a'), 1, 'current');
    const b = writeRevision(join(root, '.worktrees', 'b'), 2, 'current');
    symlinkSync(join('.worktrees', 'a'), join(root, 'current'));
    const store = await open(root);
    expect(store.current().version).toBe(a);
    const flip = (to: string): void => {
      symlinkSync(join('.worktrees', to), join(root, 'current.new'));
      renameSync(join(root, 'current.new'), join(root, 'current'));
    };
    for (const [to, version] of [['b', b], ['a', a], ['b', b], ['a', a]] as const) {
      flip(to);
      await waitFor(`the flip to ${to} to serve`, () => store.current().version === version, SEEN_MS);
    }
    // Edits in the worktree the link now names are still followed.
    const edited = writeRevision(join(root, '.worktrees', 'a'), 3, 'current');
    await waitFor('an edit in the linked worktree to serve', () => store.current().version === edited, SEEN_MS);
  });

  it('follows a served path that is itself a link, flipped to another directory that exists', async () => {
    base = mkdtempSync(join(tmpdir(), 'switchyard-replaced-'));
    const a = writeRevision(join(base, 'worktrees', 'a'), 1);
    const b = writeRevision(join(base, 'worktrees', 'b'), 2);
    const served = join(base, 'current');
    symlinkSync(join('worktrees', 'a'), served);
    const store = await open(served);
    expect(store.current().version).toBe(a);
    symlinkSync(join('worktrees', 'b'), join(base, 'current.new'));
    renameSync(join(base, 'current.new'), served);
    await waitFor('the flipped link to serve', () => store.current().version === b, SEEN_MS);
    const edited = writeRevision(join(base, 'worktrees', 'b'), 3);
    await waitFor('an edit in the directory the link now names to serve', () => store.current().version === edited, SEEN_MS);
  });
});
