// Durability (issue 9): `switchyard serve` on a SQLite ledger, killed with SIGKILL at a random moment while
// clients keep it busy, restarted on the same file, again and again. Every request whose client received its
// complete answer is charged in the ledger (the proxy commits the spend before the answer leaves), the file
// passes `PRAGMA integrity_check`, and the reservations the killed processes left are released by expiry.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RESERVATION_TTL_MS } from '../../src/budget/budget-runtime.js';
import { costMicros } from '../../src/budget/money.js';
import { openSqliteLedger } from '../../src/budget/sqlite-ledger.js';
import { budgetSnapshot, budgetSources, dayBucket, PROMPT, PROMPT_TOKENS, STREAM_KEY } from '../proxy/budget-fixture.js';
import { closeSims, CREDENTIALS, startSims, type Sims } from '../proxy/fixture.js';
import { atScale, report } from './scale.js';
import { killHard, startServe, writeFiles, type ServeProcess } from './support.js';

const CYCLES = atScale(5, 50);
const CLIENTS = 8;
const MAX_TOKENS = 8;
/** A bound on each cycle's load loop, far above what a cycle takes. */
const MAX_REQUESTS_PER_CYCLE = 20_000;

let sims: Sims;
let dir: string;

beforeAll(async () => {
  sims = await startSims();
  dir = mkdtempSync(join(tmpdir(), 'switchyard-durability-'));
  writeFiles(dir, budgetSources());
});
afterAll(async () => {
  await closeSims(sims);
  rmSync(dir, { recursive: true, force: true });
});

interface CycleResult {
  readonly acknowledged: string[];
  readonly failed: number;
}

/** Clients hammer one process; at a random moment after its first complete answer, it is killed. */
async function cycle(proc: ServeProcess): Promise<CycleResult> {
  const agent = new Agent({ connections: CLIENTS });
  const acknowledged: string[] = [];
  let failed = 0;
  let sent = 0;
  let stop = false;
  const body = JSON.stringify({ model: 'auto', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: PROMPT }] });
  const client = async (): Promise<void> => {
    while (!stop && sent < MAX_REQUESTS_PER_CYCLE) {
      sent += 1;
      try {
        const res = await request(`${proc.url}/v1/chat/completions`, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${STREAM_KEY}` },
          body,
        });
        const text = await res.body.text();
        const id = res.headers['x-switchyard-request-id'];
        // Acknowledged: a 200 whose whole body arrived (it parses) — what a client would act on.
        if (res.statusCode === 200 && typeof id === 'string' && typeof (JSON.parse(text) as { id?: unknown }).id === 'string') acknowledged.push(id);
        else failed += 1;
      } catch {
        failed += 1; // cut by the kill: not acknowledged
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  const deadline = Date.now() + 10_000;
  while (acknowledged.length === 0 && Date.now() < deadline) await sleep(5);
  await sleep(20 + Math.floor(Math.random() * 250));
  stop = true;
  await killHard(proc);
  await Promise.all(clients);
  await agent.destroy();
  return { acknowledged, failed };
}

describe('kill -9 during load on the SQLite ledger', () => {
  it(`keeps every acknowledged settlement through ${CYCLES} kill -9 cycles and leaves a sound file`, { timeout: 600_000 }, async () => {
    const env = { ...CREDENTIALS, SIM_A: sims.a.url, SIM_B: sims.b.url, SIM_EU: sims.eu.url, SIM_C: sims.c.url, SIM_D: sims.d.url };
    const acknowledged = new Set<string>();
    let failed = 0;
    for (let i = 0; i < CYCLES; i++) {
      const proc = await startServe(['policies', '--no-watch', '--port', '0', '--ledger', 'sqlite:ledger.db'], { cwd: dir, env });
      const result = await cycle(proc);
      expect(result.acknowledged.length, `cycle ${i} acknowledged nothing`).toBeGreaterThan(0);
      for (const id of result.acknowledged) acknowledged.add(id);
      failed += result.failed;
    }

    const file = join(dir, 'ledger.db');
    const db = new Database(file, { readonly: true });
    let rows: { id: string; state: string; actual: number | null }[];
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      rows = db.prepare<[], { id: string; state: string; actual: number | null }>('SELECT id, state, actual FROM reservations').all();
    } finally {
      db.close();
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    // Each answer was 8 tokens for an 11-token prompt from primary-mini: its cost, settled once.
    const cost = costMicros(budgetSnapshot(sims).policy.models.get('primary-mini')!.spec, PROMPT_TOKENS, MAX_TOKENS);
    const lost = [...acknowledged].filter((id) => byId.get(id)?.state !== 'settled');
    expect(lost).toEqual([]);
    expect([...acknowledged].filter((id) => byId.get(id)?.actual !== cost)).toEqual([]);

    // Committed is exactly what was settled; the killed processes' open reservations expire after their TTL.
    const settled = rows.filter((r) => r.state === 'settled').reduce((sum, r) => sum + (r.actual ?? 0), 0);
    const open = rows.filter((r) => r.state === 'open').length;
    const now = Date.now();
    const ledger = openSqliteLedger(file, { clock: () => now });
    try {
      const key = dayBucket('stream-daily', 'streamy-key', now);
      const [before] = await ledger.usage([key]);
      expect(before?.committedMicros).toBe(settled);
      await ledger.expire(now + DEFAULT_RESERVATION_TTL_MS + 1);
      const [after] = await ledger.usage([key]);
      expect(after).toMatchObject({ committedMicros: settled, reservedMicros: 0 });
    } finally {
      await ledger.close();
    }
    report('durability', { cycles: CYCLES, acknowledged: acknowledged.size, cutByKill: failed, openAtKill: open, lost: lost.length });
  });
});
