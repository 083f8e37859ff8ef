// What observability costs: the same proxy (switchyard serve on policies/, SQLite ledger in memory) in one run,
// with telemetry off (no audit log, metrics off, no tracing SDK), with the audit log alone, with spans alone,
// with all of it on — the audit log to a file, metrics recorded and /metrics scraped, spans through a real SDK
// with a batch processor and an exporter that drops them (bench/telemetry-preload.mjs) — and with spans and
// metrics exported over OTLP/HTTP to a local collector. Against the fast mock upstream; rounds interleaved so
// noise from other work on the machine lands on every variant alike. Besides throughput, each proxy's CPU time
// per request is read from /proc: the cost itself, less sensitive to what else the machine is doing.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { closedLoop, send, startChild, stopChild } from './proxy-load.mjs';
import { cpuMs, DEMO_KEY, providerEnv } from './proxy-targets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHAT = JSON.stringify({ model: 'gpt-4-1-mini', messages: [{ role: 'user', content: 'Measure what telemetry adds, please.' }] });
const ROUNDS = 6;
const PER_ROUND = 5_000;
const MAX_MS = 2_500;
const CONNECTIONS = 32;
const SEQUENTIAL = 400;

/** A collector that accepts OTLP/HTTP and counts the bytes (in this process, as a sidecar would be). */
function startCollector() {
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (d) => (bytes += d.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, bytes: () => bytes, close: () => new Promise((r) => server.close(r)) })));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export default async function (h) {
  const procs = [];
  const pools = [];
  const scratch = mkdtempSync(join(os.tmpdir(), 'switchyard-telemetry-bench-'));
  const policyDir = join(scratch, 'policies');
  cpSync(join(root, 'policies'), policyDir, { recursive: true });
  const collector = await startCollector();
  try {
    const mock = await startChild('mock upstream', [join(root, 'bench', 'mock-upstream.mjs')]);
    procs.push(mock);
    const common = ['serve', policyDir, '--port', '0', '--no-watch', '--ledger', 'sqlite::memory:'];
    const env = { ...providerEnv(mock.url), NODE_ENV: 'production' };
    const bin = join(root, 'bin', 'switchyard.js');
    const auditFile = join(scratch, 'audit.jsonl');
    const otlpAudit = join(scratch, 'audit-otlp.jsonl');
    const preload = ['--import', join(root, 'bench', 'telemetry-preload.mjs')];
    const variants = [
      { name: 'telemetry off', args: [bin, ...common, '--metrics', 'off'], env },
      { name: 'audit log only', args: [bin, ...common, '--metrics', 'off', '--audit-log', join(scratch, 'audit-only.jsonl')], env },
      { name: 'spans only (no-op exporter)', args: [...preload, bin, ...common, '--metrics', 'off'], env },
      { name: 'telemetry on (audit file, metrics, spans to a no-op exporter)', args: [...preload, bin, ...common, '--audit-log', auditFile], env, audit: auditFile },
      {
        name: 'telemetry on, spans and metrics over OTLP/HTTP to a local collector',
        args: [bin, ...common, '--audit-log', otlpAudit],
        env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_METRIC_EXPORT_INTERVAL: '1000' },
        audit: otlpAudit,
      },
    ];
    for (const v of variants) {
      v.proc = await startChild(v.name, v.args, { env: v.env, quietStdout: true });
      procs.push(v.proc);
      v.target = { name: v.name, path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: `Bearer ${DEMO_KEY}` } };
      v.one = new Pool(v.proc.url, { connections: 1 });
      v.many = new Pool(v.proc.url, { connections: CONNECTIONS, keepAliveTimeout: 60_000 });
      pools.push(v.one, v.many);
      await send(v.one, v.target, CHAT);
      const warm = await closedLoop(v.many, v.target, CHAT, { total: 3_000, concurrency: 8, maxMs: 5_000 });
      v.sent = 1 + warm.samples.length + warm.failures;
      v.cpuMs = 0;
      v.measured = 0;
    }

    const rps = new Map(variants.map((v) => [v.name, []]));
    const samples = new Map(variants.map((v) => [v.name, []]));
    const seq = new Map(variants.map((v) => [v.name, []]));
    let failures = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of variants) {
        const cpu0 = cpuMs(v.proc.child.pid);
        const r = await closedLoop(v.many, v.target, CHAT, { total: PER_ROUND, concurrency: CONNECTIONS, maxMs: MAX_MS });
        v.cpuMs += cpuMs(v.proc.child.pid) - cpu0;
        v.measured += r.samples.length + r.failures;
        rps.get(v.name).push(r.rps);
        samples.get(v.name).push(...r.samples);
        failures += r.failures;
        v.sent += r.samples.length + r.failures;
        for (let i = 0; i < SEQUENTIAL / ROUNDS; i++) {
          const t0 = process.hrtime.bigint();
          await send(v.one, v.target, CHAT);
          seq.get(v.name).push(Number(process.hrtime.bigint() - t0));
          v.sent += 1;
        }
      }
    }
    // /metrics is scraped as Prometheus would, once per variant that serves it (its cost is off the request path).
    const scrape = await fetch(`${variants[3].proc.url}/metrics`).then((r) => r.text());
    const [off, auditOnly, spansOnly, on, otlp] = variants.map((v) => median(rps.get(v.name)));
    const ratio = on / off;
    const pct = (x) => `${((100 * x) / off).toFixed(1)}%`;
    const cpu = variants.map((v) => (1000 * v.cpuMs) / v.measured);
    const cpuNote = (i) => `${cpu[i].toFixed(0)} µs (+${(100 * (cpu[i] / cpu[0] - 1)).toFixed(1)}%)`;
    await Promise.all(pools.splice(0).map((p) => p.close()));
    for (const v of variants) await stopChild(v.proc);
    const lines = (file) => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    const audited = lines(auditFile);

    const g = h.group(
      `telemetry: ${CONNECTIONS} connections, closed loop (${ROUNDS}×${PER_ROUND} requests or ${MAX_MS / 1000} s per variant, interleaved)`,
      `Throughput (median of ${ROUNDS} rounds): off ${off.toFixed(0)} req/s; audit log only ${pct(auditOnly)}; spans only ${pct(spansOnly)}; ` +
        `all on ${on.toFixed(0)} req/s (${pct(on)} of off); all on over OTLP ${pct(otlp)}. Target: all on ≥ 90% of off — ${ratio >= 0.9 ? 'met' : 'NOT met'}. ` +
        `Proxy CPU per request (user + system, all threads): off ${cpu[0].toFixed(0)} µs; audit only ${cpuNote(1)}; spans only ${cpuNote(2)}; all on ${cpuNote(3)}; over OTLP ${cpuNote(4)}. ` +
        `${failures} requests failed. The audit file holds ${audited} records for ${variants[3].sent} requests sent (${(readFileSync(auditFile).length / audited).toFixed(0)} bytes each); ` +
        `/metrics answered ${scrape.length} bytes; the collector received ${(collector.bytes() / 1e6).toFixed(1)} MB of OTLP.`,
    );
    for (const v of variants) g.add(v.name, h.summarize(samples.get(v.name)), v === variants[0] ? {} : { baseline: variants[0].name });
    const g2 = h.group('telemetry: one request at a time (latency)', 'Keep-alive, non-streaming, through the same three proxies.');
    for (const v of variants) g2.add(v.name, h.summarize(seq.get(v.name)), v === variants[0] ? {} : { baseline: variants[0].name });
  } finally {
    await Promise.all(pools.map((p) => p.close()));
    await Promise.all(procs.map(stopChild));
    await collector.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
