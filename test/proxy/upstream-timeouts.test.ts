// Sub-second first-byte and idle timeouts fire near their value. undici's own were checked on a ~0.5 s tick
// and fired one to two ticks late (docs/proxy.md "Failover and health"); the upstream here is a plain HTTP
// server that answers on a schedule, the backup a simulator.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadPolicyFromSources } from '../../src/policy/index.js';
import { upstreamDeadlines } from '../../src/proxy/deadlines.js';
import type { SettleRecord } from '../../src/proxy/index.js';
import { snapshotOf, staticPolicyStore } from '../../src/proxy/policy-snapshot.js';
import { buildServer } from '../../src/proxy/server.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { CREDENTIALS, chat, fixtureSources, post, waitFor } from './fixture.js';

type Answer = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

let answer: Answer = async () => {};
let upstream: Server;
let backup: Simulator;
let app: FastifyInstance;
let url: string;
const settled: SettleRecord[] = [];

const completion = JSON.stringify({
  id: 'c1', object: 'chat.completion', created: 1, model: 'up-primary',
  choices: [{ index: 0, message: { role: 'assistant', content: 'late' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
});
const chunk = (text: string): string =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up-primary', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => void answer(req, res).catch(() => res.destroy()));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  backup = await startSimulator({ tokens: 4 });
  const sources = fixtureSources().map((f) => ({ ...f, text: f.text.replaceAll('firstByteMs: 400', 'firstByteMs: 200').replaceAll('idleMs: 1000', 'idleMs: 300') }));
  const env = { SIM_A: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, SIM_B: backup.url };
  const loaded = loadPolicyFromSources(sources, { env });
  if (!loaded.ok) throw new Error('fixture policy is invalid');
  app = buildServer(staticPolicyStore(snapshotOf(loaded.policy, 'policies')), {
    logger: pino({ level: 'silent' }),
    env: { ...CREDENTIALS },
    circuit: { failureThreshold: 1_000 },
    onSettle: (r) => settled.push(r),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  await backup.close();
});
beforeEach(() => {
  backup.reset();
  settled.length = 0;
});

describe('firstByteMs: 200', () => {
  // 450 ms is under undici's first tick, so its timer never fired in time; 600 ms it mostly missed.
  it.each([450, 600])('fails over from an upstream whose first byte comes at %i ms', async (late) => {
    answer = async (_req, res) => {
      await sleep(late);
      res.writeHead(200, { 'content-type': 'application/json' }).end(completion);
    };
    const res = await post(url, '/v1/chat/completions', chat('auto'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-attempts')).toBe('2');
    expect(res.headers.get('x-switchyard-provider')).toBe('oa-backup');
    await waitFor(() => settled.length > 0);
    expect(settled[0]!.attempts[0]).toMatchObject({ provider: 'oa-primary', result: 'failed', note: 'no first byte within 200 ms' });
  });

  it('serves an upstream that answers in time', async () => {
    answer = async (_req, res) => {
      await sleep(20);
      res.writeHead(200, { 'content-type': 'application/json' }).end(completion);
    };
    const res = await post(url, '/v1/chat/completions', chat('auto'));
    expect(res.headers.get('x-switchyard-attempts')).toBe('1');
    expect((res.body as { model: string }).model).toBe('up-primary');
  });
});

describe('idleMs: 300', () => {
  it.each([450, 900])('cuts a stream that pauses %i ms with an error event', async (pause) => {
    answer = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('one'));
      await sleep(pause);
      res.write(chunk('two'));
      res.end('data: [DONE]\n\n');
    };
    const res = await post(url, '/v1/chat/completions', chat('auto', { stream: true }));
    expect(res.status).toBe(200);
    expect(res.text).toContain('"content":"one"');
    expect(res.text).not.toContain('"content":"two"');
    expect(res.text).not.toContain('[DONE]');
    expect(res.text).toContain('idle for 300 ms');
    await waitFor(() => settled.length > 0);
    expect(settled[0]!.outcome).toBe('cut');
  });

  it('lets a stream with 100 ms gaps run to its end', async () => {
    answer = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const text of ['a', 'b', 'c', 'd', 'e']) {
        res.write(chunk(text));
        await sleep(100);
      }
      res.end('data: [DONE]\n\n');
    };
    const res = await post(url, '/v1/chat/completions', chat('auto', { stream: true }));
    expect(res.text).toContain('"content":"e"');
    expect(res.text.endsWith('data: [DONE]\n\n')).toBe(true);
    await waitFor(() => settled.length > 0);
    expect(settled[0]!.outcome).toBe('completed');
  });

  it('leaves no attempt waiting once requests end', async () => {
    await waitFor(() => upstreamDeadlines.size === 0);
  });
});
