// What budgets add to a request in the proxy: the runtime layer's work on the request path — one usage read
// (the decision's budget state), decide on it, one reservation for the chosen candidate, and the settlement
// call at the end (its fsync wait runs in the background, off the response) — against the ledger-free path
// (decide on no spend) measured in the same run. Two budgets charge the request (a team's day and a shared
// month), as in the ledger benchmark. Files go to LEDGER_BENCH_DIR or the OS temporary directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BudgetRuntime } from '../dist/budget/budget-runtime.js';
import { openSqliteLedger } from '../dist/budget/sqlite-ledger.js';
import { openSqliteRateLimiter } from '../dist/budget/sqlite-rate-limit.js';
import { windowStart } from '../dist/budget/window.js';
import { compile, decide, NO_SPEND } from '../dist/engine/index.js';
import { loadPolicyFromSources } from '../dist/policy/index.js';

const doc = (kind, name, spec) => `apiVersion: switchyard.dev/v1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec:\n${spec.replace(/^/gm, '  ')}\n`;

function benchPolicy() {
  const sources = [
    doc('Organization', 'acme', 'dataClasses: [internal]\ntasks: [general]\ndefaults: { dataClass: internal, task: general }'),
    doc('Provider', 'p1', 'api: openai\nbaseUrl: https://p1.example/v1\ncredentials: { env: P1_KEY }\nregions: [us-east-1]\ndataPolicy: { zeroDataRetention: true, trainsOnData: false, retentionDays: 0 }'),
    doc('Model', 'large', 'provider: p1\nupstreamModel: large\ntier: large\npricing: { inputPerMTok: 3, outputPerMTok: 15 }\ncontextWindow: 200000\nmaxOutputTokens: 4096'),
    doc('Model', 'small', 'provider: p1\nupstreamModel: small\ntier: small\npricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 }\ncontextWindow: 128000\nmaxOutputTokens: 4096'),
    doc('Team', 'eng', 'dataClasses: { allowed: [internal], default: internal }'),
    doc('Team', 'limited', 'dataClasses: { allowed: [internal], default: internal }\nrateLimits: { rpm: 1000000000, tpm: 1000000000 }'),
    doc('Team', 'idle', 'dataClasses: { allowed: [internal], default: internal }'),
    doc('Route', 'default', 'priority: 0\ntargets: [{ model: large }, { model: small }]'),
    doc('Budget', 'team-day', 'match: { teams: [eng, limited] }\nper: team\nwindow: day\nlimitUsd: 1000000000\nthresholds: [{ atPercent: 50, action: alert }, { atPercent: 80, action: downgrade, maxTier: small }, { atPercent: 100, action: deny }]'),
    doc('Budget', 'org-month', 'match: { teams: [eng, limited] }\nper: shared\nwindow: month\nlimitUsd: 1000000000'),
  ];
  const loaded = loadPolicyFromSources(sources.map((text, i) => ({ path: `bench/${i}.yaml`, text })), { env: {} });
  if (!loaded.ok) throw new Error(`bench policy invalid: ${JSON.stringify(loaded.diagnostics)}`);
  return loaded.policy;
}

const USAGE = { inputTokens: 812, outputTokens: 230 };

/**
 * Times requests one by one: `blocked` is the synchronous part (what other requests wait for), `path` the whole
 * request-path cost with its awaits. Between requests the loop yields (untimed), as a server does.
 */
async function perRequest(h, step, { samples, warmup = 1_000, maxMs = 8_000, drain }) {
  const path = [];
  const deadline = performance.now() + maxMs;
  for (let i = 0; i < warmup + samples && performance.now() < deadline; i++) {
    const t0 = process.hrtime.bigint();
    await step(i);
    const t1 = process.hrtime.bigint();
    if (i >= warmup) path.push(Number(t1 - t0));
    if (i % 8 === 0) await new Promise((resolve) => setImmediate(resolve));
    if (drain !== undefined && i % 256 === 0) await drain();
  }
  return h.summarize(path);
}

export default async function (h) {
  const dir = mkdtempSync(join(process.env.LEDGER_BENCH_DIR ?? tmpdir(), 'switchyard-budget-runtime-bench-'));
  const policy = benchPolicy();
  const graph = compile(policy);
  const large = policy.models.get('large');
  const ctxOf = (team, i) => ({ team, model: 'auto', promptTokens: 812, maxTokens: 512, keyId: `${team}-key`, requestId: `r-${i}` });

  const g = h.group(
    'Budgets on the request path (runtime layer, two budgets)',
    [
      'One sample = one request: usage read → decide on it → reserve for the primary candidate → settlement call, timed singly',
      `(awaits included; the settlement's fdatasync runs in the background, off the answer). Files in \`${process.env.LEDGER_BENCH_DIR ?? 'os.tmpdir()'}\`.`,
      'The baseline is the ledger-free path: decide on no spend. "added" rows subtract the baseline\'s median and p99.',
      '"ledger calls alone" makes the same three ledger calls directly (usage read, reserve, settle; no runtime, no decide): the rest is the runtime layer\'s own cost.',
    ].join(' '),
  );
  const base = 'ledger-free: decide on no spend (baseline)';
  const baseline = await perRequest(h, (i) => void decide(graph, ctxOf('eng', i), NO_SPEND), { samples: 20_000 });
  g.add(base, baseline);

  const runtimes = [];
  const open = (label, ledger, limiter) => {
    const rt = new BudgetRuntime({ ledger, limiter, expireEveryMs: 0 });
    runtimes.push(rt);
    return [label, rt];
  };
  const cases = [
    open('sqlite :memory:', openSqliteLedger(':memory:'), undefined),
    open('sqlite file, WAL, synchronous=normal', openSqliteLedger(join(dir, 'normal.db'), { synchronous: 'normal' }), undefined),
    open('sqlite file, WAL, synchronous=full (default)', openSqliteLedger(join(dir, 'full.db')), undefined),
  ];
  let run = 0;
  try {
    const idle = cases[0][1];
    g.add('team without budgets (runtime present, nothing to do)', await perRequest(h, (i) => {
      const rb = idle.begin(policy, 'idle', 'idle-key', `idle-${i}`);
      if (rb !== null) throw new Error('idle team has budget work');
      decide(graph, ctxOf('idle', i), NO_SPEND);
    }, { samples: 20_000 }), { baseline: base });

    const request = (rt, team, tag) => async (i) => {
      const ctx = ctxOf(team, i);
      const rb = rt.begin(policy, team, ctx.keyId, `${tag}-${run}-${i}`);
      if (rb.hasTeamLimits && (await rb.takeTeamLimits(ctx.promptTokens, ctx.maxTokens)) !== null) throw new Error('rate limited');
      const decision = decide(graph, ctx, await rb.state());
      if (decision.outcome !== 'route') throw new Error(`denied: ${decision.deny?.code}`);
      const admitted = await rb.admit(large, ctx.promptTokens, ctx.maxTokens);
      if (!admitted.ok) throw new Error(`refused: ${admitted.refusal.message}`);
      rb.finish('large', { outcome: 'completed', sent: true, usage: USAGE, outputChars: 0, promptTokens: ctx.promptTokens });
    };
    // The same ledger work without the runtime: one usage read, one reserve, one settle (not awaited, as finish).
    // Charges built field by field, as the runtime builds them (a spread plus properties costs ~1 µs on Node 20).
    const direct = (ledger, tag) => async (i) => {
      const now = Date.now();
      const keys = [
        { budget: 'team-day', bucket: 'eng', window: 'day', windowStart: windowStart('day', now) },
        { budget: 'org-month', bucket: '*', window: 'month', windowStart: windowStart('month', now) },
      ];
      await ledger.usage(keys);
      const id = `${tag}-${run}-${i}`;
      const r = await ledger.reserve({ id, charges: keys.map((k) => ({ budget: k.budget, bucket: k.bucket, window: k.window, windowStart: k.windowStart, limitMicros: 10 ** 15, enforce: true })), amountMicros: 10_116, ttlMs: 900_000, now });
      if (!r.ok) throw new Error('refused');
      void ledger.settle(id, 5_886, now);
    };
    for (const [label, rt] of cases) {
      run += 1;
      g.add(`ledger calls alone, ${label}`, await perRequest(h, direct(rt.ledger, 'direct'), { samples: label.includes('full') ? 10_000 : 20_000, drain: () => rt.drain() }), { baseline: base });
      run += 1;
      const stats = await perRequest(h, request(rt, 'eng', 'eng'), { samples: label.includes('full') ? 10_000 : 20_000, drain: () => rt.drain() });
      g.add(label, stats, { baseline: base });
      g.add(`  added by budgets, ${label}`, { n: stats.n, medianNs: stats.medianNs - baseline.medianNs, p99Ns: stats.p99Ns - baseline.p99Ns }, { target: label.includes('full') ? '≤ 50 µs p99' : '' });
    }
    const [, limited] = open('rate limits', openSqliteLedger(join(dir, 'rl.db')), openSqliteRateLimiter(join(dir, 'rl.db')));
    run += 1;
    const withLimits = await perRequest(h, request(limited, 'limited', 'limited'), { samples: 10_000, drain: () => limited.drain() });
    g.add('sqlite file, synchronous=full, plus team rpm + tpm takes', withLimits, { baseline: base });
  } finally {
    for (const rt of runtimes) await rt.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
