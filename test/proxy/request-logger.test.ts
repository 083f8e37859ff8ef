// fastify's per-request logger is made lazily: nothing is built until something logs through it, and what it
// then writes is what pino's own child writes, bound to the request id.
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createProxyLogger } from '../../src/proxy/logger.js';
import { lazyChildLogger } from '../../src/proxy/request-logger.js';

function sink(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let written = '';
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => ((written += chunk.toString()), done()) });
  return { stream, lines: () => written.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('lazy request logger', () => {
  it('makes no child until it logs, then writes what pino’s child writes', () => {
    const out = sink();
    const parent = createProxyLogger('info', out.stream);
    const child = vi.spyOn(parent, 'child');
    const log = lazyChildLogger(parent, { reqId: 'req-1' }, {});
    expect(log.level).toBe('info');
    log.debug('below the level');
    expect(child).toHaveBeenCalledTimes(1);
    log.error({ event: 'boom' }, 'request failed: %s', 'bad body');
    log.warn('second line');
    expect(child).toHaveBeenCalledTimes(1);
    const [first, second] = out.lines();
    expect(first).toMatchObject({ level: 50, reqId: 'req-1', event: 'boom', msg: 'request failed: bad body', service: 'switchyard' });
    expect(second).toMatchObject({ level: 40, reqId: 'req-1', msg: 'second line' });
    expect(out.lines()).toHaveLength(2);
  });

  it('builds nothing for a request that never logs', () => {
    const parent = createProxyLogger('info', sink().stream);
    const child = vi.spyOn(parent, 'child');
    for (let i = 0; i < 10; i++) lazyChildLogger(parent, { reqId: `req-${i}` }, {});
    expect(child).not.toHaveBeenCalled();
  });

  it('keeps a route’s level and passes children and level changes to the real logger', () => {
    const out = sink();
    const parent = createProxyLogger('info', out.stream);
    const log = lazyChildLogger(parent, { reqId: 'req-2' }, { level: 'warn' });
    expect(log.level).toBe('warn');
    log.info('dropped at warn');
    log.level = 'debug';
    log.debug('kept at debug');
    log.child({ attempt: 1 }).info('from a grandchild');
    expect(out.lines().map((l) => [l.msg, l.reqId])).toEqual([
      ['kept at debug', 'req-2'],
      ['from a grandchild', 'req-2'],
    ]);
    expect(out.lines()[1]).toMatchObject({ attempt: 1 });
  });
});
