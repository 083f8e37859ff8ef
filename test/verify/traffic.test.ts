// Traffic files: request contexts and audit records as they are, bad lines located, blank lines skipped,
// streamed from disk, strict or lenient.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProblem, parseTrafficLine, readTraffic, replay, trafficFromLines, type TrafficItem } from '../../src/verify/traffic.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-traffic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function collect(items: AsyncIterable<TrafficItem>): Promise<TrafficItem[]> {
  const out: TrafficItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('parseTrafficLine', () => {
  it('reads a request context, keeping usage and time out of the context', () => {
    const r = parseTrafficLine('{"team":"eng","model":"auto","promptTokens":12,"usage":{"inputTokens":10,"outputTokens":3},"time":"2025-06-02T10:00:00+02:00"}');
    expect(r).toEqual({ ok: true, record: { ctx: { team: 'eng', model: 'auto', promptTokens: 12 }, usage: { inputTokens: 10, outputTokens: 3 }, timeMs: Date.UTC(2025, 5, 2, 8) } });
  });

  it('accepts an audit record as it is: the context, ids from the record, the recorded decision', () => {
    const line = JSON.stringify({
      level: 30,
      time: 1748858400000,
      requestId: 'req-1',
      keyId: 'k-1',
      team: 'eng',
      context: { team: 'eng', task: 'code', model: 'auto', stickyKey: 'conv-9' },
      route: 'code',
      candidates: [{ model: 'big-us', provider: 'us', upstreamModel: 'big-1' }],
      outcome: 'route',
      usage: { inputTokens: 5, outputTokens: 7 },
      attempts: [{ provider: 'us', status: 200 }],
      costUsd: 0.01,
    });
    const r = parseTrafficLine(line);
    expect(r).toEqual({
      ok: true,
      record: {
        ctx: { team: 'eng', task: 'code', model: 'auto', stickyKey: 'conv-9', requestId: 'req-1', keyId: 'k-1' },
        usage: { inputTokens: 5, outputTokens: 7 },
        timeMs: 1748858400000,
        recorded: { outcome: 'route', route: 'code', model: 'big-us' },
      },
    });
  });

  it('an audit record of a refused request with an empty header value keeps it, to be decided again', () => {
    const r = parseTrafficLine('{"requestId":"r1","decided":true,"context":{"team":"eng","model":"auto","task":"","dataClass":""},"outcome":"deny","deny":{"code":"invalid_request"}}');
    expect(r.ok && r.record.ctx).toEqual({ team: 'eng', model: 'auto', task: '', dataClass: '', requestId: 'r1' });
  });

  it('an audit record keeps its context\'s own request id', () => {
    const r = parseTrafficLine('{"requestId":"outer","context":{"team":"eng","model":"auto","requestId":"inner"}}');
    expect(r.ok && r.record.ctx.requestId).toBe('inner');
  });

  it.each([
    ['{"team":', /^not valid JSON: /],
    ['[1,2]', /^a line must be a JSON object/],
    ['{"model":"auto"}', /^the request needs `team`$/],
    ['{"context":{"team":"eng"}}', /^the request needs `model` in `context`$/],
    ['{"team":"eng","model":"auto","promptTokens":-1}', /`promptTokens` must be >= 0/],
    ['{"team":"eng","model":"auto","usage":{"outputTokens":1.5}}', /`usage\.outputTokens` must be integer/],
    ['{"team":"eng","model":"auto","time":"yesterday"}', /^`time` must be an ISO 8601 timestamp/],
    ['{"team":"eng","model":"auto","time":"2025-13-45T99:00:00Z"}', /^`time` `2025-13-45T99:00:00Z` is not a valid date$/],
    ['{"context":"eng"}', /^`context` must be object$/],
    ['{"team":"eng","model":"auto","time":1e20}', /^`time` `100000000000000000000` is not a valid date$/],
    ['{"team":"eng","model":"auto","time":8640000000000001}', /^`time` `8640000000000001` is not a valid date$/],
    ['{"team":"eng","model":"auto","promptTokens":1e30}', /^`promptTokens` must be a whole number of tokens from 0 to 9007199254740991/],
    ['{"team":"eng","model":"auto","maxTokens":1e300}', /^`maxTokens` must be a whole number of tokens/],
    ['{"team":"eng","model":"auto","usage":{"inputTokens":1e30}}', /^`usage\.inputTokens` must be a whole number of tokens/],
    ['{"context":{"team":"eng","model":"auto","promptTokens":1e30}}', /^`promptTokens` must be a whole number of tokens .* in `context`$/],
    ['{"team":"eng","model":"auto","task":""}', /`task` must NOT have fewer than 1 characters/],
  ])('rejects %s with a one-line message', (line, message) => {
    const r = parseTrafficLine(line);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(message);
      expect(r.message).not.toContain('\n');
    }
  });
});

describe('readTraffic', () => {
  it('streams a file: records and located problems in line order, blank lines and CRLF ignored', async () => {
    const path = file('mixed.jsonl', '{"team":"a","model":"m"}\r\n\r\n   \n{"team":\n{"context":{"team":"b","model":"m"}}\n');
    const items = await collect(readTraffic(path, 'traffic/mixed.jsonl'));
    expect(items.map((i) => (i.kind === 'record' ? `record ${i.record.line} ${i.record.ctx.team}` : formatProblem(i.problem).replace(/: not valid JSON.*/, ': not valid JSON')))).toEqual([
      'record 1 a',
      'traffic/mixed.jsonl:4: not valid JSON',
      'record 5 b',
    ]);
  });

  it('tolerates a UTF-8 byte order mark at the start of the file', async () => {
    const path = file('bom.jsonl', '\uFEFF{"team":"a","model":"m"}\n{"team":"b","model":"m"}\n');
    const items = await collect(readTraffic(path));
    expect(items.map((i) => (i.kind === 'record' ? i.record.ctx.team : i.problem.message))).toEqual(['a', 'b']);
    const inMemory = [...trafficFromLines(['\uFEFF{"team":"a","model":"m"}'])];
    expect(inMemory.map((i) => i.kind)).toEqual(['record']);
  });

  it('throws for a file that cannot be read (an I/O failure, not a bad line)', async () => {
    await expect(collect(readTraffic(join(dir, 'missing.jsonl')))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('replay', () => {
  const lines = ['{"team":"a","model":"m"}', 'oops', '{"team":"b","model":"m"}', '{"team":"c","model":"m"}'];

  it('skips bad lines, reporting each', async () => {
    const seen: string[] = [];
    const problems: number[] = [];
    const r = await replay(trafficFromLines(lines, 't.jsonl'), (rec) => void seen.push(rec.ctx.team), { onProblem: (p) => void problems.push(p.line) });
    expect(r).toEqual({ ok: true, records: 3, skipped: 1 });
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(problems).toEqual([2]);
  });

  it('stops at the first bad line when strict', async () => {
    const seen: string[] = [];
    const r = await replay(trafficFromLines(lines, 't.jsonl'), (rec) => void seen.push(rec.ctx.team), { strict: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatchObject({ file: 't.jsonl', line: 2 });
    expect(seen).toEqual(['a']);
  });

  it('reports progress every N records', async () => {
    const many = Array.from({ length: 25 }, (_, i) => `{"team":"t${i}","model":"m"}`);
    const progress: number[] = [];
    await replay(trafficFromLines(many), () => undefined, { onProgress: (n) => void progress.push(n), progressEvery: 10 });
    expect(progress).toEqual([10, 20]);
  });
});
