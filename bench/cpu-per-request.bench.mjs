// The proxy's cost as CPU time per request: each proxy alone on its core (core 0 when pinned), driven by 32
// connections flat out in rounds of 2 s, its CPU time (user + system, every thread, from /proc) over the requests
// it answered. The proxy benchmark's throughput is the same cost seen through the load generator and the
// machine's noise; this reads the cost itself, one proxy at a time, so a round of one cannot slow another. The
// ratio to the bare passthrough is the share of its rate a proxy reaches at the same CPU (issue 5: ≥ 70%).
// Run: `npm run build && node bench/run.mjs cpu`.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { closedLoop, constantRate, send, startChild, stopChild } from './proxy-load.mjs';
import { cpuMs, DEMO_KEY, LOAD_CPU, PROXY_CPU, pinSelf, providerEnv, switchyardNodeFlags } from './proxy-targets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHAT = JSON.stringify({ model: 'gpt-4-1-mini', messages: [{ role: 'user', content: 'Measure what the proxy adds, please.' }] });
const CONNECTIONS = 32;
const ROUNDS = 8;
const ROUND_MS = 2_000;
const TARGET_SHARE = 0.7;

/** Starts one proxy; `kind` is bare, budgets (policies/ and a SQLite file ledger) or no-budgets. */
async function startProxy(kind, upstream, cpu, scratch) {
  if (kind === 'bare') {
    const proc = await startChild('bare passthrough', [join(root, 'bench', 'bare-passthrough.mjs')], { env: { UPSTREAM: upstream }, cpu });
    return { proc, authorization: 'Bearer sk-bench' };
  }
  const dir = mkdtempSync(join(scratch, `${kind}-`));
  cpSync(join(root, 'policies'), join(dir, 'policies'), { recursive: true });
  // Without Budget documents (and tests.yaml, which names budgets), ledger in memory: no ledger work at all.
  if (kind === 'no-budgets') for (const name of ['budgets.yaml', 'tests.yaml']) rmSync(join(dir, 'policies', name));
  const ledger = kind === 'budgets' ? `sqlite:${join(dir, 'switchyard.db')}` : 'sqlite::memory:';
  const proc = await startChild(`switchyard (${kind})`, [...switchyardNodeFlags(), join(root, 'bin', 'switchyard.js'), 'serve', join(dir, 'policies'), '--port', '0', '--ledger', ledger], {
    env: { ...providerEnv(upstream), NODE_ENV: 'production' },
    quietStdout: true,
    cpu,
  });
  return { proc, authorization: `Bearer ${DEMO_KEY}` };
}

/** Rounds of `CONNECTIONS` workers flat out for `ROUND_MS`: per round, CPU µs per request and req/s. */
async function rounds(pool, target, pid) {
  const out = [];
  for (let r = 0; r < ROUNDS; r++) {
    const cpu0 = cpuMs(pid);
    const t0 = performance.now();
    const deadline = t0 + ROUND_MS;
    let answered = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (performance.now() < deadline) {
          await send(pool, target, CHAT);
          answered++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    out.push({ usPerRequest: ((cpuMs(pid) - cpu0) * 1000) / answered, rps: answered / seconds, busy: (cpuMs(pid) - cpu0) / 1000 / seconds });
  }
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export default async function (h) {
  const pinned = pinSelf();
  const scratch = mkdtempSync(join(os.tmpdir(), 'switchyard-cpu-bench-'));
  const mock = await startChild('mock upstream', [join(root, 'bench', 'mock-upstream.mjs')], { cpu: pinned ? LOAD_CPU : undefined });
  const measured = new Map();
  try {
    for (const kind of ['bare', 'no-budgets', 'budgets']) {
      const { proc, authorization } = await startProxy(kind, mock.url, pinned ? PROXY_CPU : undefined, scratch);
      const target = { name: kind, path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization } };
      const one = new Pool(proc.url, { connections: 1 });
      const many = new Pool(proc.url, { connections: CONNECTIONS, keepAliveTimeout: 60_000 });
      try {
        // Warm-up as the proxy benchmark's: every answer must be 200 (send throws otherwise), then the JIT works.
        await send(one, target, CHAT);
        await closedLoop(many, target, CHAT, { total: 3_000, concurrency: 8, maxMs: 5_000 });
        await constantRate(one, target, CHAT, { rate: 1_000, count: 2_000 });
        measured.set(kind, await rounds(many, target, proc.child.pid));
      } finally {
        await one.close();
        await many.close();
        await stopChild(proc);
      }
    }
  } finally {
    await stopChild(mock);
    rmSync(scratch, { recursive: true, force: true });
  }
  const us = (kind) => median(measured.get(kind).map((r) => r.usPerRequest));
  const share = (kind) => us('bare') / us(kind);
  const names = { bare: 'bare fastify+undici passthrough', 'no-budgets': 'switchyard, no budgets', budgets: 'switchyard (policies/, SQLite file ledger)' };
  const detail = (kind) => {
    const rs = measured.get(kind);
    return `${names[kind]} ${Math.round(median(rs.map((r) => r.rps)))} req/s at ${(100 * median(rs.map((r) => r.busy))).toFixed(0)}% of a core`;
  };
  const verdict = (kind) => `${(100 * share(kind)).toFixed(0)}% (${share(kind) >= TARGET_SHARE ? 'met' : 'NOT met'})`;
  const g = h.group(
    'proxy: CPU time per request (one proxy at a time, 32 connections flat out)',
    `Per round of ${ROUND_MS / 1000} s (${ROUNDS} rounds): the proxy process's CPU time over the requests it answered; median and p99 of the rounds. ` +
      (pinned ? `Each proxy on core ${PROXY_CPU}, the load generator and the mock upstream on core ${LOAD_CPU}. ` : 'Nothing pinned. ') +
      `Median rates: ${['bare', 'no-budgets', 'budgets'].map(detail).join('; ')}. ` +
      `Share of the bare passthrough's rate at the same CPU (target ≥ ${TARGET_SHARE * 100}%): without budgets ${verdict('no-budgets')}, with budgets ${verdict('budgets')}.`,
  );
  for (const kind of ['bare', 'no-budgets', 'budgets']) {
    g.add(names[kind], h.summarize(measured.get(kind).map((r) => r.usPerRequest * 1000)), kind === 'bare' ? {} : { baseline: names.bare, target: '≤ 1.43× bare (≥ 70% of its rate)' });
  }
}
