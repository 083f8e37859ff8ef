// The Redis ledger across processes (the built dist/, as `npm test` builds it), on a real redis-server with
// `appendfsync always`: two processes racing at the edge of one budget admit exactly ⌊B/r⌋ reservations between
// them; writers killed with SIGKILL under load lose no acknowledged settlement and their orphaned reservations
// are released by `expire` after the TTL; and so does a redis-server killed with SIGKILL and restarted from its
// append-only file.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BucketKey } from '../../src/budget/ledger.js';
import { openRedisLedger } from '../../src/budget/redis-ledger.js';
import { windowStart } from '../../src/budget/window.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(import.meta.dirname, 'fixtures');
const children: ChildProcess[] = [];
const servers: RedisServer[] = [];

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
  servers.push(server);
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(async () => {
  for (const s of servers) await s.stop();
});

interface Child {
  readonly proc: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<void>;
}

function start(script: string, args: readonly string[], { tolerateFailure = false } = {}): Child {
  if (!existsSync(join(ROOT, 'dist', 'budget', 'redis-ledger.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  const proc = spawn(process.execPath, [join(FIXTURES, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(proc);
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  proc.stdout?.on('data', (data: Buffer) => {
    const parts = (partial + String(data)).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  proc.stderr?.on('data', (data: Buffer) => void (stderr += String(data)));
  const exited = new Promise<void>((resolve, reject) => {
    proc.once('exit', (code, signal) =>
      code === 0 || signal === 'SIGKILL' || tolerateFailure ? resolve() : reject(new Error(`${script} exited ${code}: ${stderr}`)),
    );
  });
  return { proc, lines, exited };
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Lines `<id> <actual>` a writer printed: settlements it saw acknowledged. */
function acknowledgedBy(writer: Child, into: Map<string, number>): void {
  for (const line of writer.lines.slice(1)) {
    const [id, actual] = line.split(' ');
    if (id && actual) into.set(id, Number(actual));
  }
}

interface Stored {
  readonly state: string | null;
  readonly actual: number | null;
}

/** Reads the reservation records straight from Redis (not through the ledger under test). */
async function storedReservations(url: string, namespace: string): Promise<Map<string, Stored>> {
  const redis = new Redis(url);
  try {
    const prefix = `{${namespace}}:res:`;
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const pipeline = redis.pipeline();
    for (const k of keys) pipeline.hmget(k, 's', 'v');
    const replies = (await pipeline.exec()) ?? [];
    const stored = new Map<string, Stored>();
    keys.forEach((k, i) => {
      const [err, value] = replies[i] ?? [null, null];
      if (err) throw err;
      const [state, actual] = Array.isArray(value) ? value : [];
      stored.set(k.slice(prefix.length), { state: typeof state === 'string' ? state : null, actual: typeof actual === 'string' ? Number(actual) : null });
    });
    return stored;
  } finally {
    redis.disconnect();
  }
}

/** Every acknowledged settlement is stored as settled with its amount; committed equals all that is settled. */
async function checkBooks(url: string, namespace: string, day: number, acknowledged: ReadonlyMap<string, number>, killedRounds: number): Promise<void> {
  const stored = await storedReservations(url, namespace);
  for (const [id, actual] of acknowledged) expect(stored.get(id), id).toEqual({ state: 'settled', actual });
  const settledSum = [...stored.values()].reduce((s, r) => s + (r.state === 'settled' ? (r.actual ?? 0) : 0), 0);
  const ackSum = [...acknowledged.values()].reduce((s, a) => s + a, 0);
  // Settled but not yet printed when killed: at most one per lane (4) per killed round, 1,096 micros at most each.
  expect(settledSum - ackSum).toBeGreaterThanOrEqual(0);
  expect(settledSum - ackSum).toBeLessThanOrEqual(killedRounds * 4 * 1_096);

  const now = Date.now();
  const ledger = await openRedisLedger(url, { namespace, clock: () => now });
  try {
    for (const id of [...acknowledged.keys()].slice(0, 50)) expect(await ledger.settle(id, 1, now)).toEqual({ ok: false, reason: 'already-settled' });
    const org: BucketKey = { budget: 'org', bucket: '*', window: 'day', windowStart: day };
    const [before] = await ledger.usage([org]);
    expect(before?.committedMicros).toBe(settledSum);
    // The killed writers' open reservations are still held…
    expect(before?.reservedMicros).toBeGreaterThan(0);
    // …until their TTL (60 s) has passed.
    expect(await ledger.expire(now + 60_000)).toBeGreaterThan(0);
    const [after] = await ledger.usage([org]);
    expect(after).toMatchObject({ committedMicros: settledSum, reservedMicros: 0 });
  } finally {
    await ledger.close();
  }
  const open = [...(await storedReservations(url, namespace)).values()].filter((r) => r.state === 'open');
  expect(open).toHaveLength(0);
}

describe('redis ledger across processes', () => {
  it('admits exactly ⌊B/r⌋ of 200 reservations fired at once by two processes at the edge of one budget', async () => {
    const hour = windowStart('hour', Date.now());
    const B = 500_000;
    const r = 3_001;
    const racers = ['a', 'b'].map((tag) => start('redis-racer.mjs', [server.url, 'raced', tag, '100', String(B), String(r), String(hour)]));
    await until(() => racers.every((p) => p.lines.length > 0), 'both racers to connect');
    for (const p of racers) p.proc.stdin?.write('go\n');
    await Promise.all(racers.map((p) => p.exited));
    const admitted = racers.map((p) => JSON.parse(p.lines[1] ?? '[]') as string[]);
    expect(admitted[0]!.length + admitted[1]!.length).toBe(Math.floor(B / r));

    const ledger = await openRedisLedger(server.url, { namespace: 'raced' });
    try {
      const edge: BucketKey = { budget: 'edge', bucket: '*', window: 'hour', windowStart: hour };
      const watched = ['a', 'b'].map((tag): BucketKey => ({ budget: 'watch', bucket: tag, window: 'hour', windowStart: hour }));
      const [e, wa, wb] = await ledger.usage([edge, ...watched]);
      expect(e).toMatchObject({ committedMicros: Math.floor(B / r) * r, reservedMicros: 0 });
      expect(e!.committedMicros).toBeLessThanOrEqual(B);
      // Each process's monitor bucket saw exactly what that process was admitted.
      expect([wa?.committedMicros, wb?.committedMicros]).toEqual(admitted.map((ids) => ids.length * r));
    } finally {
      await ledger.close();
    }
  });

  it('keeps every acknowledged settlement through repeated kill -9 of writers and releases their reservations after the TTL', async () => {
    const day = windowStart('day', Date.now());
    const acknowledged = new Map<string, number>();
    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      const writer = start('redis-writer.mjs', [server.url, 'killed', `w${round}`, String(day), '4']);
      await until(() => writer.lines.length > 8, 'the writer to settle');
      // A random point after some settlements, bounded in time.
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.floor(Math.random() * 200)));
      writer.proc.kill('SIGKILL');
      await writer.exited;
      acknowledgedBy(writer, acknowledged);
    }
    expect(acknowledged.size).toBeGreaterThan(5 * rounds);
    await checkBooks(server.url, 'killed', day, acknowledged, rounds);
  });

  it('keeps every acknowledged settlement when redis-server itself is killed with -9 and restarted (appendfsync always)', async () => {
    const first = await startRedisServer();
    servers.push(first);
    const day = windowStart('day', Date.now());
    const acknowledged = new Map<string, number>();
    const writer = start('redis-writer.mjs', [first.url, 'server-killed', 'w', String(day), '4'], { tolerateFailure: true });
    await until(() => writer.lines.length > 50, 'the writer to settle');
    await first.kill();
    // The writer now only sees failed commands; what it printed before is what Redis acknowledged.
    writer.proc.kill('SIGKILL');
    await writer.exited;
    acknowledgedBy(writer, acknowledged);
    expect(acknowledged.size).toBeGreaterThan(40);

    const restarted = await startRedisServer({ dir: first.dir });
    servers.push(restarted);
    try {
      await checkBooks(restarted.url, 'server-killed', day, acknowledged, 1);
    } finally {
      await restarted.stop();
      rmSync(first.dir, { recursive: true, force: true });
    }
  });
});
