// What the proxy adds: in one run, the same requests go straight to a fast mock upstream, through a bare
// fastify+undici passthrough (no policy: the floor for this stack), through Switchyard serving policies/
// (authenticated demo key, compiled decision, failover bookkeeping, response headers), and through Portkey's
// gateway (@portkey-ai/gateway) for comparison. Every server is a child process; the load generator is this one.
// Phases are interleaved in rounds so that noise from other work on the machine lands on every target alike.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { closedLoop, constantRate, freePort, rssMB, sampleRss, send, startChild, stopChild, timeToFirstChunk } from './proxy-load.mjs';
import { portkeyArgs } from './portkey.mjs';
import { DEMO_KEY, LOAD_CPU, PROXY_CPU, pinSelf, providerEnv, switchyardNodeFlags } from './proxy-targets.mjs';
import { writeChart } from './proxy-chart.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MODEL = 'gpt-4-1-mini'; // the `default` route's first target, on the openai provider
const CHAT = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Measure what the proxy adds, please.' }] });
const STREAM = JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'Stream it, please.' }] });

const ROUNDS = 4;
const SEQUENTIAL_PER_ROUND = 500;
const RATE = 1_000;
const RATE_PER_ROUND = 1_250; // 1.25 s at 1k req/s
const CONNECTIONS = 32;
const CLOSED_PER_ROUND = 8_000;
const CLOSED_MAX_MS = 4_000;
const STREAMS_PER_ROUND = 150;
const STREAM_WARMUP = 200;

// Issue 9: every proxy pinned to core 0; this load generator and the mock upstream share core 1 (proxy-targets.mjs;
// without taskset or a second core, or with BENCH_NO_PIN=1, nothing is pinned and the note says so).

const ms = (ns) => ns / 1e6;
const fmtMs = (ns) => `${ms(ns).toFixed(3)} ms`;
const signed = (ns) => `${ns < 0 ? '−' : '+'}${fmtMs(Math.abs(ns))}`;
const verdict = (ok) => (ok ? 'met' : 'NOT met');

async function startAll(pinned) {
  const procs = {};
  const proxyCpu = pinned ? PROXY_CPU : undefined;
  const loadCpu = pinned ? LOAD_CPU : undefined;
  try {
    procs.mock = await startChild('mock upstream', [join(root, 'bench', 'mock-upstream.mjs')], { cpu: loadCpu });
    const upstream = procs.mock.url;
    procs.bare = await startChild('bare passthrough', [join(root, 'bench', 'bare-passthrough.mjs')], { env: { UPSTREAM: upstream }, cpu: proxyCpu });
    // Switchyard as `npm start` runs it: watching the policy directory, logging one JSON line per request (to
    // /dev/null here). The directory is a copy of policies/ outside this repository, so that commits made in the
    // repository while the benchmark runs (each renames the policy version, and so reloads) do not disturb it.
    procs.policyDir = mkdtempSync(join(os.tmpdir(), 'switchyard-bench-'));
    cpSync(join(root, 'policies'), procs.policyDir, { recursive: true });
    const nodeFlags = switchyardNodeFlags();
    // The default ledger, a SQLite file (WAL): every request reserves its worst-case cost and settles after.
    // It lives outside the watched directory, as `npm start`'s ./switchyard.db does.
    procs.ledgerDir = mkdtempSync(join(os.tmpdir(), 'switchyard-bench-ledger-'));
    const ledger = `sqlite:${join(procs.ledgerDir, 'switchyard.db')}`;
    procs.switchyard = await startChild('switchyard', [...nodeFlags, join(root, 'bin', 'switchyard.js'), 'serve', procs.policyDir, '--port', '0', '--ledger', ledger], {
      env: { ...providerEnv(upstream), NODE_ENV: 'production' },
      quietStdout: true,
      cpu: proxyCpu,
    });
    // The same without Budget documents (policies/ minus budgets.yaml, and tests.yaml which names budgets):
    // what routing and forwarding cost without the ledger round trips.
    procs.noBudgetsDir = mkdtempSync(join(os.tmpdir(), 'switchyard-bench-nobudgets-'));
    cpSync(join(root, 'policies'), procs.noBudgetsDir, { recursive: true });
    for (const name of ['budgets.yaml', 'tests.yaml']) rmSync(join(procs.noBudgetsDir, name));
    procs.switchyardNoBudgets = await startChild('switchyard (no budgets)', [...nodeFlags, join(root, 'bin', 'switchyard.js'), 'serve', procs.noBudgetsDir, '--port', '0', '--ledger', 'sqlite::memory:'], {
      env: { ...providerEnv(upstream), NODE_ENV: 'production' },
      quietStdout: true,
      cpu: proxyCpu,
    });
    // The memory floor: a node process that loads nothing.
    procs.node = await startChild('bare node', ['-e', "console.log('listening on http://127.0.0.1:0'); setInterval(() => {}, 60_000)"]);
  } catch (error) {
    await stopAll(procs);
    throw error;
  }
  try {
    const port = await freePort();
    procs.portkey = await startChild('portkey', portkeyArgs(root, port), { ready: /(http:\/\/localhost:\d+)/, env: { NODE_ENV: 'production' }, cpu: proxyCpu });
    procs.portkey.url = `http://127.0.0.1:${port}`;
  } catch (error) {
    procs.portkeyError = error instanceof Error ? error.message.split('\n')[0] : String(error);
  }
  return procs;
}

async function stopAll(procs) {
  await Promise.all([procs.switchyard, procs.switchyardNoBudgets, procs.portkey, procs.bare, procs.mock, procs.node].map(stopChild));
  for (const dir of [procs.policyDir, procs.ledgerDir, procs.noBudgetsDir]) if (dir) rmSync(dir, { recursive: true, force: true });
}

function targetsOf(procs) {
  const json = { 'content-type': 'application/json' };
  const targets = [
    { name: 'direct to upstream', url: procs.mock.url, path: '/v1/chat/completions', headers: { ...json, authorization: 'Bearer sk-bench' } },
    { name: 'bare fastify+undici passthrough', url: procs.bare.url, path: '/v1/chat/completions', headers: { ...json, authorization: 'Bearer sk-bench' }, proc: procs.bare },
    { name: 'switchyard', url: procs.switchyard.url, path: '/v1/chat/completions', headers: { ...json, authorization: `Bearer ${DEMO_KEY}` }, proc: procs.switchyard },
    {
      name: 'switchyard, no budgets',
      url: procs.switchyardNoBudgets.url,
      path: '/v1/chat/completions',
      headers: { ...json, authorization: `Bearer ${DEMO_KEY}` },
      proc: procs.switchyardNoBudgets,
    },
  ];
  if (procs.portkey) {
    targets.push({
      name: 'portkey gateway',
      url: procs.portkey.url,
      path: '/v1/chat/completions',
      headers: { ...json, authorization: 'Bearer sk-bench', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${procs.mock.url}/v1` },
      proc: procs.portkey,
    });
  }
  return targets;
}

/** Run `phase(target)` for every target, `ROUNDS` times, interleaved; concatenates what each returns. */
async function interleaved(targets, phase) {
  const out = new Map(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of targets) out.get(target.name).push(await phase(target));
  }
  return out;
}

export default async function (h) {
  const pinned = pinSelf();
  const procs = await startAll(pinned);
  const pools = [];
  const pool = (url, connections) => {
    const p = new Pool(url, { connections, keepAliveTimeout: 60_000 });
    pools.push(p);
    return p;
  };
  try {
    const targets = targetsOf(procs);
    const proxies = targets.filter((t) => t.proc);
    await sleep(500);
    const idle = new Map(proxies.map((t) => [t.name, rssMB(t.proc.child.pid)]));
    const nodeFloor = rssMB(procs.node.child.pid);
    const loadBefore = os.loadavg()[0];

    // Sanity and warm-up: every target answers 200 (send throws otherwise), and JIT gets to work.
    for (const t of targets) {
      t.one = pool(t.url, 1);
      t.many = pool(t.url, CONNECTIONS);
      await send(t.one, t, CHAT);
      await closedLoop(t.many, t, CHAT, { total: 3_000, concurrency: 8, maxMs: 5_000 });
      // Streams have code of their own (the relay, usage handling): warmed like the rest, not measured cold.
      for (let i = 0; i < STREAM_WARMUP; i++) await timeToFirstChunk(t.one, t, STREAM);
    }
    const idleWarm = new Map(proxies.map((t) => [t.name, rssMB(t.proc.child.pid)]));

    // 1. One request at a time.
    const sequential = await interleaved(targets, async (t) => {
      const samples = [];
      for (let i = 0; i < SEQUENTIAL_PER_ROUND; i++) {
        const t0 = process.hrtime.bigint();
        await send(t.one, t, CHAT);
        samples.push(Number(process.hrtime.bigint() - t0));
      }
      return samples;
    });
    const seqStats = new Map([...sequential].map(([name, rounds]) => [name, h.summarize(rounds.flat())]));
    const direct = targets[0].name;
    const bare = targets[1].name;
    const g1 = h.group('proxy: one request at a time (keep-alive, non-streaming)', 'Latency includes the client; "vs baseline" is the ratio to going straight to the mock upstream.');
    for (const t of targets) g1.add(t.name, seqStats.get(t.name), t.name === direct ? {} : { baseline: direct });

    // 2. Constant rate, open loop.
    const rated = await interleaved(targets, (t) => constantRate(t.many, t, CHAT, { rate: RATE, count: RATE_PER_ROUND }));
    const rateStats = new Map();
    const rateNotes = [];
    for (const [name, rounds] of rated) {
      rateStats.set(name, h.summarize(rounds.flatMap((r) => r.samples)));
      const failures = rounds.reduce((n, r) => n + r.failures, 0);
      const achieved = rounds.reduce((n, r) => n + r.achievedRps, 0) / rounds.length;
      rateNotes.push(`${name}: ${achieved.toFixed(0)} req/s achieved, ${failures} failed`);
    }
    const base = rateStats.get(direct);
    const added = (name) => ({ p50: rateStats.get(name).medianNs - base.medianNs, p99: rateStats.get(name).p99Ns - base.p99Ns });
    const sy = added('switchyard');
    const syNb = added('switchyard, no budgets');
    const overBare = { p50: rateStats.get('switchyard').medianNs - rateStats.get(bare).medianNs, p99: rateStats.get('switchyard').p99Ns - rateStats.get(bare).p99Ns };
    const addedNotes = proxies.map((t) => `${t.name} ${signed(added(t.name).p50)} p50, ${signed(added(t.name).p99)} p99`);
    const g2 = h.group(
      `proxy: constant ${RATE} req/s (open loop, ${CONNECTIONS} connections, ${ROUNDS}×${RATE_PER_ROUND} requests)`,
      `${rateNotes.join('; ')}. Added over direct: ${addedNotes.join('; ')}; switchyard over the bare passthrough ${signed(overBare.p50)} p50, ${signed(overBare.p99)} p99. ` +
        `Targets: added p50 ≤ 0.3 ms — switchyard ${verdict(ms(sy.p50) <= 0.3)}, without budgets ${verdict(ms(syNb.p50) <= 0.3)}; ` +
        `added p99 ≤ 1 ms — switchyard ${verdict(ms(sy.p99) <= 1)}, without budgets ${verdict(ms(syNb.p99) <= 1)}.`,
    );
    for (const t of targets) g2.add(t.name, rateStats.get(t.name), t.name === direct ? {} : { baseline: direct });

    // 3. Closed loop, flat out; the proxy's RSS is sampled meanwhile.
    const peaks = new Map();
    const closed = await interleaved(targets, async (t) => {
      const sampler = t.proc ? sampleRss(t.proc.child.pid) : undefined;
      const result = await closedLoop(t.many, t, CHAT, { total: CLOSED_PER_ROUND, concurrency: CONNECTIONS, maxMs: CLOSED_MAX_MS });
      if (sampler) peaks.set(t.name, Math.max(peaks.get(t.name) ?? 0, sampler.stop()));
      return result;
    });
    const rps = new Map([...closed].map(([name, rounds]) => [name, rounds.reduce((n, r) => n + r.rps, 0) / rounds.length]));
    const failures = new Map([...closed].map(([name, rounds]) => [name, rounds.reduce((n, r) => n + r.failures, 0)]));
    const share = (name) => rps.get(name) / rps.get(bare);
    const throughputNotes = targets.map((t) => `${t.name} ${rps.get(t.name).toFixed(0)} req/s${t.name === direct ? '' : ` (${(100 * share(t.name)).toFixed(0)}% of bare)`}, ${failures.get(t.name)} failed`);
    const memoryNotes = proxies.map((t) => `${t.name} ${idle.get(t.name).toFixed(0)} MB idle after start, ${idleWarm.get(t.name).toFixed(0)} MB idle after warm-up, ${peaks.get(t.name).toFixed(0)} MB peak under load`);
    const syIdle = idle.get('switchyard');
    const g3 = h.group(
      `proxy: ${CONNECTIONS} connections, closed loop (${ROUNDS}×${CLOSED_PER_ROUND} requests or ${CLOSED_MAX_MS / 1000} s)`,
      `Throughput: ${throughputNotes.join('; ')}. Target ≥ 70% of bare: switchyard ${verdict(share('switchyard') >= 0.7)}, without budgets ${verdict(share('switchyard, no budgets') >= 0.7)}. ` +
        `RSS (MB = 10^6 bytes): a node process that loads nothing ${nodeFloor.toFixed(0)} MB; ${memoryNotes.join('; ')}. ` +
        `Targets: switchyard ≤ 80 MB idle (${verdict(syIdle <= 80)}), ≤ 150 MB under load (${verdict(peaks.get('switchyard') <= 150)}).`,
    );
    for (const t of targets) g3.add(t.name, h.summarize(closed.get(t.name).flatMap((r) => r.samples)), t.name === direct ? {} : { baseline: direct });

    // 4. Streaming: time to the first chunk.
    const ttft = await interleaved(targets, async (t) => {
      const samples = [];
      for (let i = 0; i < STREAMS_PER_ROUND; i++) samples.push(await timeToFirstChunk(t.one, t, STREAM));
      return samples;
    });
    const ttftStats = new Map([...ttft].map(([name, rounds]) => [name, h.summarize(rounds.flat())]));
    const syTtft = ttftStats.get('switchyard').medianNs - ttftStats.get(direct).medianNs;
    const syNbTtft = ttftStats.get('switchyard, no budgets').medianNs - ttftStats.get(direct).medianNs;
    const g4 = h.group(
      'proxy: streaming, time to first chunk (one stream at a time)',
      `The mock sends its first event at once and the rest 5 ms later. Added median over direct: ${proxies.map((t) => `${t.name} ${signed(ttftStats.get(t.name).medianNs - ttftStats.get(direct).medianNs)}`).join('; ')}. ` +
        `Target added ≤ 1 ms: switchyard ${verdict(ms(syTtft) <= 1)}, without budgets ${verdict(ms(syNbTtft) <= 1)}.`,
    );
    for (const t of targets) g4.add(t.name, ttftStats.get(t.name), t.name === direct ? {} : { baseline: direct });

    // The chart docs/benchmarks.md links (BENCH_PROXY_CHART moves it; `-` writes none).
    const chartPath = process.env.BENCH_PROXY_CHART ?? join(root, 'docs', 'bench-proxy.svg');
    if (chartPath !== '-') {
      const fixed = (n, d) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
      const addedBars = (pick) =>
        proxies.map((t) => {
          const v = ms(pick(t.name));
          return { label: t.name, value: v, text: `${v < 0 ? '−' : '+'}${fixed(Math.abs(v), v >= 10 ? 0 : 2)} ms` };
        });
      writeChart(chartPath, {
        title: 'What a proxy adds: Switchyard, a bare fastify+undici passthrough and Portkey’s gateway',
        subtitle:
          `Same run, same mock upstream on 127.0.0.1; ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, node ${process.version}` +
          `${pinned ? ', proxies on core 0, load on core 1' : ''}; ${new Date().toISOString().slice(0, 16)}Z`,
        panels: [
          {
            title: `Throughput, ${CONNECTIONS} connections closed loop (req/s; % of the bare passthrough)`,
            unit: 'req/s',
            bars: targets.map((t) => ({ label: t.name, value: rps.get(t.name), text: `${rps.get(t.name).toFixed(0)} req/s${t.name === direct ? '' : ` (${(100 * share(t.name)).toFixed(0)}%)`}` })),
          },
          { title: `Added latency at ${RATE} req/s, p50 (over direct; target ≤ 0.3 ms)`, unit: 'ms', bars: addedBars((name) => added(name).p50) },
          { title: `Added latency at ${RATE} req/s, p99 (over direct; target ≤ 1 ms)`, unit: 'ms', bars: addedBars((name) => added(name).p99) },
          {
            title: 'Added time to first chunk, streaming (median over direct; target ≤ 1 ms)',
            unit: 'ms',
            bars: addedBars((name) => ttftStats.get(name).medianNs - ttftStats.get(direct).medianNs),
          },
          {
            title: 'RSS under load, peak (MB; target ≤ 150, idle ≤ 80)',
            unit: 'MB',
            bars: proxies.map((t) => ({ label: t.name, value: peaks.get(t.name), text: `${peaks.get(t.name).toFixed(0)} MB peak, ${idle.get(t.name).toFixed(0)} MB idle` })),
          },
        ],
      });
    }

    g1.note +=
      (pinned ? ` Proxies pinned to core ${PROXY_CPU}; the load generator and the mock upstream to core ${LOAD_CPU}.` : ' Nothing pinned.') +
      ` 1-minute load average ${loadBefore.toFixed(2)} before the phases, ${os.loadavg()[0].toFixed(2)} after, on ${os.cpus().length} CPUs (other work on the machine shows up here).` +
      (procs.portkeyError ? ` Portkey's gateway did not start, so it is not measured: ${procs.portkeyError}` : '');
  } finally {
    await Promise.all(pools.map((p) => p.close()));
    await stopAll(procs);
  }
}
