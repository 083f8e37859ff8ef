// Live classification through the proxy (real server on 127.0.0.1, simulator providers) and its replay from
// the audit log agree: every recorded context carries the features and no task of its own, and deciding it
// again — as `dry-run` and `diff` do — reaches the same route. The routes below are one per (task,
// complexity) outcome, so the same route means the same task and complexity.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyBody } from '../../src/classify/index.js';
import { decide } from '../../src/engine/index.js';
import { loadPolicyFromSources, type PolicySet } from '../../src/policy/index.js';
import { snapshotOf, staticPolicyStore, type PolicySnapshot } from '../../src/proxy/policy-snapshot.js';
import { buildServer } from '../../src/proxy/server.js';
import { AuditLog } from '../../src/telemetry/audit.js';
import { DryRun } from '../../src/verify/dry-run.js';
import { readTraffic, replay, type TrafficRecord } from '../../src/verify/traffic.js';
import { APP_KEY, closeSims, CREDENTIALS, fixtureSources, post, startSims, type Sims } from '../proxy/fixture.js';

const doc = (kind: string, name: string, spec: string): string =>
  `apiVersion: switchyard.dev/v1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec:\n${spec.replace(/^/gm, '  ')}\n`;

const CLASSIFIER = doc(
  'Classifier',
  'by-content',
  [
    'rules:',
    '  - { name: code-block, when: { codeDensity: { gte: 0.3 } }, task: code, complexity: medium }',
    '  - { name: code-words, when: { userKeywords: [traceback, "stack trace"] }, task: code }',
    '  - { name: faq, when: { userKeywords: ["how do i"], turns: { lte: 2 }, tools: false }, task: chat, complexity: low }',
    '  - { name: legal, when: { systemKeywords: [contract*] }, complexity: high }',
    'default: { task: general }',
  ].join('\n'),
);
const ROUTES = [
  doc('Route', 'code-medium', 'priority: 50\nmatch: { tasks: [code], complexity: [medium] }\ntargets: [{ model: primary-mini }]'),
  doc('Route', 'code-any', 'priority: 40\nmatch: { tasks: [code] }\ntargets: [{ model: backup-mini }]'),
  doc('Route', 'chat-low', 'priority: 50\nmatch: { tasks: [chat], complexity: [low] }\ntargets: [{ model: primary-alt }]'),
  doc('Route', 'high', 'priority: 45\nmatch: { complexity: [high] }\ntargets: [{ model: backup-mini }]'),
];

const user = (content: unknown): Record<string, unknown> => ({ model: 'auto', messages: [{ role: 'user', content }] });
const REQUESTS: { name: string; body: Record<string, unknown>; headers?: Record<string, string>; path?: string; route: string }[] = [
  { name: 'code block', body: user('Why?\n```js\nconst a = b();\nreturn a;\n```'), route: 'code-medium' },
  { name: 'code words', body: user('I got a Traceback from the export job, what now?'), route: 'code-any' },
  { name: 'faq', body: user('How do I change my e-mail address?'), route: 'chat-low' },
  { name: 'faq with tools is not faq', body: { ...user('How do I change my e-mail address?'), tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] }, route: 'default' },
  { name: 'legal by system prompt', body: { model: 'auto', messages: [{ role: 'system', content: 'You review Contracts.' }, { role: 'user', content: 'Is clause 4 fair?' }] }, route: 'high' },
  { name: 'default', body: user('Hello there.'), route: 'default' },
  { name: 'task header wins, complexity still classified', body: user('How do I sort a list?'), headers: { 'x-switchyard-task': 'code' }, route: 'code-any' },
  {
    name: 'anthropic body',
    body: { model: 'auto', max_tokens: 64, system: 'Contract desk.', messages: [{ role: 'user', content: [{ type: 'text', text: 'Summarise the term.' }] }] },
    headers: { 'x-api-key': APP_KEY, 'anthropic-version': '2023-06-01' },
    path: '/v1/messages',
    route: 'high',
  },
];

let sims: Sims;
let dir: string;
let policy: PolicySet;
let snapshot: PolicySnapshot;
const live = new Map<string, { route: string | null; body: Record<string, unknown>; protocol: 'openai' | 'anthropic' }>();
const records: TrafficRecord[] = [];

beforeAll(async () => {
  sims = await startSims();
  dir = await mkdtemp(join(tmpdir(), 'switchyard-classify-'));
  const env = { SIM_A: sims.a.url, SIM_B: sims.b.url, SIM_EU: sims.eu.url, SIM_C: sims.c.url, SIM_D: sims.d.url };
  const sources = [...fixtureSources(), { path: 'policies/classifier.yaml', text: CLASSIFIER }, { path: 'policies/classified-routes.yaml', text: ROUTES.join('---\n') }];
  const loaded = loadPolicyFromSources(sources, { env });
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
  policy = loaded.policy;
  snapshot = snapshotOf(policy, 'policies');
  const file = join(dir, 'audit.jsonl');
  const opened = AuditLog.open(file);
  if (!opened.ok) throw new Error(opened.error);
  const app = buildServer(staticPolicyStore(snapshot), { logger: pino({ level: 'silent' }), env: CREDENTIALS, audit: opened.log });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  try {
    for (const r of REQUESTS) {
      const res = await post(`http://127.0.0.1:${address.port}`, r.path ?? '/v1/chat/completions', r.body, r.headers);
      live.set(res.headers.get('x-switchyard-request-id') ?? r.name, { route: res.headers.get('x-switchyard-route'), body: r.body, protocol: r.path === undefined ? 'openai' : 'anthropic' });
    }
  } finally {
    await app.close();
    await opened.log.close();
  }
  for await (const item of readTraffic(file)) if (item.kind === 'record') records.push(item.record);
});

afterAll(async () => {
  await closeSims(sims);
  await rm(dir, { recursive: true, force: true });
});

describe('classification through the proxy and its replay from the audit log', () => {
  it('routes each live request by its classification', () => {
    expect([...live.values()].map((l) => l.route)).toEqual(REQUESTS.map((r) => r.route));
  });

  it('records the features the library computes from the same body, and only a task the caller sent', () => {
    expect(records).toHaveLength(REQUESTS.length);
    for (const r of records) {
      const sent = live.get(r.ctx.requestId ?? '');
      expect(sent).toBeDefined();
      expect(r.ctx.features).toEqual(classifyBody(policy, sent!.body, sent!.protocol).features);
      const request = REQUESTS.find((q) => q.body === sent!.body)!;
      expect(r.ctx.task).toBe(request.headers?.['x-switchyard-task']);
      expect(r.ctx.complexity).toBeUndefined();
    }
  });

  it('decides every recorded context again to the route the proxy took, with the classifier step in the trace', () => {
    for (const r of records) {
      const decision = decide(snapshot.graph, r.ctx);
      expect(decision.route).toBe(live.get(r.ctx.requestId ?? '')?.route);
      expect(decision.route).toBe(r.recorded?.route);
      expect(decision.trace.find((s) => s.step === 'context')).toMatchObject({ rule: 'Classifier/by-content', effect: 'classify' });
    }
  });

  it('replays through the dry-run library with every record matching', async () => {
    const file = join(dir, 'audit.jsonl');
    const run = new DryRun(snapshot.graph);
    const result = await replay(readTraffic(file), (rec) => run.add(rec), {});
    expect(result).toEqual({ ok: true, records: REQUESTS.length, skipped: 0 });
    expect(run.report().recorded).toMatchObject({ compared: REQUESTS.length, matching: REQUESTS.length });
  });
});
