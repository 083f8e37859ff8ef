// The proxy fixture's organisation plus teams, models, routes and Budgets for the budget tests, and a proxy
// started on it with a real ledger and rate limiter (opened from a URL, as `switchyard serve --ledger` does).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { BudgetRuntime } from '../../src/budget/budget-runtime.js';
import type { BucketKey, Ledger } from '../../src/budget/ledger.js';
import { openLedger, openRateLimiter } from '../../src/budget/open.js';
import type { ThresholdEvent } from '../../src/budget/thresholds.js';
import { windowStart } from '../../src/budget/window.js';
import { loadPolicyFromSources } from '../../src/policy/index.js';
import { snapshotOf, staticPolicyStore, type PolicySnapshot } from '../../src/proxy/policy-snapshot.js';
import { buildServer, type ServerOptions } from '../../src/proxy/server.js';
import { ADMIN_KEY, CREDENTIALS, fixtureSources, sha, type Sims } from './fixture.js';

export const FIN_KEY = 'sy-test-fin-key-0123456789';
export const EDGE_KEY = 'sy-test-edge-key-0123456789';
export const STREAM_KEY = 'sy-test-stream-key-0123456789';
export const RATE_KEY = 'sy-test-rate-key-0123456789';
export const TOKEN_KEY = 'sy-test-token-key-0123456789';

/** A fixed prompt: 44 characters, so the proxy and the simulator both count 11 prompt tokens. */
export const PROMPT = 'Hello through the switchyard, please answer.';
export const PROMPT_TOKENS = 11;

/** The edge budget: $0.001 = 1,000 micro-dollars. */
export const EDGE_LIMIT_MICROS = 1_000;

const doc = (kind: string, name: string, spec: string): string =>
  `apiVersion: switchyard.dev/v1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec:\n${spec.replace(/^/gm, '  ')}\n`;

const team = (name: string, key: string, extra = ''): string =>
  doc('Team', name, `keys:\n  - { id: ${name}-key, sha256: ${sha(key)} }\ndataClasses: { allowed: [internal], default: internal }${extra}`);

export function budgetSources(): { path: string; text: string }[] {
  const extra = [
    doc('Model', 'big-model', 'provider: oa-primary\nupstreamModel: up-big\ntier: large\npricing: { inputPerMTok: 10, outputPerMTok: 30 }\ncontextWindow: 100000\nmaxOutputTokens: 1000'),
    team('fin', FIN_KEY),
    team('edge', EDGE_KEY),
    team('streamy', STREAM_KEY),
    team('ratey', RATE_KEY, '\nrateLimits: { rpm: 2 }'),
    team('tokeny', TOKEN_KEY),
    doc('Route', 'fin-route', 'priority: 50\nmatch: { teams: [fin] }\ntargets: [{ model: big-model }, { model: primary-mini }]'),
    doc('Route', 'edge-route', 'priority: 50\nmatch: { teams: [edge] }\ntargets: [{ model: primary-mini }, { model: backup-mini }]'),
    doc(
      'Budget',
      'fin-daily',
      'match: { teams: [fin] }\nper: team\nwindow: day\nlimitUsd: 1\nthresholds:\n  - { atPercent: 50, action: alert }\n  - { atPercent: 80, action: downgrade, maxTier: small }\n  - { atPercent: 100, action: deny }',
    ),
    doc('Budget', 'fin-watch', 'match: { teams: [fin], models: [big-model] }\nper: shared\nwindow: month\nlimitUsd: 0.0001\nenforcement: monitor'),
    doc('Budget', 'edge-daily', `match: { teams: [edge] }\nper: team\nwindow: day\nlimitUsd: ${EDGE_LIMIT_MICROS / 1e6}`),
    doc('Budget', 'stream-daily', 'match: { teams: [streamy] }\nper: key\nwindow: day\nlimitUsd: 100'),
    doc('Budget', 'token-minute', 'match: { teams: [tokeny] }\nper: key\nwindow: hour\nlimitUsd: 100\nrateLimits: { tpm: 100 }'),
  ];
  // Budget tests count what reached the providers: generous timeouts keep a loaded machine from turning a slow
  // first byte into a failover (an extra upstream request) or a 504.
  const patient = fixtureSources().map((f) => ({ ...f, text: f.text.replaceAll('firstByteMs: 400', 'firstByteMs: 15000').replaceAll('idleMs: 1000', 'idleMs: 15000') }));
  return [...patient, { path: 'policies/budget-tests.yaml', text: extra.join('---\n') }];
}

export function budgetSnapshot(sims: Sims): PolicySnapshot {
  const env = { SIM_A: sims.a.url, SIM_B: sims.b.url, SIM_EU: sims.eu.url, SIM_C: sims.c.url, SIM_D: sims.d.url };
  const loaded = loadPolicyFromSources(budgetSources(), { env });
  if (!loaded.ok) throw new Error(`budget fixture policy is invalid: ${loaded.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('; ')}`);
  return snapshotOf(loaded.policy, 'policies');
}

export interface BudgetProxy {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly snapshot: PolicySnapshot;
  readonly runtime: BudgetRuntime;
  readonly ledger: Ledger;
  readonly events: ThresholdEvent[];
  close(): Promise<void>;
}

export interface BudgetProxyOptions {
  /** Default: a private in-memory SQLite ledger. */
  readonly ledgerUrl?: string;
  readonly clock?: () => number;
  readonly server?: ServerOptions;
  /** Wraps the opened ledger (e.g. to count calls) before the runtime uses it. */
  readonly wrapLedger?: (ledger: Ledger) => Ledger;
}

export async function startBudgetProxy(sims: Sims, options: BudgetProxyOptions = {}): Promise<BudgetProxy> {
  const url = options.ledgerUrl ?? 'sqlite::memory:';
  const ledger = await openLedger(url);
  if (!ledger.ok) throw new Error(ledger.error);
  const limiter = await openRateLimiter(url);
  if (!limiter.ok) throw new Error(limiter.error);
  const events: ThresholdEvent[] = [];
  const used = options.wrapLedger === undefined ? ledger.value : options.wrapLedger(ledger.value);
  const runtime = new BudgetRuntime({
    ledger: used,
    limiter: limiter.value,
    expireEveryMs: 0,
    onThreshold: (e) => events.push(e),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const snapshot = budgetSnapshot(sims);
  const app = buildServer(staticPolicyStore(snapshot), {
    logger: pino({ level: 'silent' }),
    env: { ...CREDENTIALS, SWITCHYARD_ADMIN_KEY_SHA256: sha(ADMIN_KEY) },
    circuit: { failureThreshold: 1_000 },
    ...options.server,
    budgetRuntime: runtime,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    snapshot,
    runtime,
    ledger: used,
    events,
    close: async () => {
      await app.close();
      await runtime.close();
    },
  };
}

/** The bucket of a day budget for `bucket` at `now`. */
export const dayBucket = (budget: string, bucket: string, now: number): BucketKey => ({ budget, bucket, window: 'day', windowStart: windowStart('day', now) });

/** Commits `micros` to a bucket directly in the ledger, as earlier traffic would have. */
export async function spendDirectly(ledger: Ledger, key: BucketKey & { limitMicros: number }, micros: number, now: number, id: string): Promise<void> {
  const reserved = await ledger.reserve({ id, charges: [{ ...key, enforce: false }], amountMicros: micros, ttlMs: 60_000, now });
  if (!reserved.ok) throw new Error(`cannot reserve for ${id}`);
  const settled = await ledger.settle(id, micros, now);
  if (!settled.ok) throw new Error(`cannot settle ${id}`);
}

export async function committedOf(ledger: Ledger, key: BucketKey): Promise<{ committed: number; reserved: number }> {
  const [row] = await ledger.usage([key]);
  return { committed: row?.committedMicros ?? 0, reserved: row?.reservedMicros ?? 0 };
}

export interface LedgerCalls {
  readonly settles: string[];
  readonly releases: string[];
  readonly reserves: string[];
}

/** A ledger that records which reservation ids were reserved, settled and released, then does the real work. */
export function countingLedger(calls: LedgerCalls): (ledger: Ledger) => Ledger {
  return (ledger) => ({
    kind: ledger.kind,
    reserve: (r) => (calls.reserves.push(r.id), ledger.reserve(r)),
    settle: (id, micros, now) => (calls.settles.push(id), ledger.settle(id, micros, now)),
    release: (id, now) => (calls.releases.push(id), ledger.release(id, now)),
    usage: (keys) => ledger.usage(keys),
    listCurrent: (now) => ledger.listCurrent(now),
    expire: (now) => ledger.expire(now),
    markThreshold: (key, pct) => ledger.markThreshold(key, pct),
    close: () => ledger.close(),
  });
}

/** A scratch directory for ledger files; `cleanup()` removes it. */
export function ledgerDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-budget-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
