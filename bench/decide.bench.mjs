// decide() at 10 … 10,000 routes: cached (steady state) and first-request-of-a-class (uncached), against a
// naive first-match linear scan and json-rules-engine evaluating the same route matches in the same run;
// compile time; and garbage collections during a million cached decisions (the "allocates nothing" check).
import { PerformanceObserver } from 'node:perf_hooks';
import { Engine } from 'json-rules-engine';
import { budgetStateFromPercents, compile, compileWithTimings, decide, referenceDecide } from '../dist/engine/index.js';

const SIZES = [10, 100, 1_000, 10_000];
const TASKS = ['general', 'code', 'chat', 'summarize', 'classify'];
const CLASSES = ['public', 'internal', 'confidential', 'pii-eu', 'phi'];
const MODELS = 20;
/** Calls before timing starts: every request class cached and the code optimised (the proxy's steady state). */
const WARMUP = 50_000;

/** Deterministic pseudo-random numbers (mulberry32), so every run benchmarks the same policies and requests. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function entries(kind, docs) {
  return new Map(
    docs.map((d, i) => {
      const source = { file: `bench/${kind.toLowerCase()}.yaml`, line: 1 + i * 10, col: 1 };
      return [d.name, { kind, name: d.name, metadata: { name: d.name, ...(d.labels ? { labels: d.labels } : {}) }, spec: d.spec, source, locate: () => source }];
    }),
  );
}

/**
 * A policy with `n` routes: n − 1 specific ones, each matching a distinct (team, task, requested model) at its
 * own priority, plus a catch-all at priority 0. Vetting and Residency rules apply to parts of the traffic.
 */
export function policyWith(n, { budget = false } = {}) {
  const teams = Math.max(4, Math.ceil(Math.sqrt(n)));
  const requested = Math.max(1, Math.ceil(n / (teams * TASKS.length)));
  const aliases = ['auto', ...Array.from({ length: requested }, (_, k) => `req-${k}`)];
  const providers = ['us-a', 'us-b', 'eu-a', 'eu-b'].map((name, i) => ({
    name,
    spec: {
      api: 'openai',
      baseUrl: `https://${name}.example/v1`,
      credentials: { env: 'KEY' },
      regions: [i < 2 ? 'us-east-1' : 'eu-west-1'],
      dataPolicy: { zeroDataRetention: i % 2 === 0, trainsOnData: false, retentionDays: i % 2 === 0 ? 0 : 30 },
      certifications: ['soc2'],
    },
  }));
  const tiers = ['small', 'medium', 'large', 'frontier'];
  const models = Array.from({ length: MODELS }, (_, i) => ({
    name: `m${i}`,
    spec: {
      provider: providers[i % 4].name,
      upstreamModel: `upstream-${i}`,
      pricing: { inputPerMTok: 0.1 * (i + 1), outputPerMTok: 0.4 * (i + 1) },
      contextWindow: 128_000,
      maxOutputTokens: 8_192,
      tier: tiers[i % 4],
      capabilities: ['tools', 'json'],
    },
  }));
  const teamDocs = Array.from({ length: teams }, (_, i) => ({
    name: `t${i}`,
    labels: { region: i % 2 === 0 ? 'us' : 'eu' },
    spec: { dataClasses: { allowed: CLASSES, default: 'internal' } },
  }));
  const strategies = ['ordered', 'cheapest', 'weighted'];
  const routes = Array.from({ length: n - 1 }, (_, i) => ({
    name: `r${i}`,
    spec: {
      priority: n - i,
      match: { teams: [`t${i % teams}`], tasks: [TASKS[Math.floor(i / teams) % TASKS.length]], models: [`req-${Math.floor(i / (teams * TASKS.length)) % requested}`] },
      strategy: strategies[i % 3],
      targets: [0, 7, 13].map((k) => ({ model: `m${(i + k) % MODELS}`, weight: 1 + ((i + k) % 5) })),
    },
  }));
  routes.push({ name: 'catch-all', spec: { priority: 0, targets: [{ model: 'm0' }, { model: 'm1' }] } });
  return {
    organization: entries('Organization', [{ name: 'bench', spec: { dataClasses: CLASSES, tasks: TASKS, modelAliases: aliases, defaults: { dataClass: 'internal', task: 'general' } } }]).get('bench'),
    providers: entries('Provider', providers),
    models: entries('Model', models),
    teams: entries('Team', teamDocs),
    routes: entries('Route', routes),
    vettings: entries('Vetting', [
      { name: 'phi-zdr', spec: { match: { dataClasses: ['phi'] }, require: { zeroDataRetention: true } } },
      { name: 'no-frontier-for-eu', spec: { match: { teamLabels: { region: 'eu' } }, maxTier: 'large' } },
    ]),
    residencies: entries('Residency', [{ name: 'eu-data', spec: { match: { dataClasses: ['pii-eu'] }, allowRegions: ['eu-*'] } }]),
    budgets: entries('Budget', budget ? [{ name: 'all', spec: { per: 'team', window: 'month', limitUsd: 1000, thresholds: [{ atPercent: 50, action: 'alert' }] } }] : []),
    classifiers: new Map(),
    tests: new Map(),
    invariants: new Map(),
    version: { hash: `bench-${n}`, id: `bench-${n}` },
    meta: { teams, requested },
  };
}

/** Requests spread over the routes (90%) and the catch-all (10%), with varied prompt sizes and data classes. */
export function requestsFor(policy, n, count, seed) {
  const { teams, requested } = policy.meta;
  const next = random(seed);
  return Array.from({ length: count }, (_, j) => {
    const i = Math.floor(next() * (n - 1));
    const specific = next() < 0.9 && n > 1;
    return {
      team: `t${(specific ? i : j) % teams}`,
      task: TASKS[Math.floor(i / teams) % TASKS.length],
      model: specific ? `req-${Math.floor(i / (teams * TASKS.length)) % requested}` : 'gpt-unlisted',
      dataClass: CLASSES[j % CLASSES.length],
      promptTokens: Math.floor(next() * 4000),
      stickyKey: `user-${j}`,
    };
  });
}

/** Requests of pairwise distinct classes (half aimed at specific routes, half anywhere), for first-request timing. */
function distinctClasses(policy, n, count, seed) {
  const { teams, requested } = policy.meta;
  const next = random(seed);
  const pick = (xs) => xs[Math.floor(next() * xs.length)];
  const seen = new Set();
  const out = [];
  for (let attempt = 0; out.length < count && attempt < count * 20; attempt++) {
    const i = Math.floor(next() * (n - 1));
    const specific = next() < 0.5 && n > 1;
    const ctx = {
      team: `t${specific ? i % teams : Math.floor(next() * teams)}`,
      task: specific ? TASKS[Math.floor(i / teams) % TASKS.length] : pick([undefined, ...TASKS]),
      model: specific ? `req-${Math.floor(i / (teams * TASKS.length)) % requested}` : pick(['auto', 'gpt-unlisted', `req-${Math.floor(next() * requested)}`]),
      dataClass: pick([undefined, ...CLASSES]),
      complexity: pick([undefined, 'low', 'medium', 'high']),
      stream: next() < 0.5,
      stickyKey: `user-${attempt}`,
    };
    const key = JSON.stringify([ctx.team, ctx.task, ctx.model, ctx.dataClass, ctx.complexity, ctx.stream]);
    if (seen.has(key)) continue;
    seen.add(key);
    for (const k of Object.keys(ctx)) if (ctx[k] === undefined) delete ctx[k];
    out.push(ctx);
  }
  return out;
}

/** The naive evaluator: routes sorted by priority, each match's conditions checked in order, first match wins. */
function naiveScanner(policy) {
  const routes = [...policy.routes.values()].map((r, i) => ({ r, i })).sort((a, b) => b.r.spec.priority - a.r.spec.priority || a.i - b.i).map((x) => x.r);
  return (ctx) => {
    for (const r of routes) {
      const m = r.spec.match;
      if (m === undefined) return r.name;
      if (m.teams && !m.teams.includes(ctx.team)) continue;
      if (m.tasks && !m.tasks.includes(ctx.task)) continue;
      if (m.models && !m.models.includes(ctx.model)) continue;
      return r.name;
    }
    return undefined;
  };
}

function rulesEngine(policy) {
  const engine = new Engine([], { allowUndefinedFacts: true });
  for (const r of policy.routes.values()) {
    const m = r.spec.match ?? {};
    const all = [];
    if (m.teams) all.push({ fact: 'team', operator: 'in', value: m.teams });
    if (m.tasks) all.push({ fact: 'task', operator: 'in', value: m.tasks });
    if (m.models) all.push({ fact: 'model', operator: 'in', value: m.models });
    engine.addRule({ conditions: { all }, event: { type: 'route', params: { name: r.name } }, priority: r.spec.priority + 1 });
  }
  // Events come back highest priority first; the first is the owner.
  return async (ctx) => (await engine.run({ team: ctx.team, task: ctx.task, model: ctx.model })).events[0]?.params.name;
}

/**
 * Bytes allocated per call: young-generation allocations show in heapUsed until the next scavenge, so a run
 * with no garbage collection in it measures them exactly. Returns the smallest of a few clean runs.
 */
async function bytesPerCall(run, calls = 20_000) {
  const clean = [];
  for (let attempt = 0; attempt < 20 && clean.length < 4; attempt++) {
    let gcs = 0;
    const observer = new PerformanceObserver((list) => (gcs += list.getEntries().length));
    observer.observe({ entryTypes: ['gc'] });
    const before = process.memoryUsage().heapUsed;
    run(calls);
    const after = process.memoryUsage().heapUsed;
    await new Promise((r) => setTimeout(r, 20));
    observer.disconnect();
    if (gcs === 0) clean.push((after - before) / calls);
  }
  return clean.length === 0 ? NaN : Math.min(...clean);
}

export default async function (h) {
  const cached = h.group(
    'decide: cached (steady state)',
    'Requests cycle over 1,024 pre-built contexts (90% spread over the specific routes, 10% to the catch-all), so after the first pass every request class is cached: this is the proxy\'s steady state. Each sample is the mean of a batch of 100 calls. The naive scan and json-rules-engine only select the route (no ordering, filters or trace), so they do less work than decide.',
  );
  const uncached = h.group(
    'decide: first request of a class (uncached)',
    'Each call decides a request whose class has not been seen by this graph (a fresh graph per size, the engine code already JIT-warm from another graph): route index lookup, rule lookup, filters, trace construction. Timed one call at a time (includes ~30–60 ns of timer overhead).',
  );
  const compileGroup = h.group('compile', 'compile(policy) of the generated policies (built once, compiled again per sample; nothing is shared between compiles).');
  const allocation = [];

  for (const n of SIZES) {
    const policy = policyWith(n);
    const graph = compile(policy);
    const requests = requestsFor(policy, n, 1024, 42 + n);
    // Sanity: the compiled engine and the reference evaluator agree on this workload.
    for (const ctx of requests.slice(0, 64)) {
      if (JSON.stringify(decide(graph, ctx)) !== JSON.stringify(referenceDecide(policy, ctx))) throw new Error(`decide disagrees with the reference at ${n} routes`);
    }
    const scan = naiveScanner(policy);
    for (const ctx of requests.slice(0, 64)) if (scan(ctx) !== decide(graph, ctx).route) throw new Error(`the naive scan disagrees at ${n} routes`);
    const mask = requests.length - 1;
    const label = n.toLocaleString('en-US');
    cached.add(`decide, ${label} routes`, await h.measure((i) => decide(graph, requests[i & mask]), { samples: 3000, maxMs: 4000, warmup: WARMUP }), { target: 'p99 ≤ 1 µs' });
    cached.add(`naive linear scan, ${label} routes`, await h.measure((i) => scan(requests[i & mask]), { samples: 1000, maxMs: 3000, batch: n >= 1000 ? 10 : 100, warmup: n >= 1000 ? 2000 : WARMUP }), { baseline: `decide, ${label} routes` });
    const rules = rulesEngine(policy);
    cached.add(`json-rules-engine, ${label} routes`, await h.measure((i) => rules(requests[i & mask]), { samples: 300, maxMs: 4000, batch: 1, warmup: n >= 1000 ? 3 : 50 }), {
      baseline: `decide, ${label} routes`,
    });

    // Uncached: warm the code paths on one graph, then time first requests on a fresh one.
    const warm = compile(policy);
    for (const ctx of requestsFor(policy, n, 2000, 7)) decide(warm, ctx);
    const fresh = compile(policy);
    const firsts = distinctClasses(policy, n, 3000, 99 + n);
    let k = 0;
    uncached.add(
      `decide (class miss), ${label} routes`,
      await h.measure(() => decide(fresh, firsts[k++]), { samples: firsts.length, batch: 1, warmup: 0, maxMs: 4000 }),
    );

    if (n >= 1_000 || n === 10) {
      compileGroup.add(`compile, ${label} routes`, await h.measure(() => compile(policy), { samples: n >= 10_000 ? 10 : 30, batch: 1, warmup: 2, maxMs: 20_000 }), {
        target: n === 10_000 ? '≤ 200 ms' : '',
      });
    }
    if (n === 10_000) {
      const { timings } = compileWithTimings(policy);
      compileGroup.note += ` Stages at 10,000 routes: ${timings.map((t) => `${t.stage} ${t.ms.toFixed(1)} ms`).join(', ')}.`;
    }
    const perCall = await bytesPerCall((calls) => {
      for (let i = 0; i < calls; i++) decide(graph, requests[i & mask]);
    });
    allocation.push(`${label} routes: ${perCall.toFixed(2)} B`);
    if (n === 10_000) {
      const few = requests.slice(0, 16);
      cached.add(`decide, ${label} routes, 16 distinct requests`, await h.measure((i) => decide(graph, few[i & 15]), { samples: 3000, maxMs: 3000, warmup: WARMUP }));
    }
  }

  // Budgets on the hot path, at 1,000 routes: one budget applies to every request.
  const policy = policyWith(1_000, { budget: true });
  const graph = compile(policy);
  const requests = requestsFor(policy, 1_000, 1024, 5);
  const quiet = budgetStateFromPercents(policy, { all: 10 });
  const alerting = budgetStateFromPercents(policy, { all: 60 });
  const budgets = h.group(
    'decide with budgets (1,000 routes)',
    `One per-team budget applies to every request. Below its alert threshold nothing is recorded and the cached decision is returned; past it, each decision carries alert entries and is built per call. Bytes allocated per cached decide() call (mean over 20,000 calls with no garbage collection in between): ${allocation.join(', ')}.`,
  );
  const mask = requests.length - 1;
  budgets.add('decide, budget applies, nothing crossed', await h.measure((i) => decide(graph, requests[i & mask], quiet), { samples: 3000, maxMs: 4000, warmup: WARMUP }));
  budgets.add('decide, budget alert crossed (new decision per call)', await h.measure((i) => decide(graph, requests[i & mask], alerting), { samples: 2000, maxMs: 4000 }), {
    baseline: 'decide, budget applies, nothing crossed',
  });
  budgets.add('referenceDecide (literal evaluator), budget alert crossed', await h.measure((i) => referenceDecide(policy, requests[i & mask], alerting), { samples: 300, maxMs: 4000, batch: 10 }), {
    baseline: 'decide, budget applies, nothing crossed',
  });
}
