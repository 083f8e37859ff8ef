// Redis ledger cost per request against a local redis-server started here: one reserve + one settle against two
// budgets (a team's and the organisation's), as the proxy does for every request, with a plain PING round trip on
// the same kind of connection as the baseline. Round trips per phase are counted with MONITOR (commands a client
// sent; the commands a script runs inside Redis are not round trips). The server runs as the tests run it
// (appendonly yes, appendfsync always: every write is fsynced before its reply) and, for comparison, without
// persistence. Files go to LEDGER_BENCH_DIR or the OS temporary directory (check it is a real disk, not tmpfs).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { openRedisLedger } from '../dist/budget/redis-ledger.js';
import { openRedisRateLimiter } from '../dist/budget/redis-rate-limit.js';
import { perMinute } from '../dist/budget/rate-limit.js';
import { windowStart } from '../dist/budget/window.js';

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function startRedis(dir, persistence) {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no', '--logfile', ''];
  args.push(...(persistence ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (d) => (output += d));
  proc.stderr.on('data', (d) => (output += d));
  const failed = new Promise((_, reject) => proc.once('error', (err) => reject(new Error(`redis-server: ${err.message} (is it installed?)`))));
  const deadline = Date.now() + 10_000;
  while (!output.includes('Ready to accept connections')) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start: ${output}`);
    await Promise.race([failed, new Promise((resolve) => setTimeout(resolve, 10))]);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => (proc.exitCode !== null ? resolve() : (proc.once('exit', resolve), proc.kill('SIGTERM')))),
  };
}

/** Times `op(i)` singly, awaited, `samples` times after a warm-up, bounded in wall time. */
async function timed(h, op, { samples = 5_000, warmup = 300, maxMs = 6_000 } = {}) {
  const out = [];
  const deadline = Date.now() + maxMs;
  for (let i = 0; i < warmup + samples && Date.now() < deadline; i++) {
    const t0 = process.hrtime.bigint();
    await op(i);
    const dt = Number(process.hrtime.bigint() - t0);
    if (i >= warmup) out.push(dt);
  }
  return h.summarize(out);
}

/** Runs `body` with MONITOR on and returns how many commands clients sent meanwhile, by command name. */
async function countCommands(url, body) {
  // Connected before MONITOR starts, so that their own handshakes are not counted.
  const client = new Redis(url);
  const probe = new Redis(url);
  await probe.ping();
  const monitor = await client.monitor();
  const counts = new Map();
  const marker = `bench-marker-${Math.random().toString(36).slice(2)}`;
  let seenMarker;
  const markerSeen = new Promise((resolve) => (seenMarker = resolve));
  monitor.on('monitor', (_time, args, source) => {
    if (source === 'lua') return;
    const name = String(args[0]).toLowerCase();
    if (name === 'echo' && args[1] === marker) return seenMarker();
    counts.set(name, (counts.get(name) ?? 0) + 1);
  });
  await body();
  // MONITOR events arrive asynchronously: a marker command sent after the body closes the count.
  await probe.echo(marker);
  await markerSeen;
  probe.disconnect();
  monitor.disconnect();
  client.disconnect();
  return counts;
}

const perCall = (counts, calls) =>
  [...counts].map(([name, n]) => `${(n / calls).toFixed(2)} ${name.toUpperCase()}`).join(' + ') || '0';

export default async function (h) {
  const dir = mkdtempSync(join(process.env.LEDGER_BENCH_DIR ?? tmpdir(), 'switchyard-redis-bench-'));
  const durable = await startRedis(join(dir), true);
  const volatileDir = mkdtempSync(join(dir, 'volatile-'));
  const memory = await startRedis(volatileDir, false);
  const now = Date.now();
  const charges = [
    { budget: 'eng-monthly', bucket: 'eng', window: 'month', windowStart: windowStart('month', now), limitMicros: 10 ** 15, enforce: true },
    { budget: 'org-daily', bucket: '*', window: 'day', windowStart: windowStart('day', now), limitMicros: 10 ** 15, enforce: true },
  ];
  const keys = charges.map(({ budget, bucket, window, windowStart: start }) => ({ budget, bucket, window, windowStart: start }));
  const tag = Math.random().toString(36).slice(2);
  const reserve = (ledger, id) => ledger.reserve({ id, charges, amountMicros: 12_000, ttlMs: 300_000, now });
  const settle = (ledger, id) => ledger.settle(id, 4_321, now);
  const check = (r) => {
    if (!r.ok) throw new Error(`refused: ${JSON.stringify(r)}`);
  };

  const ledger = await openRedisLedger(durable.url, { namespace: `bench-${tag}` });
  const limiter = await openRedisRateLimiter(durable.url, { namespace: `bench-${tag}` });
  const volatileLedger = await openRedisLedger(memory.url, { namespace: `bench-${tag}` });
  const ping = new Redis(durable.url);
  const pingVolatile = new Redis(memory.url);
  try {
    // Round trips, counted once on the side (MONITOR slows the server, so no timing while it is on).
    const calls = 200;
    const phases = {
      reserve: await countCommands(durable.url, async () => {
        for (let i = 0; i < calls; i++) check(await reserve(ledger, `count-${i}`));
      }),
      settle: await countCommands(durable.url, async () => {
        for (let i = 0; i < calls; i++) check(await settle(ledger, `count-${i}`));
      }),
      usage: await countCommands(durable.url, async () => {
        for (let i = 0; i < calls; i++) await ledger.usage([...keys, ...keys]);
      }),
      take: await countCommands(durable.url, async () => {
        for (let i = 0; i < calls; i++) await limiter.take(`team-${i % 10}`, perMinute(1e9), 1, now + i);
      }),
    };
    const trips = Object.entries(phases)
      .map(([phase, counts]) => `${phase} ${perCall(counts, calls)}`)
      .join('; ');

    const g = h.group(
      'Redis ledger: per phase against a local redis-server (appendfsync always)',
      [
        `Round trips per call, counted with MONITOR over ${calls} calls each: ${trips} (usage asked for 4 buckets).`,
        'One sample = one call awaited, timed singly, one connection; the baseline is a PING on an ioredis connection to the same server.',
        `Files in \`${process.env.LEDGER_BENCH_DIR ?? 'os.tmpdir()'}\`.`,
      ].join(' '),
    );
    const base = 'PING round trip (baseline)';
    g.add(base, await timed(h, () => ping.ping()));
    // The settle phase settles the reservations the reserve phase made; its time limit may stop it first.
    let reserved = 0;
    g.add(
      'reserve (1 script)',
      await timed(h, async (i) => {
        check(await reserve(ledger, `r-${i}`));
        reserved = i + 1;
      }),
      { baseline: base, target: '1 round trip' },
    );
    const settleWarmup = Math.min(300, Math.floor(reserved / 2));
    g.add('settle (1 script, fsynced before the reply)', await timed(h, (i) => settle(ledger, `r-${i}`).then(check), { warmup: settleWarmup, samples: reserved - settleWarmup }), {
      baseline: base,
      target: '1 round trip',
    });
    g.add(
      'reserve + settle of one request',
      await timed(h, async (i) => {
        check(await reserve(ledger, `rs-${i}`));
        check(await settle(ledger, `rs-${i}`));
      }),
      { baseline: base, target: '2 round trips' },
    );
    g.add('usage of 4 buckets (1 script)', await timed(h, () => ledger.usage([...keys, ...keys])), { baseline: base, target: '1 round trip' });
    g.add('rate limit take (1 script)', await timed(h, (i) => limiter.take(`team-${i % 1_000}`, perMinute(1e9), 1, now + i)), { baseline: base });

    const v = h.group('Redis ledger: without persistence (appendonly no)', 'The same reserve + settle against a server that never fsyncs: what appendfsync always costs.');
    const vbase = 'PING round trip (baseline, no persistence)';
    v.add(vbase, await timed(h, () => pingVolatile.ping()));
    v.add(
      'reserve + settle of one request, no persistence',
      await timed(h, async (i) => {
        check(await reserve(volatileLedger, `v-${i}`));
        check(await settle(volatileLedger, `v-${i}`));
      }),
      { baseline: vbase },
    );

    // Many requests in flight share round trips (ioredis pipelines) and Redis's fsyncs (one per event-loop turn).
    const c = h.group('Redis ledger: 200 requests in flight (appendfsync always)', 'Time from the first reserve until all 200 settles are acknowledged; one sample per burst.');
    const bursts = [];
    for (let b = 0; b < 30; b++) {
      const ids = Array.from({ length: 200 }, (_, i) => `burst-${b}-${i}`);
      const t0 = process.hrtime.bigint();
      await Promise.all(ids.map((id) => reserve(ledger, id).then(check).then(() => settle(ledger, id)).then(check)));
      bursts.push(Number(process.hrtime.bigint() - t0));
    }
    c.add('200 × (reserve + settle), all acknowledged', h.summarize(bursts));
  } finally {
    ping.disconnect();
    pingVolatile.disconnect();
    await ledger.close();
    await volatileLedger.close();
    await limiter.close();
    await durable.stop();
    await memory.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
