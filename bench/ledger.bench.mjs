// Ledger cost per request: one reserve + one settle against two budgets (a team's and the organisation's), as
// the proxy does for every request. SQLite in memory and on disk (WAL) with synchronous FULL and NORMAL, against
// a plain in-process Map ledger as the baseline; then the same under load (1, 8 and 32 requests in flight, where
// the group commit serves many requests per commit); plus a rate-limit take. Files go to LEDGER_BENCH_DIR or the OS
// temporary directory (check it is on a real disk, not tmpfs, or FULL's fsync costs nothing).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSqliteFile } from '../dist/budget/sqlite-file.js';
import { openSqliteLedger } from '../dist/budget/sqlite-ledger.js';
import { openSqliteRateLimiter } from '../dist/budget/sqlite-rate-limit.js';
import { perMinute } from '../dist/budget/rate-limit.js';
import { windowStart } from '../dist/budget/window.js';

/** The least a ledger can do: check, reserve and settle in Maps, no durability, no exactly-once records kept. */
function mapLedger() {
  const buckets = new Map();
  const open = new Map();
  const k = (c) => `${c.budget}\0${c.bucket}\0${c.window}\0${c.windowStart}`;
  return {
    async reserve(req) {
      if (open.has(req.id)) return { ok: false, reason: 'duplicate' };
      for (const c of req.charges) {
        const b = buckets.get(k(c)) ?? { committed: 0, reserved: 0 };
        if (c.enforce && b.committed + b.reserved + req.amountMicros > c.limitMicros) return { ok: false, reason: 'insufficient' };
      }
      for (const c of req.charges) {
        const key = k(c);
        const b = buckets.get(key) ?? { committed: 0, reserved: 0 };
        b.reserved += req.amountMicros;
        buckets.set(key, b);
      }
      open.set(req.id, req);
      return { ok: true };
    },
    async settle(id, actual) {
      const req = open.get(id);
      if (!req) return { ok: false, reason: 'unknown' };
      open.delete(id);
      const out = req.charges.map((c) => {
        const b = buckets.get(k(c));
        b.reserved -= req.amountMicros;
        b.committed += actual;
        return { ...c, committedMicros: b.committed, reservedMicros: b.reserved };
      });
      return { ok: true, buckets: out };
    },
    async close() {},
  };
}

/**
 * Times `samples` requests one by one. Between requests the loop yields to the event loop (outside the timed
 * region) as a server does between its requests, so the ledger's checkpoint timer runs as it would in the proxy.
 * `split` also times the synchronous part alone: what the event loop is blocked for.
 */
async function perRequest(h, ledger, charges, now, { samples, warmup = 500, maxMs = 8_000, gapMs = 0 }) {
  const total = [];
  const blocked = [];
  const deadline = performance.now() + maxMs;
  for (let i = 0; i < warmup + samples && performance.now() < deadline; i++) {
    const id = `req-${process.pid}-${i}-${Math.random().toString(36).slice(2)}`;
    const t0 = process.hrtime.bigint();
    const reserving = ledger.reserve({ id, charges, amountMicros: 12_000, ttlMs: 300_000, now });
    const t1 = process.hrtime.bigint();
    const r = await reserving;
    if (!r.ok) throw new Error(`reserve refused: ${JSON.stringify(r)}`);
    const t2 = process.hrtime.bigint();
    const settling = ledger.settle(id, 4_321, now);
    const t3 = process.hrtime.bigint();
    const s = await settling;
    const t4 = process.hrtime.bigint();
    if (!s.ok) throw new Error(`settle refused: ${JSON.stringify(s)}`);
    if (i >= warmup) {
      total.push(Number(t1 - t0 + (t4 - t2)));
      blocked.push(Number(t1 - t0 + (t3 - t2)));
    }
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    else if (i % 8 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return { total: h.summarize(total), blocked: h.summarize(blocked) };
}

/**
 * Times each group commit of the ledger file at `path`: joins this process's shared connection to it (the same
 * one the ledger writes through) and wraps its `exec`, which the group commit calls with `COMMIT`. The BEGIN of a
 * turn runs inside the first write's call, so it is already in that call's timed part.
 */
function commitTimer(path) {
  const file = openSqliteFile(path);
  const db = file.db;
  const exec = db.exec;
  const times = [];
  db.exec = function timedExec(sql) {
    if (sql !== 'COMMIT') return exec.call(this, sql);
    const t0 = process.hrtime.bigint();
    try {
      return exec.call(this, sql);
    } finally {
      times.push(Number(process.hrtime.bigint() - t0));
    }
  };
  return {
    /** Commit times (ns) since the last call. */
    take: () => times.splice(0),
    async close() {
      db.exec = exec;
      await file.release();
    },
  };
}

/** Request ids of the loops below, unique over the whole run (a ledger refuses an id it has seen). */
let loadSeq = 0;

/**
 * The proxy under load: `concurrency` requests in flight in a closed loop, each reserve → one event-loop turn
 * (setImmediate, as forwarding would) → settle, awaited. Per request, `blocked` is the synchronous part of its
 * two calls. Per round of `perRound` requests, `cpu` is the ledger's event-loop time amortised per request (the
 * requests' synchronous parts plus every commit of the round) and `wall` the round's wall time per request
 * (throughput; with synchronous=full it includes waiting for the disk, which costs no CPU).
 */
async function inFlight(h, ledger, charges, now, { concurrency, perRound, rounds, maxMs, commits }) {
  const blocked = [];
  const cpu = [];
  const wall = [];
  const commitNs = [];
  let commitCount = 0;
  let requests = 0;
  const deadline = performance.now() + maxMs;
  // Round 0 warms up and is not kept.
  for (let round = 0; round <= rounds && performance.now() < deadline; round++) {
    commits?.take();
    let issued = 0;
    let syncNs = 0;
    const roundBlocked = [];
    const worker = async () => {
      while (issued < perRound) {
        issued++;
        const id = `load-${process.pid}-${loadSeq++}`;
        const t0 = process.hrtime.bigint();
        const reserving = ledger.reserve({ id, charges, amountMicros: 12_000, ttlMs: 300_000, now });
        const t1 = process.hrtime.bigint();
        const r = await reserving;
        if (!r.ok) throw new Error(`reserve refused: ${JSON.stringify(r)}`);
        await new Promise((resolve) => setImmediate(resolve));
        const t2 = process.hrtime.bigint();
        const settling = ledger.settle(id, 4_321, now);
        const t3 = process.hrtime.bigint();
        const s = await settling;
        if (!s.ok) throw new Error(`settle refused: ${JSON.stringify(s)}`);
        const b = Number(t1 - t0 + (t3 - t2));
        syncNs += b;
        roundBlocked.push(b);
      }
    };
    const start = process.hrtime.bigint();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const elapsed = Number(process.hrtime.bigint() - start);
    const roundCommits = commits?.take() ?? [];
    if (round === 0) continue;
    blocked.push(...roundBlocked);
    commitNs.push(...roundCommits);
    commitCount += roundCommits.length;
    requests += roundBlocked.length;
    cpu.push((syncNs + roundCommits.reduce((a, c) => a + c, 0)) / roundBlocked.length);
    wall.push(elapsed / roundBlocked.length);
  }
  return {
    blocked: h.summarize(blocked),
    cpu: h.summarize(cpu),
    wall: h.summarize(wall),
    commit: h.summarize(commitNs),
    /** Reserves and settles (two per request) that shared one commit, on average. */
    writesPerCommit: commitCount > 0 ? (2 * requests) / commitCount : NaN,
  };
}

/** The closed loop of `inFlight` at 1, 8 and 32 requests in flight, for the Map, NORMAL and FULL ledgers. */
async function underLoad(h, ledgers, dir, charges, now) {
  const levels = [1, 8, 32];
  const blocked = h.group(
    'Ledger under load: event loop blocked per request',
    [
      'Closed loop, N requests in flight, each reserve → one event-loop turn (setImmediate) → settle, awaited;',
      'one sample = the synchronous part of one request’s two calls (a turn’s first write also opens its transaction).',
    ].join(' '),
  );
  const cpu = h.group(
    'Ledger under load: ledger CPU per request, amortised',
    [
      'The same loop; one sample = one round of 256 requests: the synchronous parts of all its calls plus all its',
      'commits (each `COMMIT` timed on the shared connection) ÷ 256. The disk flush of synchronous=full runs in the',
      'thread pool and is not counted; the Map rows have no commit.',
    ].join(' '),
  );
  const wall = h.group(
    'Ledger under load: wall time per request (closed loop)',
    'The same loop; one sample = a round’s wall time ÷ its 256 requests (the inverse of throughput; synchronous=full includes waiting for the disk). "writes/commit": reserves and settles sharing one commit, on average.',
  );
  const commit = h.group('Ledger under load: one group commit', 'Each `COMMIT` of the loop, timed: the event loop is blocked for it once per turn, whatever the number of writes in it.');
  const opts = (concurrency) => ({ concurrency, perRound: 256, rounds: 30, maxMs: concurrency === 1 ? 4_000 : 3_000 });
  const mapName = (n) => `Map ledger, ${n} in flight`;
  for (const n of levels) {
    const m = await inFlight(h, ledgers.map, charges, now, opts(n));
    blocked.add(mapName(n), m.blocked);
    cpu.add(mapName(n), m.cpu);
    wall.add(mapName(n), m.wall);
  }
  // The default (flushes 10 ms apart) at 32 in flight, the target's case; at 1 and 8 a round would mostly wait.
  const cases = [
    { mode: 'normal', file: 'normal.db', label: 'normal', levels },
    { mode: 'full', file: 'full.db', label: 'full, flush_ms=0', levels },
    { mode: 'fullDefault', file: 'full-default.db', label: 'full (default, flush_ms=10)', levels: [32] },
  ];
  for (const { mode, file, label, levels: at } of cases) {
    const commits = commitTimer(join(dir, file));
    try {
      for (const n of at) {
        const r = await inFlight(h, ledgers[mode], charges, now, { ...opts(n), commits });
        const name = `sqlite file, WAL, synchronous=${label}, ${n} in flight`;
        const target = n === 32 ? '≤ 50 µs p99' : undefined;
        blocked.add(name, r.blocked, { baseline: mapName(n), target });
        cpu.add(name, r.cpu, { baseline: mapName(n), target });
        wall.add(`${name} (${r.writesPerCommit.toFixed(1)} writes/commit)`, r.wall, { baseline: mapName(n) });
        commit.add(name, r.commit);
      }
    } finally {
      await commits.close();
    }
  }
}

export default async function (h) {
  const dir = mkdtempSync(join(process.env.LEDGER_BENCH_DIR ?? tmpdir(), 'switchyard-ledger-bench-'));
  const now = Date.now();
  const charges = [
    { budget: 'eng-monthly', bucket: 'eng', window: 'month', windowStart: windowStart('month', now), limitMicros: 10 ** 15, enforce: true },
    { budget: 'org-daily', bucket: '*', window: 'day', windowStart: windowStart('day', now), limitMicros: 10 ** 15, enforce: true },
  ];
  const base = 'in-process Map ledger (baseline)';
  const g = h.group(
    'Ledger: reserve + settle per request (two budgets)',
    [
      `One sample = one reserve and one settle of one request, awaited, timed singly; files in \`${process.env.LEDGER_BENCH_DIR ?? 'os.tmpdir()'}\`.`,
      '"until acknowledged" includes waiting for the settlement to be on disk (synchronous=full: a shared fdatasync in the',
      'thread pool, started at least flush_ms after the last one); "event loop blocked" is the synchronous part only, which is',
      'what other requests wait for.',
    ].join(' '),
  );
  const ledgers = {
    map: mapLedger(),
    memory: openSqliteLedger(':memory:'),
    normal: openSqliteLedger(join(dir, 'normal.db'), { synchronous: 'normal' }),
    // flush_ms=0: each settlement's own fdatasync, started as soon as the last one ends (what a flush costs).
    full: openSqliteLedger(join(dir, 'full.db'), { synchronous: 'full', flushMs: 0 }),
    fullDefault: openSqliteLedger(join(dir, 'full-default.db'), { synchronous: 'full' }),
  };
  try {
    const map = await perRequest(h, ledgers.map, charges, now, { samples: 20_000 });
    g.add(base, map.total);
    const memory = await perRequest(h, ledgers.memory, charges, now, { samples: 20_000 });
    g.add('sqlite :memory:', memory.total, { baseline: base });
    const normal = await perRequest(h, ledgers.normal, charges, now, { samples: 20_000 });
    g.add('sqlite file, WAL, synchronous=normal', normal.total, { baseline: base, target: '≤ 50 µs p99' });
    // The same with the process idle 1 ms between requests, as at a low request rate: the CPU's caches go cold,
    // which is also what each request of the synchronous=full rows meets after waiting for its fdatasync.
    const idle = await perRequest(h, ledgers.normal, charges, now, { samples: 3_000, gapMs: 1 });
    g.add('sqlite file, WAL, synchronous=normal, 1 ms idle between requests', idle.total, { baseline: base });
    const full = await perRequest(h, ledgers.full, charges, now, { samples: 3_000 });
    g.add('sqlite file, WAL, synchronous=full, flush_ms=0, until acknowledged', full.total, { baseline: base });
    g.add('sqlite file, WAL, synchronous=full, flush_ms=0, event loop blocked', full.blocked, { baseline: base, target: '≤ 50 µs p99' });
    // The default spaces flushes 10 ms apart: one request at a time, each acknowledgement waits out the gap.
    const fullDefault = await perRequest(h, ledgers.fullDefault, charges, now, { samples: 300 });
    g.add('sqlite file, WAL, synchronous=full (default, flush_ms=10), until acknowledged', fullDefault.total, { baseline: base });
    g.add('sqlite file, WAL, synchronous=full (default, flush_ms=10), event loop blocked', fullDefault.blocked, { baseline: base, target: '≤ 50 µs p99' });

    // Group commit: settlements arriving together share one fdatasync.
    const burst = h.group('Ledger: 100 concurrent settlements, synchronous=full', 'Time from the first settle call until all 100 are acknowledged; one sample per burst.');
    const bursts = [];
    for (let b = 0; b < 30; b++) {
      const ids = Array.from({ length: 100 }, (_, i) => `burst-${b}-${i}`);
      for (const id of ids) await ledgers.full.reserve({ id, charges, amountMicros: 12_000, ttlMs: 300_000, now });
      const t0 = process.hrtime.bigint();
      await Promise.all(ids.map((id) => ledgers.full.settle(id, 4_321, now)));
      bursts.push(Number(process.hrtime.bigint() - t0));
    }
    burst.add('100 settles, all acknowledged', h.summarize(bursts));

    await underLoad(h, ledgers, dir, charges, now);
  } finally {
    for (const l of Object.values(ledgers)) await l.close();
  }

  const r = h.group('Rate limit: one token-bucket take', 'sqlite file, WAL (takes never wait for the disk); 1,000 keys round-robin.');
  const limiter = openSqliteRateLimiter(join(dir, 'rate.db'));
  try {
    const spec = perMinute(1e9);
    let i = 0;
    r.add('sqlite take', await h.measure(() => limiter.take(`team-${i++ % 1_000}`, spec, 1, now + i), { samples: 20_000, batch: 1, warmup: 2_000, maxMs: 8_000 }));
  } finally {
    await limiter.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
