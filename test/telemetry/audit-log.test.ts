// The audit log file: appended JSON lines, flushed on close, rotation by rename (reopen) and by copytruncate,
// and a path that cannot be opened refused with a one-line reason.
import { mkdtemp, readFile, rename, rm, truncate, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/telemetry/audit.js';
import { AUDIT_KIND, type AuditRecord } from '../../src/telemetry/audit-record.js';
import { trafficFromLines } from '../../src/verify/traffic.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-audit-log-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A decided record, as the proxy writes one. */
const record = (n: number): AuditRecord => ({
  kind: AUDIT_KIND,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  requestId: `req-${n}`,
  keyId: 'k',
  team: 'app',
  protocol: 'openai',
  policyVersion: 'v1',
  decided: true,
  context: { team: 'app', model: 'auto', requestId: `req-${n}` },
  outcome: 'route',
  route: 'default',
  model: 'primary-mini',
  candidates: [{ model: 'primary-mini', provider: 'oa-primary', upstreamModel: 'up-primary' }],
  attempts: [{ model: 'primary-mini', provider: 'oa-primary', result: 'ok', status: 200, note: 'answered 200', ms: 1 }],
  result: 'completed',
  status: 200,
  stream: false,
  latencyMs: 2,
});

const ids = async (path: string): Promise<string[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as AuditRecord).requestId);

function open(path: string): AuditLog {
  const opened = AuditLog.open(path);
  if (!opened.ok) throw new Error(opened.error);
  return opened.log;
}

describe('the audit log file', () => {
  it('appends to what is there, creates missing directories, and has every record on disk after close', async () => {
    const path = join(dir, 'a', 'b', 'audit.jsonl');
    const first = open(path);
    for (let i = 0; i < 3; i++) first.write(record(i));
    await first.close();
    const second = open(path);
    for (let i = 3; i < 1000; i++) second.write(record(i));
    expect(second.records).toBe(997);
    await second.close();
    const written = await ids(path);
    expect(written).toHaveLength(1000);
    expect(written[999]).toBe('req-999');
    // Writes after close are dropped, not thrown.
    second.write(record(1000));
    expect(await ids(path)).toHaveLength(1000);
  });

  it('starts a new file at the same path on reopen after a rename-style rotation', async () => {
    const path = join(dir, 'rotate.jsonl');
    const log = open(path);
    log.write(record(1));
    log.write(record(2));
    await log.flush();
    await rename(path, `${path}.1`);
    log.write(record(3));
    log.reopen();
    log.write(record(4));
    await log.close();
    // Record 3 was written before the reopen: it belongs to the rotated file, even if it was still buffered.
    expect(await ids(`${path}.1`)).toEqual(['req-1', 'req-2', 'req-3']);
    expect(await ids(path)).toEqual(['req-4']);
  });

  it('survives copytruncate: later records start at the beginning of the truncated file, with no hole', async () => {
    const path = join(dir, 'copytruncate.jsonl');
    const log = open(path);
    log.write(record(1));
    await log.flush();
    await truncate(path, 0);
    log.write(record(2));
    await log.close();
    const text = await readFile(path, 'utf8');
    expect(text.includes('\u0000')).toBe(false);
    expect(await ids(path)).toEqual(['req-2']);
  });

  it('refuses a path it cannot open with a one-line reason', async () => {
    const aDir = join(dir, 'is-a-dir');
    await mkdir(aDir);
    const r = AuditLog.open(aDir);
    expect(r).toEqual({ ok: false, error: `cannot open the audit log \`${aDir}\`: it is a directory` });
    await writeFile(join(dir, 'file'), 'x');
    const under = AuditLog.open(join(dir, 'file', 'audit.jsonl'));
    expect(under.ok).toBe(false);
    if (!under.ok) expect(under.error).not.toContain('\n');
    expect(AuditLog.open('')).toMatchObject({ ok: false });
  });

  it('writes lines that traffic readers take, skipping undecided ones', () => {
    const undecided: AuditRecord = { ...record(9), decided: false, context: undefined, outcome: undefined, route: undefined, model: undefined, candidates: undefined, result: 'rejected', status: 401 };
    const lines = [JSON.stringify(record(1)), JSON.stringify(undecided), JSON.stringify(record(2))];
    const items = [...trafficFromLines(lines)];
    expect(items.map((i) => i.kind)).toEqual(['record', 'record']);
    expect(items.map((i) => (i.kind === 'record' ? i.record.line : 0))).toEqual([1, 3]);
    const [first] = items;
    expect(first?.kind === 'record' ? first.record.recorded : undefined).toEqual({ outcome: 'route', route: 'default', model: 'primary-mini' });
  });
});
