// Scale-out (issue 9, docs/deploy.md): three `switchyard serve` processes — stateless replicas, as behind a load
// balancer — share one redis-server for budgets and one policy directory that is a git checkout. A burst at the
// edge of a budget, spread over the three, admits exactly ⌊B/r⌋; a commit in the directory, and a `git pull` of
// a commit pushed elsewhere (what the systemd timer does), reach all three, each reporting the new version at
// /admin/policy. A git-sync volume (deploy/kubernetes) is followed too: the replica serves the sync root, where
// each sync checks out a new worktree and flips the link to it.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costMicros } from '../../src/budget/money.js';
import { openLedger } from '../../src/budget/open.js';
import { loadPolicy } from '../../src/policy/index.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { budgetSnapshot, budgetSources, dayBucket, EDGE_KEY, EDGE_LIMIT_MICROS, PROMPT, PROMPT_TOKENS } from '../proxy/budget-fixture.js';
import { ADMIN_KEY, closeSims, CREDENTIALS, resetSims, sha, startSims, type Sims } from '../proxy/fixture.js';
import { atScale, ms, report, SCALE } from './scale.js';
import { killHard, maxOf, startServe, until, writeFiles, type ServeProcess } from './support.js';

const REPLICAS = 3;
const REQUESTS = atScale(150, 600);
const MAX_TOKENS = 8;
/** "Within a few seconds": the bound on a commit reaching every replica, asserted at full scale. */
const PROPAGATION_MS = 5_000;

let sims: Sims;
let redis: RedisServer;
let scratch: string;
/** Where commits are made and pushed from; `served` is the checkout the replicas serve. */
let author: string;
let served: string;
let env: Record<string, string>;
let ledgerUrl: string;
const replicas: ServeProcess[] = [];

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, '-c', 'user.name=Policy Author', '-c', 'user.email=author@example.com', '-c', 'commit.gpgsign=false', ...args], { encoding: 'utf8' }).trim();
}

beforeAll(async () => {
  sims = await startSims();
  redis = await startRedisServer();
  scratch = mkdtempSync(join(tmpdir(), 'switchyard-scale-'));
  const origin = join(scratch, 'origin.git');
  author = join(scratch, 'author');
  served = join(scratch, 'served');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', origin]);
  execFileSync('git', ['init', '-q', '-b', 'main', author]);
  git(author, 'remote', 'add', 'origin', origin);
  writeFiles(author, budgetSources());
  git(author, 'add', '-A');
  git(author, 'commit', '-q', '-m', 'policies');
  git(author, 'push', '-q', 'origin', 'HEAD:main');
  execFileSync('git', ['clone', '-q', '-b', 'main', origin, served]);

  env = {
    ...CREDENTIALS,
    SIM_A: sims.a.url,
    SIM_B: sims.b.url,
    SIM_EU: sims.eu.url,
    SIM_C: sims.c.url,
    SIM_D: sims.d.url,
    SWITCHYARD_ADMIN_KEY_SHA256: sha(ADMIN_KEY),
  };
  ledgerUrl = `${redis.url}/0?namespace=scale-out-${process.pid}`;
  for (let i = 0; i < REPLICAS; i++) replicas.push(await startServe(['policies', '--port', '0', '--ledger', ledgerUrl], { cwd: served, env }));
});
afterAll(async () => {
  for (const r of replicas.splice(0)) {
    r.child.kill('SIGTERM');
    await Promise.race([r.exit, new Promise((done) => setTimeout(done, 10_000))]);
    await killHard(r);
  }
  await redis?.stop();
  await closeSims(sims);
  rmSync(scratch, { recursive: true, force: true });
});

async function adminPolicy(url: string): Promise<{ version: string; commit: string | null }> {
  const res = await fetch(`${url}/admin/policy`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { version: string; commit: string | null };
}

/** The version `dir` holds now, as the loader computes it (its commit and content hash). */
async function versionOf(dir: string): Promise<string> {
  const loaded = await loadPolicy(join(dir, 'policies'), { env, cwd: dir });
  if (!loaded.ok) throw new Error(`the policy in ${dir} is invalid: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
  return loaded.policy.version.id;
}

/** Waits until every replica reports `expected`; returns how long each took. */
async function reachesAll(expected: string): Promise<number[]> {
  const started = performance.now();
  return Promise.all(
    replicas.map(async (r) => {
      await until(`${r.url} to serve ${expected}`, async () => (await adminPolicy(r.url)).version === expected, 15_000, 20);
      return performance.now() - started;
    }),
  );
}

/** A new revision of the policy: a comment on the edge route (a new content hash, nothing else changes). */
function revise(dir: string, revision: string): void {
  const path = join(dir, 'policies', 'budget-tests.yaml');
  writeFileSync(path, readFileSync(path, 'utf8').replace(/metadata: \{ name: edge-route \}( # .*)?/, `metadata: { name: edge-route } # ${revision}`));
}

describe('three replicas, one redis, one policy checkout', () => {
  it(`hold a budget across them: exactly floor(B/r) of ${REQUESTS} requests at its edge are admitted`, { timeout: 120_000 }, async () => {
    resetSims(sims);
    const r = costMicros(budgetSnapshot(sims).policy.models.get('primary-mini')!.spec, PROMPT_TOKENS, MAX_TOKENS);
    const fits = Math.floor(EDGE_LIMIT_MICROS / r);
    const agent = new Agent({ connections: REQUESTS });
    const body = JSON.stringify({ model: 'auto', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: PROMPT }] });
    const results = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, i) => {
        const res = await request(`${replicas[i % REPLICAS]!.url}/v1/chat/completions`, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${EDGE_KEY}` },
          body,
        });
        const answer = (await res.body.json()) as { error?: { code?: string } };
        return { status: res.statusCode, code: answer.error?.code, attempts: Number(res.headers['x-switchyard-attempts']) };
      }),
    );
    await agent.destroy();
    expect(results.filter((x) => x.status === 200)).toHaveLength(fits);
    expect(results.filter((x) => x.status === 429 && x.code === 'budget_exhausted')).toHaveLength(REQUESTS - fits);
    // Only the admitted requests reached a provider, each as often as its replica says.
    expect(results.filter((x) => x.attempts > 0)).toHaveLength(fits);
    expect(sims.a.stats().requests + sims.b.stats().requests).toBe(results.reduce((n, x) => n + x.attempts, 0));

    // The settlements of all three land in the one ledger: exactly what was admitted, nothing left reserved.
    const ledger = await openLedger(ledgerUrl);
    if (!ledger.ok) throw new Error(ledger.error);
    try {
      const key = dayBucket('edge-daily', 'edge', Date.now());
      let row: { committedMicros: number; reservedMicros: number } | undefined;
      await until('the settlements to land', async () => ((row = (await ledger.value.usage([key]))[0]), row?.reservedMicros === 0 && row.committedMicros === fits * r), 10_000, 50);
      expect(row!.committedMicros).toBeLessThanOrEqual(EDGE_LIMIT_MICROS);
    } finally {
      await ledger.value.close();
    }
    report('scale-out budget', { replicas: REPLICAS, requests: REQUESTS, admitted: fits, limitMicros: EDGE_LIMIT_MICROS, perRequestMicros: r });
  });

  it('serve a commit made in the directory on all three', { timeout: 60_000 }, async () => {
    const before = await versionOf(served);
    for (const r of replicas) expect((await adminPolicy(r.url)).version).toBe(before);
    revise(served, 'commit in place');
    git(served, 'commit', '-q', '-am', 'edge route: describe it');
    const expected = await versionOf(served);
    expect(expected).not.toBe(before);
    expect(expected.startsWith(git(served, 'rev-parse', 'HEAD').slice(0, 12))).toBe(true);
    const took = await reachesAll(expected);
    for (const r of replicas) expect((await adminPolicy(r.url)).commit).toBe(git(served, 'rev-parse', 'HEAD'));
    // Published, as an operator's hotfix would be, so that later commits build on it.
    git(served, 'push', '-q', 'origin', 'HEAD:main');
    report('scale-out commit', { replicas: REPLICAS, slowest: ms(maxOf(took)) });
    if (SCALE === 'full') expect(maxOf(took)).toBeLessThanOrEqual(PROPAGATION_MS);
  });

  it('serve a commit pushed elsewhere once `git pull` brings it, on all three', { timeout: 60_000 }, async () => {
    git(author, 'pull', '-q', '--no-rebase', 'origin', 'main');
    revise(author, 'pushed from elsewhere');
    git(author, 'commit', '-q', '-am', 'edge route: describe it again');
    git(author, 'push', '-q', 'origin', 'HEAD:main');
    const serving = await versionOf(served);
    // As the systemd timer runs it.
    git(served, 'pull', '-q', '--ff-only');
    const expected = await versionOf(served);
    expect(expected).not.toBe(serving);
    expect(git(served, 'rev-parse', 'HEAD')).toBe(git(author, 'rev-parse', 'HEAD'));
    const took = await reachesAll(expected);
    report('scale-out pull', { replicas: REPLICAS, slowest: ms(maxOf(took)) });
    if (SCALE === 'full') expect(maxOf(took)).toBeLessThanOrEqual(PROPAGATION_MS);
  });
});

describe('a git-sync volume', () => {
  it('serves each revision git-sync publishes by flipping its link, before the old worktree is removed', { timeout: 60_000 }, async () => {
    // git-sync v4's layout: <root>/.worktrees/<hash> per revision, <root>/<link> a relative link to the current
    // one, replaced atomically (a new link renamed over it), the old worktree removed after.
    const root = join(scratch, 'git-sync');
    mkdirSync(join(root, '.worktrees'), { recursive: true });
    let revision = 0;
    const publish = (): string => {
      revision += 1;
      const worktree = join(root, '.worktrees', `rev${revision}`);
      cpSync(join(served, 'policies'), join(worktree, 'policies'), { recursive: true });
      revise(worktree, `git-sync revision ${revision}`);
      symlinkSync(join('.worktrees', `rev${revision}`), join(root, '.current-new'));
      renameSync(join(root, '.current-new'), join(root, 'current'));
      return worktree;
    };
    const first = publish();
    const servingRoot = async (): Promise<string> => {
      const loaded = await loadPolicy(root, { env, cwd: root });
      if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
      return loaded.policy.version.id;
    };
    const replica = await startServe([root, '--port', '0', '--ledger', 'sqlite::memory:'], { cwd: root, env });
    try {
      expect((await adminPolicy(replica.url)).version).toBe(await servingRoot());
      let previous = first;
      const took: number[] = [];
      for (let i = 0; i < 3; i++) {
        const next = publish();
        const expected = await servingRoot();
        const started = performance.now();
        await until(`revision ${revision} to be served`, async () => (await adminPolicy(replica.url)).version === expected, 15_000, 20);
        took.push(performance.now() - started);
        rmSync(previous, { recursive: true, force: true });
        previous = next;
      }
      report('git-sync volume', { revisions: took.length, slowest: ms(maxOf(took)) });
      if (SCALE === 'full') expect(maxOf(took)).toBeLessThanOrEqual(PROPAGATION_MS);
    } finally {
      await killHard(replica);
    }
  });
});
