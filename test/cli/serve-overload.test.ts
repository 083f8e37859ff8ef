// `switchyard serve --max-in-flight N` (SWITCHYARD_MAX_IN_FLIGHT): a bad value is a usage error, and the running
// process sheds requests beyond the limit with 503 `overloaded` and retry-after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, chat, closeSims, CREDENTIALS, fixtureSources, post, startSims, type Sims } from '../proxy/fixture.js';
import { killHard, startServe, until, writeFiles } from '../reliability/support.js';
import { runCli } from '../support/cli.js';

let sims: Sims;
let dir: string;

beforeAll(async () => {
  sims = await startSims();
  dir = mkdtempSync(join(tmpdir(), 'switchyard-overload-'));
  writeFiles(dir, fixtureSources());
});
afterAll(async () => {
  await closeSims(sims);
  rmSync(dir, { recursive: true, force: true });
});

describe('serve --max-in-flight', () => {
  it('refuses a value that is not a whole number with exit 2', async () => {
    for (const [argv, env] of [
      [['serve', 'policies', '--max-in-flight', 'many'], {}],
      [['serve', 'policies'], { SWITCHYARD_MAX_IN_FLIGHT: '-3' }],
    ] as const) {
      const run = await runCli(argv, dir, env);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('`--max-in-flight` must be a whole number (0 for no limit)');
    }
  });

  it('sheds requests beyond the limit from the environment', { timeout: 30_000 }, async () => {
    const env = { ...CREDENTIALS, SIM_A: sims.a.url, SIM_B: sims.b.url, SIM_EU: sims.eu.url, SIM_C: sims.c.url, SIM_D: sims.d.url, SWITCHYARD_MAX_IN_FLIGHT: '1' };
    const proc = await startServe(['policies', '--port', '0', '--no-watch', '--ledger', 'sqlite::memory:'], { cwd: dir, env });
    try {
      sims.a.configure({ latencyMs: 500 });
      const slow = post(proc.url, '/v1/chat/completions', chat('auto'));
      // The first holds the one slot at the provider; the second is refused at once.
      await until('the first request to reach the provider', () => sims.a.stats().inFlight === 1, 5_000);
      const shed = await post(proc.url, '/v1/chat/completions', chat('auto'), { authorization: `Bearer ${APP_KEY}` });
      expect(shed.status).toBe(503);
      expect(shed.headers.get('retry-after')).toBe('1');
      expect(shed.body).toMatchObject({ error: { code: 'overloaded' } });
      expect((await slow).status).toBe(200);
      expect((await post(proc.url, '/v1/chat/completions', chat('auto'))).status).toBe(200);
    } finally {
      sims.a.configure({ latencyMs: 0 });
      await killHard(proc);
    }
  });
});
