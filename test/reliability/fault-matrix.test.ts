// The fault matrix (issue 9): requests through the proxy while every provider fails at random — 500, 502, 503,
// 529, 429 with retry-after, connection resets, first-byte timeouts, streams cut mid-way, answers without usage
// (seeded simulators, so a run is reproducible) — plus clients that leave mid-stream. The proxy never crashes,
// never sends a request again once a byte reached the client, and settles every request exactly once: one usage
// record per request id, and one ledger settlement or release per reservation.
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { BudgetRuntime } from '../../src/budget/budget-runtime.js';
import { openLedger, openRateLimiter } from '../../src/budget/open.js';
import { loadPolicyFromSources } from '../../src/policy/index.js';
import { snapshotOf, staticPolicyStore } from '../../src/proxy/policy-snapshot.js';
import { buildServer } from '../../src/proxy/server.js';
import type { SettleRecord } from '../../src/proxy/index.js';
import { RANDOM_FAULT_NAMES, type Simulator } from '../../src/simulator/index.js';
import { countingLedger, dayBucket, type LedgerCalls } from '../proxy/budget-fixture.js';
import { APP_KEY, closeSims, CREDENTIALS, fixtureSources, startSims, type Sims } from '../proxy/fixture.js';
import { atScale, report } from './scale.js';

const REQUESTS = atScale(1_000, 10_000);
const CONCURRENCY = 16;
const FAULT_RATE = 0.3;
const CLIENT_ABORT_RATE = 0.03;

interface Shape {
  readonly path: '/v1/chat/completions' | '/v1/messages';
  readonly model: string;
}
// The default route (two providers), one provider twice (a 429's retry-after is waited for), a single attempt,
// and the Anthropic pair.
const SHAPES: readonly Shape[] = [
  { path: '/v1/chat/completions', model: 'auto' },
  { path: '/v1/chat/completions', model: 'same-provider' },
  { path: '/v1/chat/completions', model: 'one-shot' },
  { path: '/v1/messages', model: 'claude-fast' },
];

/** mulberry32, so the mix of requests is the same every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Seen {
  readonly requestId: string | undefined;
  readonly status: number;
  readonly stream: boolean;
  /** How the body ended, as the client saw it. */
  readonly ending: 'whole' | 'terminal' | 'error-event' | 'unterminated' | 'left';
}

let sims: Sims;
const simList = (): Simulator[] => [sims.a, sims.b, sims.eu, sims.c, sims.d];
let app: FastifyInstance;
let url: string;
let runtime: BudgetRuntime;
const settled: SettleRecord[] = [];
const calls: LedgerCalls = { reserves: [], settles: [], releases: [] };

beforeAll(async () => {
  sims = await startSims();
  simList().forEach((sim, i) => sim.configure({ faultRate: FAULT_RATE, faults: [...RANDOM_FAULT_NAMES], seed: 1_000 + i, timeoutMs: 1_500, tokenIntervalMs: 5 }));
  const budget = 'apiVersion: switchyard.dev/v1\nkind: Budget\nmetadata: { name: app-daily }\nspec:\n  match: { teams: [app] }\n  per: key\n  window: day\n  limitUsd: 1000\n';
  const env = { SIM_A: sims.a.url, SIM_B: sims.b.url, SIM_EU: sims.eu.url, SIM_C: sims.c.url, SIM_D: sims.d.url };
  const loaded = loadPolicyFromSources([...fixtureSources(), { path: 'policies/budgets.yaml', text: budget }], { env });
  if (!loaded.ok) throw new Error(`fault matrix policy is invalid: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
  const ledger = await openLedger('sqlite::memory:');
  const limiter = await openRateLimiter('sqlite::memory:');
  if (!ledger.ok || !limiter.ok) throw new Error('cannot open the in-memory ledger');
  runtime = new BudgetRuntime({ ledger: countingLedger(calls)(ledger.value), limiter: limiter.value, expireEveryMs: 0 });
  app = buildServer(staticPolicyStore(snapshotOf(loaded.policy, 'policies')), {
    logger: pino({ level: 'silent' }),
    env: CREDENTIALS,
    // Opened circuits are part of the matrix; a short cooldown keeps every provider in play.
    circuit: { failureThreshold: 5, cooldownMs: 100 },
    budgetRuntime: runtime,
    onSettle: (r) => settled.push(r),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  url = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await app.close();
  await runtime.close();
  await closeSims(sims);
});

async function send(agent: Agent, shape: Shape, stream: boolean, leave: boolean): Promise<Seen> {
  const controller = new AbortController();
  const anthropic = shape.path === '/v1/messages';
  const body = { model: shape.model, max_tokens: 16, stream, messages: [{ role: 'user', content: 'Fault matrix, please answer.' }] };
  const res = await request(`${url}${shape.path}`, {
    method: 'POST',
    dispatcher: agent,
    signal: controller.signal,
    headers: { 'content-type': 'application/json', ...(anthropic ? { 'x-api-key': APP_KEY } : { authorization: `Bearer ${APP_KEY}` }) },
    body: JSON.stringify(body),
  });
  const id = res.headers['x-switchyard-request-id'];
  const requestId = typeof id === 'string' ? id : undefined;
  const streamed = stream && res.statusCode === 200;
  if (!streamed) {
    await res.body.text();
    return { requestId, status: res.statusCode, stream, ending: 'whole' };
  }
  let text = '';
  try {
    for await (const chunk of res.body) {
      text += String(chunk);
      if (leave) {
        controller.abort();
        break;
      }
    }
  } catch {
    // the client's own abort
  }
  if (leave) return { requestId, status: res.statusCode, stream, ending: 'left' };
  const terminal = anthropic ? text.includes('event: message_stop') : text.endsWith('data: [DONE]\n\n');
  const error = anthropic ? text.includes('event: error') : text.includes('"code":"upstream_error"');
  return { requestId, status: res.statusCode, stream, ending: error ? 'error-event' : terminal ? 'terminal' : 'unterminated' };
}

describe('the fault matrix', () => {
  it(`survives ${REQUESTS} requests against providers failing ${FAULT_RATE * 100}% of the time and settles each exactly once`, { timeout: 600_000 }, async () => {
    const random = rng(9);
    const plan = Array.from({ length: REQUESTS }, () => {
      const shape = SHAPES[Math.floor(random() * SHAPES.length)]!;
      const stream = random() < 0.5;
      return { shape, stream, leave: stream && random() < CLIENT_ABORT_RATE };
    });
    const agent = new Agent({ connections: CONCURRENCY });
    const seen: Seen[] = [];
    const transportErrors: string[] = [];
    let next = 0;
    const started = performance.now();
    const worker = async (): Promise<void> => {
      while (next < plan.length) {
        const p = plan[next++]!;
        try {
          seen.push(await send(agent, p.shape, p.stream, p.leave));
        } catch (err) {
          transportErrors.push(err instanceof Error ? err.message : String(err));
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsed = performance.now() - started;
    await agent.destroy();

    // The proxy is alive and every client got an answer with its request id.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(transportErrors).toEqual([]);
    expect(seen).toHaveLength(REQUESTS);
    expect(seen.filter((s) => s.requestId === undefined)).toEqual([]);
    // 529 is Anthropic's "overloaded": a 5xx, so it fails over by default, and is relayed when every candidate gave it.
    expect([...new Set(seen.map((s) => s.status))].filter((s) => ![200, 429, 502, 503, 504, 529].includes(s))).toEqual([]);

    // Exactly one usage record per request, and for no other request id.
    await runtime.drain();
    const perId = new Map<string, SettleRecord[]>();
    for (const r of settled) perId.set(r.requestId, [...(perId.get(r.requestId) ?? []), r]);
    expect(settled).toHaveLength(REQUESTS);
    expect([...perId.values()].filter((rs) => rs.length !== 1)).toEqual([]);
    expect(seen.filter((s) => !perId.has(s.requestId!))).toEqual([]);

    // Nothing was sent again once an answer started: an answering attempt is always the last one, and the
    // providers saw exactly the attempts the records list.
    const answeredThenRetried = settled.filter((r) => {
      const answered = r.attempts.findIndex((a) => a.result === 'ok');
      return answered !== -1 && answered !== r.attempts.length - 1;
    });
    expect(answeredThenRetried).toEqual([]);
    const sent = settled.reduce((n, r) => n + r.attempts.filter((a) => a.result !== 'skipped').length, 0);
    const received = simList().reduce((n, sim) => n + sim.stats().requests, 0);
    expect(received).toBe(sent);

    // What the client saw matches how the request was settled.
    const outcomeOf = new Map(settled.map((r) => [r.requestId, r.outcome]));
    const mismatched = seen.filter((s) => {
      const outcome = outcomeOf.get(s.requestId!);
      // A client leaving races the stream's end — its last bytes, or a cut by the provider: whichever came first
      // is what the request is settled as, once.
      if (s.ending === 'left') return outcome !== 'aborted' && outcome !== 'completed' && outcome !== 'cut';
      if (s.ending === 'error-event') return outcome !== 'cut';
      if (s.ending === 'terminal') return outcome !== 'completed';
      if (s.ending === 'unterminated') return true;
      return s.status === 200 ? outcome !== 'completed' : outcome === 'completed';
    });
    expect(mismatched).toEqual([]);
    expect(settled.filter((r) => r.outcome === 'aborted').length).toBeGreaterThan(0);
    expect(settled.filter((r) => r.outcome === 'cut').length).toBeGreaterThan(0);

    // Every reservation was settled or released exactly once, and nothing is left reserved.
    const finished = new Map<string, number>();
    for (const id of [...calls.settles, ...calls.releases]) finished.set(id, (finished.get(id) ?? 0) + 1);
    expect(new Set(calls.reserves).size).toBe(calls.reserves.length);
    expect(calls.reserves.filter((id) => finished.get(id) !== 1)).toEqual([]);
    expect([...finished.keys()].filter((id) => !calls.reserves.includes(id))).toEqual([]);
    const [bucket] = await runtime.ledger.usage([dayBucket('app-daily', 'app-main', Date.now())]);
    expect(bucket?.reservedMicros).toBe(0);

    // Every kind of fault actually happened.
    const faults: Record<string, number> = {};
    for (const sim of simList()) for (const [label, n] of Object.entries(sim.stats().byFault)) faults[label] = (faults[label] ?? 0) + n;
    expect(RANDOM_FAULT_NAMES.filter((name) => (faults[name] ?? 0) === 0)).toEqual([]);

    const outcomes: Record<string, number> = {};
    for (const r of settled) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    report('fault matrix', {
      requests: REQUESTS,
      reqPerSec: Math.round(REQUESTS / (elapsed / 1000)),
      upstreamAttempts: sent,
      faults: Object.values(faults).reduce((a, b) => a + b, 0),
      ...Object.fromEntries(Object.entries(outcomes).map(([k, v]) => [`outcome.${k}`, v])),
      reservations: calls.reserves.length,
    });
  });
});
