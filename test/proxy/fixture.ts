// A small organisation whose providers are simulator instances (base URLs from env, as a deployment would
// set them), and a helper that starts the proxy on it: real servers on 127.0.0.1, port 0.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { loadPolicyFromSources } from '../../src/policy/index.js';
import { snapshotOf, staticPolicyStore, type PolicySnapshot } from '../../src/proxy/policy-snapshot.js';
import { buildServer, type ServerOptions } from '../../src/proxy/server.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';

export const APP_KEY = 'sy-test-app-key-0123456789';
export const EXPIRED_KEY = 'sy-test-expired-key-0123456789';
export const EU_KEY = 'sy-test-eu-key-0123456789';
export const ADMIN_KEY = 'sy-test-admin-key-0123456789';
export const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Provider credentials the proxy holds (never the clients' keys). */
export const CREDENTIALS = {
  OA_PRIMARY_KEY: 'pk-oa-primary',
  OA_BACKUP_KEY: 'pk-oa-backup',
  OA_EU_KEY: 'pk-oa-eu',
  CLAUDE_KEY: 'pk-claude',
  CLAUDE_BACKUP_KEY: 'pk-claude-backup',
};

const doc = (kind: string, name: string, spec: string): string =>
  `apiVersion: switchyard.dev/v1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec:\n${spec.replace(/^/gm, '  ')}\n`;

const provider = (name: string, api: string, urlVar: string, suffix: string, credential: string, extra = ''): string =>
  doc(
    'Provider',
    name,
    `api: ${api}\nbaseUrl: \${${urlVar}:-http://127.0.0.1:1}${suffix}\ncredentials: { env: ${credential} }\nregions: [${name === 'oa-eu' ? 'eu-west-1' : 'us-east-1'}]\n` +
      `dataPolicy: { zeroDataRetention: false, trainsOnData: false, retentionDays: 30 }\ntimeouts: { connectMs: 1000, firstByteMs: 400, idleMs: 1000 }\n${extra}`,
  );

const model = (name: string, provider: string, upstream: string): string =>
  doc('Model', name, `provider: ${provider}\nupstreamModel: ${upstream}\ntier: small\npricing: { inputPerMTok: 1, outputPerMTok: 2 }\ncontextWindow: 100000\nmaxOutputTokens: 4096\ncapabilities: [tools, json]`);

export function fixtureSources(): { path: string; text: string }[] {
  const org = doc(
    'Organization',
    'acme',
    'dataClasses: [public, internal, pii-eu, phi]\ntasks: [general, chat, code]\nmodelAliases: [auto, mixed, only-claude, one-shot, strict, same-provider, ab]\ndefaults: { dataClass: internal, task: general }',
  );
  const providers = [
    provider('oa-primary', 'openai', 'SIM_A', '/v1', 'OA_PRIMARY_KEY'),
    provider('oa-backup', 'openai', 'SIM_B', '/v1', 'OA_BACKUP_KEY'),
    provider('oa-eu', 'openai', 'SIM_EU', '/v1', 'OA_EU_KEY'),
    provider('claude', 'anthropic', 'SIM_C', '', 'CLAUDE_KEY'),
    provider('claude-backup', 'anthropic', 'SIM_D', '', 'CLAUDE_BACKUP_KEY'),
  ];
  const models = [
    model('primary-mini', 'oa-primary', 'up-primary'),
    model('primary-alt', 'oa-primary', 'up-primary-alt'),
    model('backup-mini', 'oa-backup', 'up-backup'),
    model('eu-mini', 'oa-eu', 'up-eu'),
    model('claude-fast', 'claude', 'claude-up'),
    model('claude-spare', 'claude-backup', 'claude-spare-up'),
  ];
  const teams = [
    doc('Team', 'app', `keys:\n  - { id: app-main, sha256: ${sha(APP_KEY)} }\n  - { id: app-old, sha256: ${sha(EXPIRED_KEY)}, expires: "2020-01-01" }\ndataClasses: { allowed: [public, internal], default: internal }`),
    doc('Team', 'eu', `keys:\n  - { id: eu-main, sha256: ${sha(EU_KEY)} }\ndataClasses: { allowed: [internal, pii-eu, phi], default: internal }`),
  ];
  const routes = [
    doc('Route', 'default', 'priority: 0\ntargets: [{ model: primary-mini }, { model: backup-mini }]'),
    doc('Route', 'claude', 'priority: 10\nmatch: { models: [claude-fast] }\ntargets: [{ model: claude-fast }, { model: claude-spare }]'),
    doc('Route', 'mixed', 'priority: 10\nmatch: { models: [mixed] }\ntargets: [{ model: claude-fast }, { model: primary-mini }]'),
    doc('Route', 'only-claude', 'priority: 10\nmatch: { models: [only-claude] }\ntargets: [{ model: claude-fast }]'),
    doc('Route', 'one-shot', 'priority: 10\nmatch: { models: [one-shot] }\ntargets: [{ model: primary-mini }, { model: backup-mini }]\nfallback: { maxAttempts: 1 }'),
    doc('Route', 'strict', 'priority: 10\nmatch: { models: [strict] }\ntargets: [{ model: primary-mini }, { model: backup-mini }]\nfallback: { onStatus: [503], onTimeout: false }'),
    doc('Route', 'same-provider', 'priority: 10\nmatch: { models: [same-provider] }\ntargets: [{ model: primary-mini }, { model: primary-alt }]'),
    doc('Route', 'ab', 'priority: 10\nmatch: { models: [ab] }\nstrategy: weighted\nstickyKey: x-conversation-id\ntargets: [{ model: primary-mini, weight: 50 }, { model: backup-mini, weight: 50 }]'),
    doc('Route', 'eu-us-only', 'priority: 200\nmatch: { dataClasses: [pii-eu], models: [strict] }\ntargets: [{ model: primary-mini }, { model: backup-mini }]'),
    doc('Route', 'eu-data', 'priority: 100\nmatch: { dataClasses: [pii-eu] }\ntargets: [{ model: primary-mini }, { model: eu-mini }]'),
    doc('Route', 'phi', 'priority: 100\nmatch: { dataClasses: [phi] }\ntargets: [{ model: primary-mini }, { model: eu-mini }]'),
  ];
  const guardrails = [
    doc('Residency', 'pii-eu-in-eu', 'match: { dataClasses: [pii-eu] }\nallowRegions: ["eu-*"]'),
    doc('Vetting', 'phi-zero-retention', 'match: { dataClasses: [phi] }\nrequire: { zeroDataRetention: true }'),
  ];
  return [
    { path: 'policies/organization.yaml', text: org },
    { path: 'policies/providers.yaml', text: providers.join('---\n') },
    { path: 'policies/models.yaml', text: models.join('---\n') },
    { path: 'policies/teams.yaml', text: teams.join('---\n') },
    { path: 'policies/routes.yaml', text: routes.join('---\n') },
    { path: 'policies/guardrails.yaml', text: guardrails.join('---\n') },
  ];
}

export interface Sims {
  a: Simulator;
  b: Simulator;
  eu: Simulator;
  c: Simulator;
  d: Simulator;
}

export async function startSims(): Promise<Sims> {
  const [a, b, eu, c, d] = await Promise.all([0, 1, 2, 3, 4].map(() => startSimulator({ tokens: 8 })));
  return { a: a!, b: b!, eu: eu!, c: c!, d: d! };
}

export const closeSims = (s: Sims): Promise<unknown> => Promise.all(Object.values(s).map((sim: Simulator) => sim.close()));

export const resetSims = (s: Sims): void => Object.values(s).forEach((sim: Simulator) => sim.reset());

/** `urls` replaces simulator addresses, e.g. `{SIM_A: 'http://127.0.0.1:1'}` for a provider nobody answers. */
export function fixtureSnapshot(sims: Sims, urls: Record<string, string> = {}): PolicySnapshot {
  const env = { SIM_A: sims.a.url, SIM_B: sims.b.url, SIM_EU: sims.eu.url, SIM_C: sims.c.url, SIM_D: sims.d.url, ...urls };
  const loaded = loadPolicyFromSources(fixtureSources(), { env });
  if (!loaded.ok) throw new Error(`fixture policy is invalid: ${loaded.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('; ')}`);
  return snapshotOf(loaded.policy, 'policies');
}

export interface Proxy {
  app: FastifyInstance;
  url: string;
  snapshot: PolicySnapshot;
  close(): Promise<void>;
}

export async function startProxy(sims: Sims, options: ServerOptions = {}, urls: Record<string, string> = {}): Promise<Proxy> {
  const snapshot = fixtureSnapshot(sims, urls);
  const app = buildServer(staticPolicyStore(snapshot), {
    logger: pino({ level: 'silent' }),
    env: { ...CREDENTIALS, SWITCHYARD_ADMIN_KEY_SHA256: sha(ADMIN_KEY) },
    ...options,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { app, url: `http://127.0.0.1:${address.port}`, snapshot, close: () => app.close() };
}

/** POST JSON to the proxy with an app key; returns status, headers and parsed body. */
export async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}`, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export const chat = (model: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model,
  messages: [{ role: 'user', content: 'Hello through the switchyard, please answer.' }],
  ...extra,
});

/** Polls until `check` holds (bounded: throws after `timeoutMs`). */
export async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
