// The per-request log line: written as text for the proxy's own logger, it must be the line pino writes for the
// same fields, whatever the fields hold; other loggers get the fields through their `info`.
import { Writable } from 'node:stream';
import fc from 'fast-check';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { jsonString } from '../../src/proxy/json-text.js';
import { createProxyLogger, requestLine, requestLogOf, type RequestLineFields } from '../../src/proxy/logger.js';
import { REQUEST_ERRORS, type RequestErrorCode } from '../../src/errors.js';

function sink(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let written = '';
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => ((written += chunk.toString()), done()) });
  return { stream, lines: () => written.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('"quoted"', 'back\\slash', 'line\nbreak', '\u0000\u001f', 'é ✓ 🚀'));
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const count = fc.oneof(fc.nat(), fc.double({ noNaN: false }));
const fields: fc.Arbitrary<RequestLineFields> = fc.record({
  team: maybe(text),
  keyId: maybe(text),
  route: maybe(text),
  model: maybe(text),
  provider: maybe(text),
  status: fc.integer({ min: 100, max: 599 }),
  outcome: fc.constantFrom('completed', 'upstream_status', 'denied', 'rejected', 'failed', 'cut', 'aborted'),
  errorCode: maybe(fc.constantFrom(...(Object.keys(REQUEST_ERRORS) as RequestErrorCode[]))),
  attempts: fc.nat({ max: 10 }),
  failures: maybe(fc.array(text, { minLength: 1, maxLength: 3 })),
  usage: maybe(fc.record({ inputTokens: count, outputTokens: count })),
  latencyMs: fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constant(0.912)),
});

describe('request log line', () => {
  it('quotes a string as JSON.stringify does, lone surrogates and control characters included', () => {
    fc.assert(fc.property(fc.oneof(text, fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) })), (s) => {
      expect(jsonString(s)).toBe(JSON.stringify(s));
    }), { numRuns: 1000 });
    for (const s of ['', 'plain', '\ud800', '\udfff x', '\u2028\u2029', '\u007f', '\u001f']) expect(jsonString(s)).toBe(JSON.stringify(s));
  });

  it('is the JSON pino writes for the same fields (besides the time)', () => {
    fc.assert(
      fc.property(text, fields, (reqId, f) => {
        const viaPino = sink();
        createProxyLogger('info', viaPino.stream).info({ reqId, ...f }, 'request');
        const [expected] = viaPino.lines();
        const line = requestLine(1_700_000_000_000, reqId, f);
        expect(line.endsWith('}\n')).toBe(true);
        expect(line.slice(0, -1)).not.toContain('\n');
        const actual = JSON.parse(line) as Record<string, unknown>;
        expect(actual.time).toBe(1_700_000_000_000);
        expect({ ...actual, time: 0 }).toEqual({ ...expected, time: 0 });
        // The same keys in the same order: a reader that streams the line sees what pino would have written.
        expect(Object.keys(actual)).toEqual(Object.keys(expected!));
      }),
      { numRuns: 300 },
    );
  });

  it('goes to the logger’s destination while info is enabled, and not at warn', () => {
    const out = sink();
    const logger = createProxyLogger('info', out.stream);
    const log = requestLogOf(logger);
    const f: RequestLineFields = {
      team: 'engineering', keyId: 'eng-1', route: 'default', model: 'gpt-4-1-mini', provider: 'openai', status: 200, outcome: 'completed',
      errorCode: undefined, attempts: 1, failures: undefined, usage: { inputTokens: 12, outputTokens: 30 }, latencyMs: 0.5,
    };
    log.request('req-1', f);
    logger.level = 'warn';
    log.request('req-2', f);
    log.error({ requestId: 'req-2' }, 'the onSettle hook threw');
    const lines = out.lines();
    expect(lines.map((l) => [l.reqId ?? l.requestId, l.msg])).toEqual([
      ['req-1', 'request'],
      ['req-2', 'the onSettle hook threw'],
    ]);
    expect(lines[0]).toMatchObject({ level: 30, service: 'switchyard', team: 'engineering', usage: { inputTokens: 12, outputTokens: 30 } });
  });

  it('hands its fields to the info of a logger made elsewhere', () => {
    const calls: [string, object, string][] = [];
    const foreign = {
      level: 'info',
      info: (obj: object, msg: string) => calls.push(['info', obj, msg]),
      error: (obj: object, msg: string) => calls.push(['error', obj, msg]),
      warn: () => undefined, debug: () => undefined, trace: () => undefined, fatal: () => undefined, silent: () => undefined,
      child: () => foreign,
    } as unknown as FastifyBaseLogger;
    const log = requestLogOf(foreign);
    log.request('req-9', { team: 't', keyId: undefined, route: undefined, model: undefined, provider: undefined, status: 401, outcome: 'rejected', errorCode: 'invalid_api_key', attempts: 0, failures: undefined, usage: undefined, latencyMs: 0.1 });
    expect(calls).toEqual([['info', expect.objectContaining({ reqId: 'req-9', team: 't', status: 401, errorCode: 'invalid_api_key' }), 'request']]);
  });
});
