// The audit log a proxy writes for real traffic: one record per request with what the design lists, no key and
// no content by default, budget effects, prompt and completion content with redaction when the Organization
// asks for it — and every decided record replayed by `dry-run` (the library and the CLI) decides the same way.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadPolicyFromSources } from '../../src/policy/index.js';
import type { SettleRecord } from '../../src/proxy/index.js';
import { snapshotOf, staticPolicyStore } from '../../src/proxy/policy-snapshot.js';
import { buildServer } from '../../src/proxy/server.js';
import { AuditLog } from '../../src/telemetry/audit.js';
import type { AuditRecord } from '../../src/telemetry/audit-record.js';
import { DryRun } from '../../src/verify/dry-run.js';
import { readTraffic, replay } from '../../src/verify/traffic.js';
import { runCli } from '../support/cli.js';
import { dayBucket, FIN_KEY, spendDirectly, startBudgetProxy } from '../proxy/budget-fixture.js';
import { APP_KEY, chat, closeSims, CREDENTIALS, EU_KEY, fixtureSources, post, resetSims, startSims, type Sims } from '../proxy/fixture.js';

let sims: Sims;
let dir: string;

beforeAll(async () => {
  sims = await startSims();
  dir = await mkdtemp(join(tmpdir(), 'switchyard-audit-'));
});
afterAll(async () => {
  await closeSims(sims);
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => resetSims(sims));

type Sources = { path: string; text: string }[];

/** The fixture policy with `spec` lines added to its Organization. */
function withOrganization(extra: string): Sources {
  return fixtureSources().map((f) => (f.path.endsWith('organization.yaml') ? { ...f, text: `${f.text}  ${extra}\n` } : f));
}

async function session(sources: Sources, file: string, run: (url: string) => Promise<void>): Promise<{ records: AuditRecord[]; text: string; settled: SettleRecord[] }> {
  const env = { SIM_A: sims.a.url, SIM_B: sims.b.url, SIM_EU: sims.eu.url, SIM_C: sims.c.url, SIM_D: sims.d.url };
  const loaded = loadPolicyFromSources(sources, { env });
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
  const opened = AuditLog.open(file);
  if (!opened.ok) throw new Error(opened.error);
  const settled: SettleRecord[] = [];
  const app = buildServer(staticPolicyStore(snapshotOf(loaded.policy, 'policies')), {
    logger: pino({ level: 'silent' }),
    env: CREDENTIALS,
    circuit: { failureThreshold: 1_000 },
    audit: opened.log,
    onSettle: (r) => settled.push(r),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  try {
    await run(`http://127.0.0.1:${address.port}`);
  } finally {
    await app.close();
    await opened.log.close();
  }
  const text = await readFile(file, 'utf8');
  return { records: text.trim().split('\n').map((l) => JSON.parse(l) as AuditRecord), text, settled };
}

describe('the audit log of a session', () => {
  let records: AuditRecord[];
  let text: string;
  let settled: SettleRecord[];
  const ids: string[] = [];
  const file = (): string => join(dir, 'session', 'audit.jsonl');

  beforeAll(async () => {
    ({ records, text, settled } = await session(fixtureSources(), file(), async (url) => {
      const send = async (body: unknown, headers: Record<string, string> = {}, path = '/v1/chat/completions'): Promise<void> => {
        const res = await post(url, path, body, headers);
        ids.push(res.headers.get('x-switchyard-request-id') ?? '');
      };
      await send(chat('auto'));
      sims.a.queueFaults([{ status: 503 }]);
      await send(chat('auto'));
      await send(chat('auto', { stream: true }));
      await send(chat('auto'), { authorization: `Bearer ${EU_KEY}`, 'x-switchyard-data-class': 'phi' });
      await send(chat('auto'), { authorization: 'Bearer sy-unknown-key-000000000000' });
      await send({ model: 'auto' });
      await send({ model: 'claude-fast', max_tokens: 64, messages: [{ role: 'user', content: 'Hello, Claude.' }] }, { 'x-api-key': APP_KEY, 'anthropic-version': '2023-06-01' }, '/v1/messages');
      await send(chat('auto'), { authorization: `Bearer ${EU_KEY}`, 'x-switchyard-data-class': 'pii-eu' });
      for (let i = 0; i < 6; i++) await send(chat('ab'));
      // c-1 lands on backup-mini and c-4 on primary-mini (hash points 55 and 49 of 100), so the split is certain.
      for (const conversation of ['c-1', 'c-2', 'c-3', 'c-4']) await send(chat('ab'), { 'x-conversation-id': conversation });
    }));
  });

  it('has one record per request, in order, named by the request id the client saw', () => {
    expect(records).toHaveLength(ids.length);
    expect(records.map((r) => r.requestId)).toEqual(ids);
    expect(settled).toHaveLength(ids.length);
    for (const r of records) expect(r.kind).toBe('switchyard.audit/v1');
  });

  it('records who, what, the decision, the attempts, the usage, the cost and the outcome', () => {
    const ok = records[0]!;
    expect(ok).toMatchObject({
      keyId: 'app-main',
      team: 'app',
      protocol: 'openai',
      decided: true,
      context: { team: 'app', model: 'auto', keyId: 'app-main', requestId: ok.requestId, stream: false },
      outcome: 'route',
      route: 'default',
      model: 'primary-mini',
      candidates: [
        { model: 'primary-mini', provider: 'oa-primary', upstreamModel: 'up-primary' },
        { model: 'backup-mini', provider: 'oa-backup', upstreamModel: 'up-backup' },
      ],
      upstream: { model: 'primary-mini', provider: 'oa-primary' },
      result: 'completed',
      status: 200,
      stream: false,
    });
    expect(ok.policyVersion).toBe(settled[0]!.policyVersion);
    expect(ok.context).toEqual(settled[0]!.context);
    expect(ok.attempts).toEqual([expect.objectContaining({ model: 'primary-mini', provider: 'oa-primary', result: 'ok', status: 200 })]);
    expect(ok.usage).toEqual(settled[0]!.usage);
    // $1 and $2 per million tokens in the fixture.
    expect(ok.cost!.usd).toBeCloseTo((ok.usage!.inputTokens + 2 * ok.usage!.outputTokens) / 1e6, 12);
    expect(ok.cost!.estimated).toBe(false);
    expect(ok.latencyMs).toBeGreaterThan(0);
    expect(ok.decisionMs).toBeGreaterThan(0);
    expect(ok.decisionMs).toBeLessThanOrEqual(ok.latencyMs);
    expect(Date.parse(ok.time)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('records a failover attempt by attempt, and the stream with its usage', () => {
    const failover = records[1]!;
    expect(failover.attempts.map((a) => [a.provider, a.result, a.status])).toEqual([
      ['oa-primary', 'failed', 503],
      ['oa-backup', 'ok', 200],
    ]);
    expect(failover.model).toBe('primary-mini');
    expect(failover.upstream).toEqual({ model: 'backup-mini', provider: 'oa-backup' });
    const stream = records[2]!;
    expect(stream).toMatchObject({ stream: true, result: 'completed', usage: settled[2]!.usage });
  });

  it('records a denial with its code and rule, and refusals before deciding as undecided', () => {
    const denied = records[3]!;
    expect(denied).toMatchObject({ decided: true, outcome: 'deny', route: 'phi', result: 'denied', status: 403, errorCode: 'no_eligible_model', candidates: [] });
    expect(denied.deny?.code).toBe('no_eligible_model');
    expect(denied.deny?.rule).toMatch(/^Route\/phi$|^Vetting\//);
    expect(denied.cost).toBeUndefined();
    const unknownKey = records[4]!;
    expect(unknownKey).toMatchObject({ decided: false, result: 'rejected', status: 401, errorCode: 'invalid_api_key' });
    expect(unknownKey.context).toBeUndefined();
    expect(unknownKey.keyId).toBeUndefined();
    expect(records[5]).toMatchObject({ decided: false, team: 'app', keyId: 'app-main', result: 'rejected', errorCode: 'invalid_request' });
  });

  it('never holds a key, a provider credential or the prompt', () => {
    for (const secret of [APP_KEY, EU_KEY, 'sy-unknown-key-000000000000', ...Object.values(CREDENTIALS)]) expect(text).not.toContain(secret);
    expect(text).not.toContain('Hello through the switchyard');
    expect(text).not.toContain('Hello, Claude');
    for (const r of records) expect(r.content).toBeUndefined();
  });

  it('replays through the dry-run library: every decided record is decided the same way', async () => {
    const env = { SIM_A: sims.a.url, SIM_B: sims.b.url, SIM_EU: sims.eu.url, SIM_C: sims.c.url, SIM_D: sims.d.url };
    const loaded = loadPolicyFromSources(fixtureSources(), { env });
    if (!loaded.ok) throw new Error('fixture');
    const run = new DryRun(snapshotOf(loaded.policy, 'policies').graph);
    const problems: string[] = [];
    const result = await replay(readTraffic(file()), (r) => run.add(r), { onProblem: (p) => problems.push(p.message) });
    const decided = records.filter((r) => r.decided).length;
    expect(problems).toEqual([]);
    expect(result).toEqual({ ok: true, records: decided, skipped: 0 });
    const report = run.report();
    expect(report.recorded.compared).toBe(decided);
    expect(report.recorded.matching).toBe(decided);
    expect(report.denied).toBe(records.filter((r) => r.outcome === 'deny').length);
    // The weighted route split both ways, so the replay had to repeat each sticky pick.
    const ab = records.filter((r) => r.route === 'ab').map((r) => r.model);
    expect(new Set(ab)).toEqual(new Set(['primary-mini', 'backup-mini']));
  });

  it('replays through `switchyard dry-run --traffic` with the same decisions', async () => {
    const cwd = join(dir, 'cli');
    await mkdir(join(cwd, 'policies'), { recursive: true });
    for (const f of fixtureSources()) await writeFile(join(cwd, f.path), f.text);
    const out = await runCli(['dry-run', 'policies', '--traffic', file(), '--format', 'json'], cwd);
    expect(out.stderr).not.toMatch(/error|problem/i);
    expect(out.code).toBe(0);
    const report = JSON.parse(out.stdout) as { requests: number; recorded: { compared: number; matching: number } };
    const decided = records.filter((r) => r.decided).length;
    expect(report.requests).toBe(decided);
    expect(report.recorded).toMatchObject({ compared: decided, matching: decided });
  });
});

describe('budget effects', () => {
  it('names the buckets a request counts in and the thresholds that acted on its decision', async () => {
    const file = join(dir, 'budget', 'audit.jsonl');
    const opened = AuditLog.open(file);
    if (!opened.ok) throw new Error(opened.error);
    const proxy = await startBudgetProxy(sims, { server: { audit: opened.log } });
    try {
      const now = Date.now();
      // 60 % of fin-daily's $1: past its alert threshold at 50 %.
      await spendDirectly(proxy.ledger, { ...dayBucket('fin-daily', 'fin', now), limitMicros: 1_000_000 }, 600_000, now, 'earlier');
      const res = await post(proxy.url, '/v1/chat/completions', chat('auto'), { authorization: `Bearer ${FIN_KEY}` });
      expect(res.status).toBe(200);
    } finally {
      await proxy.close();
      await opened.log.close();
    }
    const [record] = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
    expect(record!.budgets!.charged).toContainEqual({ budget: 'fin-daily', bucket: 'fin', window: 'day' });
    expect(record!.budgets!.effects).toContainEqual(expect.objectContaining({ rule: 'Budget/fin-daily', effect: 'alert' }));
    expect(record!.cost!.usd).toBeGreaterThan(0);
  });
});

describe('content logging', () => {
  const secretish = 'my key is sk-live-Abc123def456 and my mail is bob@example.com.';
  const org = 'logging: { content: true, redact: ["sk-*", "*@example.com"] }';

  it('records the prompt and the completion, with the redact globs applied', async () => {
    let answer = '';
    let streamed = '';
    const { records, text } = await session(withOrganization(org), join(dir, 'content', 'audit.jsonl'), async (url) => {
      const res = await post(url, '/v1/chat/completions', { model: 'auto', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: secretish }] });
      answer = (res.body as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
      const stream = await post(url, '/v1/chat/completions', { model: 'auto', stream: true, messages: [{ role: 'user', content: 'stream please' }] });
      for (const line of stream.text.split('\n')) {
        if (!line.startsWith('data: {')) continue;
        const event = JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[] };
        streamed += event.choices[0]?.delta.content ?? '';
      }
    });
    expect(answer.length).toBeGreaterThan(0);
    expect(records[0]!.content).toEqual({
      prompt: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'my key is [REDACTED] and my mail is [REDACTED].' }] },
      completion: answer,
    });
    expect(streamed.length).toBeGreaterThan(0);
    expect(records[1]!.content).toEqual({ prompt: { messages: [{ role: 'user', content: 'stream please' }] }, completion: streamed });
    expect(text).not.toContain('sk-live-Abc123def456');
    expect(text).not.toContain('bob@example.com');
  });

  it('records no content when the Organization does not enable it', async () => {
    const { records, text } = await session(withOrganization('logging: { content: false, redact: ["sk-*"] }'), join(dir, 'no-content', 'audit.jsonl'), async (url) => {
      await post(url, '/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: secretish }] });
    });
    expect(records[0]!.content).toBeUndefined();
    expect(text).not.toContain('my key is');
  });
});
