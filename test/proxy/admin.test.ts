// Health, readiness, model listing, the admin endpoints behind their key, and draining on close.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadPolicyFromSources } from '../../src/policy/index.js';
import { snapshotOf, staticPolicyStore } from '../../src/proxy/policy-snapshot.js';
import { buildServer } from '../../src/proxy/server.js';
import { ADMIN_KEY, APP_KEY, CREDENTIALS, EU_KEY, chat, closeSims, fixtureSources, post, resetSims, startProxy, startSims, type Proxy, type Sims } from './fixture.js';

let sims: Sims;
let proxy: Proxy;

beforeAll(async () => {
  sims = await startSims();
  proxy = await startProxy(sims);
});
afterAll(async () => {
  await proxy.close();
  await closeSims(sims);
});
beforeEach(() => resetSims(sims));

const get = async (url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> => {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.json() };
};
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

describe('health', () => {
  it('answers /healthz and /readyz with the serving policy version', async () => {
    expect(await get(`${proxy.url}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get(`${proxy.url}/readyz`)).toEqual({ status: 200, body: { status: 'ready', policyVersion: proxy.snapshot.version } });
  });
});

describe('GET /v1/models', () => {
  it('needs a key', async () => {
    expect((await get(`${proxy.url}/v1/models`)).status).toBe(401);
  });

  it('lists what the team reaches for its default data class, in the anthropic shape when asked', async () => {
    const openai = (await get(`${proxy.url}/v1/models`, { authorization: `Bearer ${APP_KEY}` })).body as { data: { id: string }[] };
    const anthropic = (await get(`${proxy.url}/v1/models`, { 'x-api-key': APP_KEY, 'anthropic-version': '2023-06-01' })).body as {
      data: { id: string; type: string }[];
      has_more: boolean;
    };
    expect(anthropic.has_more).toBe(false);
    expect(anthropic.data.map((m) => m.id)).toEqual(openai.data.map((m) => m.id));
    // eu-mini is only a target of data-class routes the team's default class never reaches.
    expect(openai.data.map((m) => m.id)).not.toContain('eu-mini');
    expect(openai.data.map((m) => m.id)).toContain('primary-alt');
  });

  it('lists what a key reaches with any data class its team allows, not only the default one', async () => {
    const ids = ((await get(`${proxy.url}/v1/models`, { authorization: `Bearer ${EU_KEY}` })).body as { data: { id: string }[] }).data.map((m) => m.id);
    // eu-mini serves the team's pii-eu requests (residency removes primary-mini there).
    expect(ids).toContain('eu-mini');
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'), { authorization: `Bearer ${EU_KEY}`, 'x-switchyard-data-class': 'pii-eu' });
    expect(res.headers.get('x-switchyard-model')).toBe('eu-mini');
  });

  it('lists models only a task, a stream or a long prompt reaches, each of which a request then gets', async () => {
    const extra = [
      'apiVersion: switchyard.dev/v1\nkind: Model\nmetadata: { name: coder }\nspec:\n  provider: claude\n  upstreamModel: coder-up\n  tier: small\n  pricing: { inputPerMTok: 1, outputPerMTok: 2 }\n  contextWindow: 100000\n  maxOutputTokens: 4096\n',
      'apiVersion: switchyard.dev/v1\nkind: Model\nmetadata: { name: long-ctx }\nspec:\n  provider: oa-backup\n  upstreamModel: long-up\n  tier: small\n  pricing: { inputPerMTok: 1, outputPerMTok: 2 }\n  contextWindow: 200000\n  maxOutputTokens: 4096\n',
      'apiVersion: switchyard.dev/v1\nkind: Route\nmetadata: { name: code-streams }\nspec:\n  priority: 50\n  match: { tasks: [code], stream: true }\n  targets: [{ model: coder }]\n',
      'apiVersion: switchyard.dev/v1\nkind: Route\nmetadata: { name: long-prompts }\nspec:\n  priority: 40\n  match: { promptTokens: { gte: 20000 } }\n  targets: [{ model: long-ctx }]\n',
    ];
    const sources = [...fixtureSources(), { path: 'policies/extra.yaml', text: extra.join('---\n') }];
    const env = { SIM_A: sims.a.url, SIM_B: sims.b.url, SIM_EU: sims.eu.url, SIM_C: sims.c.url, SIM_D: sims.d.url };
    const loaded = loadPolicyFromSources(sources, { env });
    if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
    const app = buildServer(staticPolicyStore(snapshotOf(loaded.policy, 'policies')), { logger: pino({ level: 'silent' }), env: CREDENTIALS });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const url = `http://127.0.0.1:${address.port}`;
    try {
      const listed = await get(`${url}/v1/models`, { authorization: `Bearer ${APP_KEY}` });
      const ids = (listed.body as { data: { id: string; owned_by: string }[] }).data.map((m) => [m.id, m.owned_by]);
      expect(ids).toContainEqual(['coder', 'claude']);
      expect(ids).toContainEqual(['long-ctx', 'oa-backup']);
      // Aliases that route keep their place at the head of the list.
      expect(ids[0]).toEqual(['auto', 'switchyard']);
      expect(ids.map(([id]) => id)).not.toContain('eu-mini');
      const coded = await post(url, '/v1/chat/completions', chat('auto', { stream: true }), { 'x-switchyard-task': 'code' });
      expect(coded.headers.get('x-switchyard-model')).toBe('coder');
      const long = await post(url, '/v1/chat/completions', chat('auto', { messages: [{ role: 'user', content: 'x'.repeat(80_004) }] }));
      expect(long.headers.get('x-switchyard-model')).toBe('long-ctx');
      // The same answer again, from the list made on the first ask.
      expect((await get(`${url}/v1/models`, { authorization: `Bearer ${APP_KEY}` })).body).toEqual(listed.body);
    } finally {
      await app.close();
    }
  });
});

describe('admin endpoints', () => {
  it('refuse callers without the admin key, and the app key', async () => {
    for (const headers of [{}, { authorization: `Bearer ${APP_KEY}` }] as Record<string, string>[]) {
      const res = await get(`${proxy.url}/admin/policy`, headers);
      expect(res.status).toBe(401);
      expect((res.body as { error: { code: string } }).error.code).toBe('admin_unauthorized');
    }
  });

  it('are disabled without an admin key hash', async () => {
    const closed = await startProxy(sims, { env: { ...CREDENTIALS } });
    try {
      const res = await get(`${closed.url}/admin/policy`, admin);
      expect(res.status).toBe(401);
      expect((res.body as { error: { message: string } }).error.message).toContain('SWITCHYARD_ADMIN_KEY_SHA256');
    } finally {
      await closed.close();
    }
  });

  it('GET /admin/policy reports the version, credentials and circuits', async () => {
    const res = await get(`${proxy.url}/admin/policy`, admin);
    expect(res.status).toBe(200);
    const body = res.body as { version: string; lastError: unknown; providers: { name: string; credential: { env: string; set: boolean } }[]; circuits: unknown[] };
    expect(body.version).toBe(proxy.snapshot.version);
    expect(body.lastError).toBeNull();
    expect(body.providers.find((p) => p.name === 'claude')?.credential).toEqual({ env: 'CLAUDE_KEY', set: true });
    expect(body.circuits).toEqual([]);
  });

  it('POST /admin/decide explains a request without forwarding it', async () => {
    const res = await fetch(`${proxy.url}/admin/decide`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ team: 'eu', model: 'auto', dataClass: 'pii-eu' }),
    });
    expect(res.status).toBe(200);
    const decision = (await res.json()) as { outcome: string; route: string; candidates: { model: string }[]; trace: { step: string; rule?: string }[]; policyVersion: string };
    expect(decision).toMatchObject({ outcome: 'route', route: 'eu-data', policyVersion: proxy.snapshot.version });
    expect(decision.candidates.map((c) => c.model)).toEqual(['eu-mini']);
    expect(decision.trace.some((t) => t.step === 'residency' && t.rule === 'Residency/pii-eu-in-eu')).toBe(true);
    expect(sims.eu.stats().requests).toBe(0);
  });

  it('POST /admin/decide refuses a body that is not a request context', async () => {
    const res = await fetch(`${proxy.url}/admin/decide`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ team: 7 }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('`team` must be a string');
  });
});

describe('closing', () => {
  it('lets an in-flight answer finish, then stops', async () => {
    const closing = await startProxy(sims);
    sims.a.configure({ latencyMs: 200 });
    try {
      const pending = fetch(`${closing.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}` },
        body: JSON.stringify(chat('auto')),
      });
      await expect.poll(() => sims.a.stats().inFlight).toBe(1);
      const closed = closing.close();
      const res = await pending;
      expect(res.status).toBe(200);
      expect(res.headers.get('connection')).toBe('close');
      expect(((await res.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(8);
      await closed;
    } finally {
      sims.a.configure({ latencyMs: 0 });
    }
  });

  it('lets an in-flight stream finish, then stops', async () => {
    const closing = await startProxy(sims);
    sims.a.configure({ tokenIntervalMs: 20 });
    try {
      const res = await fetch(`${closing.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}` },
        body: JSON.stringify(chat('auto', { stream: true })),
      });
      const closed = closing.close();
      const text = await res.text();
      await closed;
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
      await expect(fetch(`${closing.url}/healthz`)).rejects.toThrow();
    } finally {
      sims.a.configure({ tokenIntervalMs: 0 });
    }
  });
});
