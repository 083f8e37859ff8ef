// Ledger cost per request: one reserve + one settle against two budgets (a team's and the organisation's), as
// the proxy does for every request. SQLite in memory and on disk (WAL) with synchronous FULL and NORMAL, against
// a plain in-process Map ledger as the baseline; plus a rate-limit take. Files go to LEDGER_BENCH_DIR or the OS
// temporary directory (check it is on a real disk, not tmpfs, or FULL's fsync costs nothing).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
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
      'thread pool); "event loop blocked" is the synchronous part only, which is what other requests wait for.',
    ].join(' '),
  );
  const ledgers = {
    map: mapLedger(),
    memory: openSqliteLedger(':memory:'),
    normal: openSqliteLedger(join(dir, 'normal.db'), { synchronous: 'normal' }),
    full: openSqliteLedger(join(dir, 'full.db'), { synchronous: 'full' }),
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
    g.add('sqlite file, WAL, synchronous=full (default), until acknowledged', full.total, { baseline: base });
    g.add('sqlite file, WAL, synchronous=full (default), event loop blocked', full.blocked, { baseline: base, target: '≤ 50 µs p99' });

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
