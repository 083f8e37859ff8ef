// `switchyard serve` as a function: start-up banner, serving, invalid policy, usage errors, clean stop.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { serve, sharesOneCpuWithGc, type RunningProxy } from '../../src/cli/serve.js';
import { APP_KEY, CREDENTIALS, chat, closeSims, fixtureSources, startSims, type Sims } from '../proxy/fixture.js';

let sims: Sims;
let root: string;

beforeAll(async () => {
  sims = await startSims();
  root = await mkdtemp(join(tmpdir(), 'switchyard-serve-'));
  await mkdir(join(root, 'policies'));
  for (const f of fixtureSources()) await writeFile(join(root, f.path), f.text);
  await mkdir(join(root, 'broken'));
  await writeFile(join(root, 'broken', 'org.yaml'), 'apiVersion: switchyard.dev/v1\nkind: Organization\nmetadata: { name: acme }\nspec: { dataClasses: [a], tasks: [b], defaults: { dataClass: a, task: b }, prority: 1 }\n');
});
afterAll(async () => {
  await closeSims(sims);
  await rm(root, { recursive: true, force: true });
});

function io(env: Record<string, string | undefined>): CliIO & { out: string; err: string } {
  const buffers = { out: '', err: '' };
  return Object.assign(buffers, {
    stdout: (t: string) => void (buffers.out += t),
    stderr: (t: string) => void (buffers.err += t),
    cwd: root,
    env: { LOG_LEVEL: 'silent', ...env },
  });
}

describe('switchyard serve', () => {
  it('prints the version, address and missing credentials, serves, and stops cleanly', async () => {
    const { CLAUDE_KEY: _c, CLAUDE_BACKUP_KEY: _d, ...someCredentials } = CREDENTIALS;
    const env = { SIM_A: sims.a.url, SIM_B: sims.b.url, SIM_EU: sims.eu.url, SIM_C: sims.c.url, SIM_D: sims.d.url, ...someCredentials };
    const cli = io(env);
    const stop = new AbortController();
    let running: RunningProxy | undefined;
    const exit = serve(['policies', '--port', '0', '--no-watch'], cli, stop.signal, (p) => {
      running = p;
    });
    await expect.poll(() => running, { timeout: 10_000 }).toBeDefined();
    const proxy = running!;
    const version = proxy.store.current().version;
    expect(cli.err).toContain(`switchyard serve: policy ${version} from policies`);
    expect(cli.err).toContain(`listening on ${proxy.url}`);
    expect(cli.err).toContain('providers without credentials (their candidates are skipped): claude (`CLAUDE_KEY`), claude-backup (`CLAUDE_BACKUP_KEY`)');
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}` },
      body: JSON.stringify(chat('auto')),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-policy-version')).toBe(version);
    stop.abort();
    expect(await exit).toBe(0);
    expect(cli.err).toContain('switchyard serve: stopped');
  });

  it('warns on one CPU when node was not started with --single-threaded-gc, and not otherwise', async () => {
    const banner = async (facts: { cpus?: number; execArgv?: string[] }): Promise<string> => {
      const cli = Object.assign(io({ SIM_A: sims.a.url, SIM_B: sims.b.url }), facts);
      const stop = new AbortController();
      let running: RunningProxy | undefined;
      const exit = serve(['policies', '--port', '0', '--no-watch'], cli, stop.signal, (p) => {
        running = p;
      });
      await expect.poll(() => running, { timeout: 10_000 }).toBeDefined();
      stop.abort();
      expect(await exit).toBe(0);
      return cli.err;
    };
    const warning = 'warning: this process has one CPU, and node marks its heap on helper threads';
    expect(await banner({ cpus: 1, execArgv: ['--max-semi-space-size=4'] })).toContain(`${warning} that take turns with the proxy on it`);
    expect(await banner({ cpus: 1, execArgv: ['--max-semi-space-size=4', '--single-threaded-gc'] })).not.toContain(warning);
    expect(await banner({ cpus: 2, execArgv: [] })).not.toContain(warning);
    // V8 reads `_` as `-` in flag names; without the facts (an embedder's IO) nothing is claimed.
    expect(sharesOneCpuWithGc({ cpus: 1, execArgv: ['--single_threaded_gc'] })).toBe(false);
    // `--single-threaded` keeps the collector on the main thread too.
    expect(sharesOneCpuWithGc({ cpus: 1, execArgv: ['--max-semi-space-size=4', '--single-threaded'] })).toBe(false);
    expect(sharesOneCpuWithGc({})).toBe(false);
  });

  it('refuses an invalid policy with its diagnostics and exit 1', async () => {
    const cli = io({});
    expect(await serve(['broken', '--port', '0'], cli, new AbortController().signal)).toBe(1);
    expect(cli.err).toMatch(/broken\/org\.yaml:4:\d+: error unknown_field: /);
    expect(cli.err).toContain('the policy in `broken` is invalid; not starting');
  });

  it('reports usage errors with exit 2', async () => {
    const badPort = io({});
    expect(await serve(['policies', '--port', '99999'], badPort, new AbortController().signal)).toBe(2);
    expect(badPort.err).toContain('the port must be an integer from 0 to 65535, got `99999`');
    const envPort = io({ PORT: 'eighty' });
    expect(await serve(['policies'], envPort, new AbortController().signal)).toBe(2);
    const missing = io({});
    expect(await serve(['nowhere', '--port', '0'], missing, new AbortController().signal)).toBe(2);
    expect(missing.err).toContain('`nowhere` is not a directory');
    const admin = io({ SWITCHYARD_ADMIN_KEY_SHA256: 'not-hex' });
    expect(await serve(['policies', '--port', '0'], admin, new AbortController().signal)).toBe(2);
    expect(admin.err).toContain('`SWITCHYARD_ADMIN_KEY_SHA256` must be 64 hex digits');
  });
});
