// Requests fastify refuses before the handler — a body that is not JSON, sent without a JSON content type, or
// over the limit — are settled like the handler's own refusals (a JSON array body): request id and policy
// version headers, the endpoint's error shape in the proxy's own words, a log line, a metric and an audit
// record with `decided: false`.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SettleRecord } from '../../src/proxy/index.js';
import { AuditLog } from '../../src/telemetry/audit.js';
import type { AuditRecord } from '../../src/telemetry/audit-record.js';
import { ProxyMetrics } from '../../src/telemetry/metrics.js';
import { parsePrometheus, total } from '../telemetry/support.js';
import { APP_KEY, closeSims, resetSims, startProxy, startSims, waitFor, type Proxy, type Sims } from './fixture.js';

let sims: Sims;
let proxy: Proxy;
let dir: string;
let audit: AuditLog;
let logged = '';
const settled: SettleRecord[] = [];
const BODY_LIMIT = 2_048;

beforeAll(async () => {
  sims = await startSims();
  dir = await mkdtemp(join(tmpdir(), 'switchyard-early-'));
  const opened = AuditLog.open(join(dir, 'audit.jsonl'));
  if (!opened.ok) throw new Error(opened.error);
  audit = opened.log;
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => ((logged += chunk.toString()), done()) });
  proxy = await startProxy(sims, { logger: pino({ level: 'info' }, sink), audit, metrics: new ProxyMetrics(), limits: { bodyLimit: BODY_LIMIT }, onSettle: (r) => settled.push(r) });
});
afterAll(async () => {
  await proxy.close();
  await audit.close();
  await closeSims(sims);
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  resetSims(sims);
  settled.length = 0;
});

type Endpoint = { path: string; key: Record<string, string> };
const OPENAI: Endpoint = { path: '/v1/chat/completions', key: { authorization: `Bearer ${APP_KEY}` } };
const ANTHROPIC: Endpoint = { path: '/v1/messages', key: { 'x-api-key': APP_KEY, 'anthropic-version': '2023-06-01' } };
const WELL_FORMED = JSON.stringify({ model: 'auto', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });

async function send(e: Endpoint, body: string, contentType: string | undefined, key = e.key): Promise<{ status: number; headers: Headers; body: unknown }> {
  const headers: Record<string, string> = { ...key };
  if (contentType !== undefined) headers['content-type'] = contentType;
  // fetch adds `text/plain;charset=UTF-8` to a string body without a content type; a Uint8Array body gets none.
  const res = await fetch(`${proxy.url}${e.path}`, { method: 'POST', headers, body: new TextEncoder().encode(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
}

async function requestsTotal(code: string): Promise<number> {
  const text = await (await fetch(`${proxy.url}/metrics`)).text();
  return total(parsePrometheus(text), 'switchyard_requests_total', { outcome: 'rejected', code });
}

async function auditRecord(requestId: string): Promise<AuditRecord> {
  let found: AuditRecord | undefined;
  const deadline = Date.now() + 5_000;
  while (found === undefined) {
    if (Date.now() > deadline) throw new Error(`no audit record for ${requestId}`);
    const text = await readFile(join(dir, 'audit.jsonl'), 'utf8').catch(() => '');
    found = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as AuditRecord).find((r) => r.requestId === requestId);
    if (found === undefined) await new Promise((r) => setTimeout(r, 20));
  }
  return found;
}

const cases: [string, string, string | undefined, number, string, string][] = [
  ['malformed json', '{"model":', 'application/json', 400, 'invalid_request', 'the body is not valid json'],
  ['no content-type', WELL_FORMED, undefined, 400, 'invalid_request', 'send `content-type: application/json`'],
  ['a json body sent as text/plain', WELL_FORMED, 'text/plain', 400, 'invalid_request', 'send `content-type: application/json`'],
  ['a urlencoded content-type', WELL_FORMED, 'application/x-www-form-urlencoded', 400, 'invalid_request', 'send `content-type: application/json`'],
  ['a body over the limit', JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(4 * BODY_LIMIT) }] }), 'application/json', 413, 'payload_too_large', `larger than the limit of ${BODY_LIMIT} bytes`],
  // The control: refused by the handler itself, which always recorded it.
  ['a json array body', '[1]', 'application/json', 400, 'invalid_request', 'must be a JSON object'],
];

describe('a request refused before it is decided', () => {
  for (const [name, body, contentType, status, code, words] of cases) {
    for (const e of [OPENAI, ANTHROPIC]) {
      it(`${name} on ${e.path}: headers, error shape, log line, metric and audit record`, async () => {
        const before = await requestsTotal(code);
        const res = await send(e, body, contentType);
        expect(res.status).toBe(status);
        const id = res.headers.get('x-switchyard-request-id');
        expect(id).toMatch(/^[0-9a-f-]{36}$/);
        expect(res.headers.get('x-switchyard-policy-version')).toBe(proxy.snapshot.version);
        if (e === OPENAI) {
          const error = (res.body as { error: { code: string; message: string } }).error;
          expect(error.code).toBe(code);
          expect(error.message).toContain(words);
          expect(error.message).not.toContain('Body is not valid JSON');
        } else {
          expect(res.body).toMatchObject({ type: 'error', error: { type: status === 413 ? 'request_too_large' : 'invalid_request_error' } });
          expect((res.body as { error: { message: string } }).error.message).toMatch(new RegExp(`^${code}: `));
          expect((res.body as { error: { message: string } }).error.message).toContain(words);
        }
        expect(settled).toHaveLength(1);
        expect(settled[0]).toMatchObject({ requestId: id, protocol: e === OPENAI ? 'openai' : 'anthropic', outcome: 'rejected', status, errorCode: code, team: 'app', keyId: 'app-main' });
        expect(await requestsTotal(code)).toBe(before + 1);
        expect(await auditRecord(id!)).toMatchObject({ decided: false, result: 'rejected', status, errorCode: code, team: 'app', keyId: 'app-main' });
        await waitFor(() => logged.includes(`"reqId":"${id}"`));
        const line = logged.split('\n').find((l) => l.includes(`"reqId":"${id}"`))!;
        expect(JSON.parse(line)).toMatchObject({ msg: 'request', status, outcome: 'rejected', errorCode: code });
        for (const sim of Object.values(sims)) expect(sim.stats().requests).toBe(0);
      });
    }
  }

  it('authenticates first, as the handler does: an unknown key with a malformed body is invalid_api_key', async () => {
    const res = await send(OPENAI, '{"model":', 'application/json', { authorization: 'Bearer sy-not-a-key' });
    expect(res.status).toBe(401);
    expect((res.body as { error: { code: string } }).error.code).toBe('invalid_api_key');
    expect(res.headers.get('x-switchyard-request-id')).not.toBeNull();
    expect(settled[0]).toMatchObject({ outcome: 'rejected', status: 401, errorCode: 'invalid_api_key', team: undefined });
  });

  it('keeps the connection after a 413, and the next request on it is served', async () => {
    const big = await send(OPENAI, JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(4 * BODY_LIMIT) }] }), 'application/json');
    expect(big.status).toBe(413);
    expect(big.headers.get('connection')).not.toBe('close');
    expect((await send(OPENAI, WELL_FORMED, 'application/json')).status).toBe(200);
  });
});
