// `switchyard serve --ledger`: the default SQLite file in the working directory (npm start needs no setup), an
// explicit URL and SWITCHYARD_LEDGER, spend that `switchyard spend` then reports, and a bad URL refused.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serve, type RunningProxy } from '../../src/cli/serve.js';
import type { SpendReport } from '../../src/budget/spend.js';
import { PROMPT, STREAM_KEY } from '../proxy/budget-fixture.js';
import { runCli } from '../support/cli.js';
import { serveScratch } from './serve-fixture.js';

const work = serveScratch();

/** Starts serve, sends one request with the stream team's key, stops; returns the banner. */
async function serveOnce(argv: string[], env: Record<string, string | undefined> = {}): Promise<string> {
  const cli = work.io(env);
  const stop = new AbortController();
  let running: RunningProxy | undefined;
  const exit = serve(['policies', '--port', '0', '--no-watch', ...argv], cli, stop.signal, (p) => {
    running = p;
  });
  await expect.poll(() => running, { timeout: 10_000 }).toBeDefined();
  const res = await fetch(`${running!.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${STREAM_KEY}` },
    body: JSON.stringify({ model: 'auto', max_tokens: 8, messages: [{ role: 'user', content: PROMPT }] }),
  });
  expect(res.status).toBe(200);
  await res.text();
  stop.abort();
  expect(await exit).toBe(0);
  return cli.err;
}

async function committed(ledgerUrl: string): Promise<number> {
  const run = await runCli(['spend', '--ledger', ledgerUrl, '--format', 'json'], work.dir);
  expect(run.code).toBe(0);
  const report = JSON.parse(run.stdout) as SpendReport;
  return report.budgets.find((b) => b.budget === 'stream-daily')!.buckets[0]!.committedMicros;
}

describe('switchyard serve --ledger', () => {
  it('keeps spend in ./switchyard.db by default, settled before it stops', async () => {
    const banner = await serveOnce([]);
    expect(banner).toContain(`ledger sqlite:${join(work.dir, 'switchyard.db')} (budgets and rate limits)`);
    expect(existsSync(join(work.dir, 'switchyard.db'))).toBe(true);
    // 11 prompt tokens at $1/MTok and 8 output tokens at $2/MTok.
    expect(await committed('sqlite:./switchyard.db')).toBe(27);
  });

  it('takes the ledger from --ledger, else SWITCHYARD_LEDGER, and accumulates across restarts', async () => {
    await serveOnce(['--ledger', 'sqlite:flag.db'], { SWITCHYARD_LEDGER: 'sqlite:env.db' });
    expect(await committed('sqlite:flag.db')).toBe(27);
    expect(existsSync(join(work.dir, 'env.db'))).toBe(false);
    await serveOnce([], { SWITCHYARD_LEDGER: 'sqlite:env.db' });
    await serveOnce([], { SWITCHYARD_LEDGER: 'sqlite:env.db' });
    expect(await committed('sqlite:env.db')).toBe(54);
  });

  it('refuses a ledger URL it cannot use with exit 2', async () => {
    const cli = work.io({});
    expect(await serve(['policies', '--port', '0', '--ledger', 'mysql://x'], cli, new AbortController().signal)).toBe(2);
    expect(cli.err).toContain('switchyard serve: unsupported ledger `mysql://x`: use `sqlite:<path>`, `sqlite::memory:` or `redis://host:port`');
    const missingDir = work.io({});
    expect(await serve(['policies', '--port', '0', '--ledger', 'sqlite:no/such/dir/x.db'], missingDir, new AbortController().signal)).toBe(2);
    expect(missingDir.err).toContain('switchyard serve: cannot open ledger `sqlite:no/such/dir/x.db`');
  });

  it('warns when the ledger or the audit log would be written inside the watched policy directory', async () => {
    const start = async (argv: string[]): Promise<string> => {
      const cli = work.io({});
      const stop = new AbortController();
      let running: RunningProxy | undefined;
      const exit = serve(['policies', '--port', '0', ...argv], cli, stop.signal, (p) => {
        running = p;
      });
      await expect.poll(() => running, { timeout: 10_000 }).toBeDefined();
      stop.abort();
      expect(await exit).toBe(0);
      return cli.err;
    };
    const inside = await start(['--ledger', 'sqlite:policies/spend.db', '--audit-log', 'policies/audit.jsonl']);
    expect(inside).toContain(
      'warning: `policies/spend.db` and `policies/audit.jsonl` are inside the watched policy directory: every write wakes the watcher',
    );
    expect(inside).toContain('keep them outside, or serve with --no-watch');
    // Outside the directory, in memory, or not watching: nothing to warn about.
    for (const argv of [['--ledger', 'sqlite:outside.db'], ['--ledger', 'sqlite::memory:'], ['--ledger', 'sqlite:policies/spend.db', '--no-watch']]) {
      expect(await start(argv)).not.toContain('warning:');
    }
  });
});
