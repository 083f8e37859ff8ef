// Two `switchyard serve` processes (the built CLI) sharing one ledger — a SQLite file, or one Redis — take 200
// concurrent requests at the edge of a budget: exactly ⌊B/r⌋ reach the providers, and once both have stopped
// (draining their settlements) the ledger holds exactly that much committed spend, nothing reserved.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { costMicros } from '../../src/budget/money.js';
import { openLedger } from '../../src/budget/open.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { budgetSnapshot, budgetSources, dayBucket, EDGE_KEY, EDGE_LIMIT_MICROS, ledgerDir, PROMPT, PROMPT_TOKENS } from './budget-fixture.js';
import { chat, closeSims, CREDENTIALS, post, startSims, type Sims } from './fixture.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'switchyard.js');
const REQUESTS = 200;
const MAX_TOKENS = 8;

let sims: Sims;
let redis: RedisServer;
const scratch = ledgerDir();
const children: ChildProcess[] = [];

beforeAll(async () => {
  sims = await startSims();
  redis = await startRedisServer();
  for (const f of budgetSources()) {
    mkdirSync(dirname(join(scratch.dir, f.path)), { recursive: true });
    writeFileSync(join(scratch.dir, f.path), f.text);
  }
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
});
afterAll(async () => {
  await closeSims(sims);
  await redis.stop();
  scratch.cleanup();
});

function serve(ledger: string): Promise<{ url: string; child: ChildProcess; exit: Promise<number | null> }> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  const env = { ...process.env, ...CREDENTIALS, SIM_A: sims.a.url, SIM_B: sims.b.url, LOG_LEVEL: 'silent' };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', 'policies', '--no-watch', '--port', '0', '--ledger', ledger], { cwd: scratch.dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    let stderr = '';
    child.stderr?.on('data', (data: Buffer) => {
      stderr += String(data);
      const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url !== undefined) resolve({ url, child, exit });
    });
    void exit.then((code) => reject(new Error(`switchyard serve exited with ${code} before listening:\n${stderr}`)));
  });
}

let namespaces = 0;
const BACKENDS = [
  { name: 'a sqlite file', url: () => `sqlite:edge-${namespaces++}.db` },
  { name: 'one redis', url: () => `${redis.url}/0?namespace=processes-${namespaces++}` },
];

describe.each(BACKENDS)('two proxy processes sharing $name', (backend) => {
  it(`admit exactly floor(B/r) of ${REQUESTS} concurrent requests between them`, async () => {
    for (const sim of Object.values(sims)) sim.reset();
    const url = backend.url();
    const proxies = await Promise.all([serve(url), serve(url)]);
    const r = costMicros(budgetSnapshot(sims).policy.models.get('primary-mini')!.spec, PROMPT_TOKENS, MAX_TOKENS);
    const fits = Math.floor(EDGE_LIMIT_MICROS / r);

    const body = chat('auto', { messages: [{ role: 'user', content: PROMPT }], max_tokens: MAX_TOKENS });
    const results = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) => post(proxies[i % 2]!.url, '/v1/chat/completions', body, { authorization: `Bearer ${EDGE_KEY}` })),
    );
    expect(results.filter((x) => x.status === 200)).toHaveLength(fits);
    expect(results.filter((x) => x.status === 429 && (x.body as { error: { code: string } }).error.code === 'budget_exhausted')).toHaveLength(REQUESTS - fits);
    // Exactly the admitted requests reached a provider (a failover would add attempts, never requests).
    const attempts = results.map((x) => Number(x.headers.get('x-switchyard-attempts')));
    expect(attempts.filter((n) => n > 0)).toHaveLength(fits);
    expect(sims.a.stats().requests + sims.b.stats().requests).toBe(attempts.reduce((n, a) => n + a, 0));

    // Stopping drains each process's settlements before it closes the ledger.
    for (const p of proxies) p.child.kill('SIGTERM');
    expect(await Promise.all(proxies.map((p) => p.exit))).toEqual([0, 0]);
    const ledger = await openLedger(url, { cwd: scratch.dir });
    if (!ledger.ok) throw new Error(ledger.error);
    try {
      const [row] = await ledger.value.usage([dayBucket('edge-daily', 'edge', Date.now())]);
      expect(row).toMatchObject({ committedMicros: fits * r, reservedMicros: 0 });
      expect(row!.committedMicros).toBeLessThanOrEqual(EDGE_LIMIT_MICROS);
    } finally {
      await ledger.value.close();
    }
  });
});
