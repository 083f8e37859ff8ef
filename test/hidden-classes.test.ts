// Objects the request path builds once per request or per bucket share one hidden class. On Node 20's V8 an
// object literal that starts with a spread and then adds a property gets a class of its own every time its
// site is warm: ~1 µs per object, old-space garbage, and megamorphic loads in everything that reads it (found
// in the budget path, where it cost ~20% of throughput with budgets on). The ledgers' own objects are held to
// this by the conformance suite (test/budget/ledger-conformance.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { BudgetRuntime } from '../src/budget/budget-runtime.js';
import type { BucketCharge, Ledger } from '../src/budget/ledger.js';
import { openSqliteLedger } from '../src/budget/sqlite-ledger.js';
import { buildContext, withStickyHeader } from '../src/proxy/context.js';
import { parseApiRequest } from '../src/proxy/protocol.js';
import { translateResult } from '../src/proxy/translation.js';
import { loadPolicyFromSources } from '../src/policy/index.js';
import { PLAIN } from '../src/translate/index.js';
import { fixtureSources } from './proxy/fixture.js';
import { buildPolicy, model, provider, route, team } from './support/policy-builder.js';
import { buildsOneHiddenClass } from './support/hidden-class.js';

const T = Date.UTC(2026, 5, 15, 18, 0, 0);

describe('the hidden-class check', () => {
  it('tells objects of one class from objects of several', async () => {
    expect(await buildsOneHiddenClass((i) => ({ a: 1, b: i }))).toBe(true);
    expect(await buildsOneHiddenClass((i) => (i % 2 === 0 ? { a: 1, b: i } : { b: i, a: 1 }))).toBe(false);
  });
});

describe('request-path objects', () => {
  const opened: BudgetRuntime[] = [];
  afterEach(async () => {
    for (const rt of opened.splice(0)) await rt.close();
  });

  it('a request budget hands the ledger its charges in one class', async () => {
    const policy = buildPolicy({
      providers: [provider('p1')],
      models: [model('small', 'p1', { pricing: { inputPerMTok: 1, outputPerMTok: 2 }, maxOutputTokens: 1000 })],
      teams: [team('web', ['internal'])],
      routes: [route('all', { targets: [{ model: 'small' }] })],
      // Per key, and a new key each request: the plan hands out one charge object per bucket, so each is fresh.
      budgets: [{ name: 'web-day', spec: { match: { teams: ['web'] }, per: 'key', window: 'day', limitUsd: 1000 } }],
    });
    const small = policy.models.get('small')!;
    const ledger = openSqliteLedger(':memory:');
    const charges: BucketCharge[] = [];
    const recording: Ledger = {
      ...ledger,
      kind: ledger.kind,
      reserve: (r) => (charges.push(...r.charges), ledger.reserve(r)),
      reserveSync: (r) => (charges.push(...r.charges), ledger.reserveSync!(r)),
    };
    const rt = new BudgetRuntime({ ledger: recording, clock: () => T, expireEveryMs: 0, log: { warn: () => undefined, error: () => undefined } });
    opened.push(rt);
    expect(
      await buildsOneHiddenClass(async (i) => {
        const admitted = await rt.begin(policy, 'web', `k${i}`, `r${i}`)!.admit(small, 10, 10);
        expect(admitted).toEqual({ ok: true });
        return charges.at(-1)!;
      }),
    ).toBe(true);
  });

  it('a translated answer is built in one class', async () => {
    const body = Buffer.from(
      JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'c', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 1 } }),
    );
    expect(
      await buildsOneHiddenClass((i) => {
        const r = translateResult({ kind: 'answer', status: 200, headers: { 'content-type': 'application/json' }, body }, 'anthropic', PLAIN, i);
        expect(r.kind).toBe('answer');
        return r;
      }),
    ).toBe(true);
  });

  it('a context with a route\'s sticky header is built in one class', async () => {
    const loaded = loadPolicyFromSources(fixtureSources(), { env: {} });
    if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
    const parsed = parseApiRequest('openai', { model: 'auto', messages: [{ role: 'user', content: 'abcdefgh' }] });
    if (!parsed.ok) throw new Error(parsed.message);
    const key = { team: 'app', keyId: 'app-main', hex: '00'.repeat(32), expiresAt: undefined };
    const ctx = buildContext(loaded.policy, key, parsed.value, {}, 'r-1');
    expect(
      await buildsOneHiddenClass((i) => {
        const next = withStickyHeader(ctx, { 'x-conversation-id': `c-${i}` }, 'x-conversation-id');
        expect(next.stickyKey).toBe(`c-${i}`);
        return next;
      }),
    ).toBe(true);
  });
});
