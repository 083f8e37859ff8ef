// The canary: `switchyard serve` as a user runs it (the built dist/, as `npm test` builds it), with distinctive
// team, admin and provider keys and a provider URL carrying a password, through a whole session — successes on
// both APIs, failures, a provider error quoting its key, streams (one cut), a refused look-alike key, admin
// calls, a reload and a rejected reload — with the log at trace level, an audit file, spans and metrics
// exported over OTLP and /metrics scraped. Then every sink is searched: not one hit of any secret.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSims, fixtureSources, APP_KEY, startSims, type Sims } from '../proxy/fixture.js';
import { startCollector, type Collector } from './support.js';

const ROOT = join(import.meta.dirname, '..', '..');
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

const TEAM_KEY = 'sy-CANARY-team-7f3a9c2e5b1d4f6a8c0e2b4d6f8a1c3e';
const ADMIN_KEY = 'sy-CANARY-admin-2b4d6f8a1c3e5f7a9b1d3f5a7c9e1b3d';
const URL_SECRET = 'CANARYurlpass9d8c7b6a';
const PROVIDER_KEYS = {
  OA_PRIMARY_KEY: 'pk-CANARY-openai-primary-a1b2c3d4e5f6',
  OA_BACKUP_KEY: 'pk-CANARY-openai-backup-f6e5d4c3b2a1',
  OA_EU_KEY: 'pk-CANARY-openai-eu-0a9b8c7d6e5f',
  CLAUDE_KEY: 'pk-CANARY-anthropic-1f2e3d4c5b6a',
  CLAUDE_BACKUP_KEY: 'pk-CANARY-anthropic-backup-6a5b4c3d2e1f',
};
const SECRETS = [TEAM_KEY, ADMIN_KEY, URL_SECRET, ...Object.values(PROVIDER_KEYS)];

let sims: Sims;
let collector: Collector;
let root: string;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  sims = await startSims();
  collector = await startCollector();
  root = await mkdtemp(join(tmpdir(), 'switchyard-canary-'));
  await mkdir(join(root, 'policies'));
  for (const f of fixtureSources()) await writeFile(join(root, f.path), f.text.replace(sha(APP_KEY), sha(TEAM_KEY)));
});
afterAll(async () => {
  await closeSims(sims);
  await collector.close();
  await rm(root, { recursive: true, force: true });
});

interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

function serve(): Promise<Served> {
  const withPassword = (url: string): string => url.replace('http://', `http://canary:${URL_SECRET}@`);
  const env = {
    ...process.env,
    ...PROVIDER_KEYS,
    SIM_A: withPassword(sims.a.url),
    SIM_B: sims.b.url,
    SIM_EU: sims.eu.url,
    SIM_C: sims.c.url,
    SIM_D: sims.d.url,
    LOG_LEVEL: 'trace',
    SWITCHYARD_ADMIN_KEY_SHA256: sha(ADMIN_KEY),
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_METRIC_EXPORT_INTERVAL: '500',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  const args = [join(ROOT, 'bin', 'switchyard.js'), 'serve', 'policies', '--port', '0', '--ledger', 'sqlite::memory:', '--audit-log', 'logs/audit.jsonl'];
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += String(d)));
  child.stderr!.on('data', (d: Buffer) => (err += String(d)));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`switchyard serve did not start:\n${err}`));
    }, 20_000);
    const check = (): void => {
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m === null) return;
      clearTimeout(timer);
      child.stderr!.off('data', check);
      resolve({ child, url: m[1]!, stdout: () => out, stderr: () => err, exited });
    };
    child.stderr!.on('data', check);
    void exited.then((code) => reject(new Error(`switchyard serve exited with ${code}:\n${err}`)));
  });
}

describe('the canary session', () => {
  it('leaves no key, credential or URL password in any sink', { timeout: 60_000 }, async () => {
    const proxy = await serve();
    const responses: string[] = [];
    let apiCalls = 0;
    const call = async (path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; text: string }> => {
      const res = await fetch(`${proxy.url}${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      const text = await res.text();
      if (path.startsWith('/v1/chat') || path.startsWith('/v1/messages')) apiCalls++;
      responses.push(`${res.status} ${JSON.stringify([...res.headers])}\n${text}`);
      return { status: res.status, text };
    };
    const openai = (body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> =>
      call('/v1/chat/completions', { headers: { authorization: `Bearer ${TEAM_KEY}`, ...headers }, body: { messages: [{ role: 'user', content: 'Say hello, canary.' }], ...body } });
    const anthropic = (body: Record<string, unknown>): Promise<{ status: number; text: string }> =>
      call('/v1/messages', { headers: { 'x-api-key': TEAM_KEY, 'anthropic-version': '2023-06-01' }, body: { max_tokens: 64, messages: [{ role: 'user', content: 'Say hello, canary.' }], ...body } });
    const admin = { authorization: `Bearer ${ADMIN_KEY}` };
    let stopped = false;
    try {
      // Successes, both APIs, streaming and not.
      expect((await openai({ model: 'auto' })).status).toBe(200);
      expect((await anthropic({ model: 'claude-fast' })).status).toBe(200);
      expect((await openai({ model: 'auto', stream: true })).text).toContain('[DONE]');
      expect((await anthropic({ model: 'claude-fast', stream: true })).text).toContain('message_stop');
      // Failures: every candidate failing, a provider refusing the credential, a stream cut after it started.
      sims.a.queueFaults([{ status: 500 }]);
      sims.b.queueFaults([{ status: 503 }]);
      expect((await openai({ model: 'auto' })).status).toBe(502);
      sims.c.queueFaults([{ status: 401 }]);
      expect((await anthropic({ model: 'claude-fast' })).status).toBe(200);
      sims.a.queueFaults([{ cutAfterChunks: 2 }]);
      expect((await openai({ model: 'auto', stream: true })).text).toContain('upstream_error');
      // A provider error that quotes the key it was sent, relayed to the client as a 400.
      sims.a.queueFaults([{ status: 400, body: { error: { message: `Incorrect API key provided: ${PROVIDER_KEYS.OA_PRIMARY_KEY}`, type: 'invalid_request_error' } } }]);
      const quoted = await openai({ model: 'auto' });
      expect(quoted.status).toBe(400);
      expect(quoted.text).toContain('Incorrect API key provided: [redacted]');
      // Refused: a look-alike of the team key, the team key as an admin key, a wrong admin key, a bad body.
      expect((await openai({ model: 'auto' }, { authorization: `Bearer ${TEAM_KEY}x` })).status).toBe(401);
      expect((await call('/admin/policy', { headers: { authorization: `Bearer ${TEAM_KEY}` } })).status).toBe(401);
      expect((await call('/admin/policy', { headers: { authorization: `Bearer ${ADMIN_KEY}x` } })).status).toBe(401);
      expect((await openai({ model: 'auto', max_tokens: -1 })).status).toBe(400);
      expect((await call('/v1/models', { headers: { authorization: `Bearer ${TEAM_KEY}` } })).status).toBe(200);
      // Admin answers.
      const policy = await call('/admin/policy', { headers: admin });
      expect(policy.status).toBe(200);
      expect(policy.text).toContain(`"baseUrl":"${sims.a.url}/v1"`);
      expect((await call('/admin/decide', { headers: admin, body: { team: 'app', model: 'auto', keyId: 'app-main' } })).status).toBe(200);
      expect((await call('/admin/spend', { headers: admin })).status).toBe(200);
      // A reload, and a rejected one.
      const version = JSON.parse((await call('/readyz')).text) as { policyVersion: string };
      await writeFile(join(root, 'policies', 'extra.yaml'), 'apiVersion: switchyard.dev/v1\nkind: Route\nmetadata: { name: extra }\nspec: { priority: 5, match: { models: [one-shot] }, targets: [{ model: backup-mini }] }\n');
      proxy.child.kill('SIGHUP');
      await expect.poll(async () => (JSON.parse((await call('/readyz')).text) as { policyVersion: string }).policyVersion, { timeout: 10_000 }).not.toBe(version.policyVersion);
      expect((await openai({ model: 'one-shot' })).status).toBe(200);
      await writeFile(join(root, 'policies', 'extra.yaml'), `apiVersion: switchyard.dev/v1\nkind: Provider\nmetadata: { name: leaky }\nspec: { api: openai, baseUrl: "http://x", credentials: { env: A }, apiKey: ${PROVIDER_KEYS.OA_EU_KEY}, regions: [x] }\n`);
      proxy.child.kill('SIGHUP');
      await expect.poll(async () => JSON.parse((await call('/admin/policy', { headers: admin })).text).lastError !== null, { timeout: 10_000 }).toBe(true);
      // Metrics scraped, and exported over OTLP at least once.
      const metrics = await call('/metrics');
      expect(metrics.text).toContain('switchyard_requests_total');
      await expect.poll(() => collector.received.some((r) => r.path === '/v1/metrics'), { timeout: 10_000 }).toBe(true);
      proxy.child.kill('SIGTERM');
      expect(await proxy.exited).toBe(0);
      stopped = true;
    } finally {
      if (!stopped) proxy.child.kill('SIGKILL');
    }

    const audit = await readFile(join(root, 'logs', 'audit.jsonl'), 'utf8');
    const spans = collector.received.filter((r) => r.path === '/v1/traces').map((r) => r.body).join('\n');
    const exported = collector.received.filter((r) => r.path === '/v1/metrics').map((r) => r.body).join('\n');
    const sinks: Record<string, string> = {
      stdout: proxy.stdout(),
      stderr: proxy.stderr(),
      audit,
      spans,
      'exported metrics': exported,
      responses: responses.join('\n'),
    };
    // Each sink holds what it should: the search below means something.
    expect(audit.trim().split('\n')).toHaveLength(apiCalls);
    expect(apiCalls).toBe(11);
    expect(proxy.stdout()).toContain('"msg":"request"');
    expect(proxy.stdout()).toContain('policy_rejected');
    expect(spans).toContain('chat up-primary');
    expect(exported).toContain('switchyard.requests');
    for (const [name, text] of Object.entries(sinks)) {
      for (const secret of SECRETS) expect({ sink: name, found: text.includes(secret) }).toEqual({ sink: name, found: false });
    }
  });
});
