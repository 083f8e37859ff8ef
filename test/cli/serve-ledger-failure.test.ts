// `switchyard serve --ledger-failure`: with the Redis ledger gone while serving, `open` (the default) keeps
// forwarding and logs the error, `closed` refuses what an enforced budget would charge with 503
// `ledger_unavailable`, and a team no budget charges is served either way. A real redis-server is stopped.
import { describe, expect, it } from 'vitest';
import { serve, type RunningProxy } from '../../src/cli/serve.js';
import { PROMPT, STREAM_KEY } from '../proxy/budget-fixture.js';
import { APP_KEY } from '../proxy/fixture.js';
import { startRedisServer } from '../support/redis-server.js';
import { serveScratch } from './serve-fixture.js';

const work = serveScratch();

const ask = (url: string, key: string): Promise<Response> =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'auto', max_tokens: 8, messages: [{ role: 'user', content: PROMPT }] }),
  });

/** Serves on a fresh redis-server, answers once, stops the server, then hands the running proxy to `after`. */
async function withLedgerGone(argv: string[], after: (url: string) => Promise<void>): Promise<string> {
  const redis = await startRedisServer();
  const cli = work.io();
  const stop = new AbortController();
  let running: RunningProxy | undefined;
  const exit = serve(['policies', '--port', '0', '--no-watch', '--ledger', redis.url, ...argv], cli, stop.signal, (p) => {
    running = p;
  });
  try {
    await expect.poll(() => running, { timeout: 10_000 }).toBeDefined();
    const first = await ask(running!.url, STREAM_KEY);
    expect(first.status).toBe(200);
    await first.text();
    await redis.stop();
    await after(running!.url);
  } finally {
    stop.abort();
    await redis.stop();
  }
  expect(await exit).toBe(0);
  return cli.err;
}

describe('serve --ledger-failure', () => {
  it('forwards without recording by default when the ledger is gone', { timeout: 30_000 }, async () => {
    await withLedgerGone([], async (url) => {
      const res = await ask(url, STREAM_KEY);
      expect(res.status).toBe(200);
      await res.text();
    });
  });

  it('refuses what an enforced budget would charge with `closed`, and serves what none charges', { timeout: 30_000 }, async () => {
    const banner = await withLedgerGone(['--ledger-failure', 'closed'], async (url) => {
      const res = await ask(url, STREAM_KEY);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('ledger_unavailable');
      expect(body.error.message).toMatch(/`stream-daily`.*cannot be reached/);
      // The app team has no budget or rate limit: nothing to record, nothing to refuse.
      const free = await ask(url, APP_KEY);
      expect(free.status).toBe(200);
      await free.text();
    });
    expect(banner).toContain('requests they would charge are refused while it cannot be reached');
  });

  it('refuses an unknown mode as a usage error', async () => {
    let err = '';
    const code = await serve(['policies', '--ledger-failure', 'sometimes'], { stdout: () => undefined, stderr: (t) => void (err += t), cwd: work.dir, env: {} }, new AbortController().signal);
    expect(code).toBe(2);
    expect(err).toContain('`--ledger-failure` must be `open` or `closed`, got `sometimes`');
  });
});
