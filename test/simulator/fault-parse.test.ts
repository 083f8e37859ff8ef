// Narrowing faults and config from JSON, and the fault queue's consumption rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFaultNames, validateConfigPatch } from '../../src/simulator/config.js';
import { FaultQueue, parseFault, seededRandom } from '../../src/simulator/faults.js';

describe('parseFault', () => {
  it('labels faults as stats count them', () => {
    const label = (input: unknown): string => {
      const r = parseFault(input, 'fault 1');
      if (!r.ok) throw new Error(r.error);
      return r.value.fault.label;
    };
    expect(label({ status: 503 })).toBe('503');
    expect(label({ reset: true })).toBe('reset');
    expect(label({ firstByteDelayMs: 10 })).toBe('first-byte-delay');
    expect(label({ firstByteDelayMs: 10, status: 500 })).toBe('first-byte-delay+500');
    expect(label({ cutAfterChunks: 2, noUsage: true })).toBe('cut+no-usage');
    expect(label({})).toBe('none');
  });

  it.each([
    [[], 'fault 1 must be a json object'],
    [{ status: 99 }, 'fault 1: `status` must be an http status from 200 to 599, got `99`'],
    [{ status: 503, cutAfterChunks: 2 }, 'fault 1: `cutAfterChunks` and `noUsage` apply to normal answers, not to `status` or `reset`'],
    [{ retryAfter: 1 }, 'fault 1: `body` and `retryAfter` need a `status`'],
    [{ cutAfterChunks: -1 }, 'fault 1: `cutAfterChunks` must be a non-negative integer'],
    [{ count: 0 }, 'fault 1: `count` must be a positive integer'],
    [{ headers: { a: 1 } }, 'fault 1: `headers` must map names to strings'],
  ])('rejects %j', (input, message) => {
    expect(parseFault(input, 'fault 1')).toEqual({ ok: false, error: message });
  });
});

describe('FaultQueue', () => {
  it('takes the first matching fault and leaves the others in order', () => {
    const q = new FaultQueue();
    expect(q.push([{ status: 500 }], { model: 'a' })).toEqual({ ok: true, value: 1 });
    expect(q.push([{ status: 502 }, { status: 503 }])).toEqual({ ok: true, value: 3 });
    expect(q.take('/v1/messages', 'b', '')?.label).toBe('502');
    expect(q.take('/v1/messages', 'a', '')?.label).toBe('500');
    expect(q.take('/v1/messages', 'a', '')?.label).toBe('503');
    expect(q.take('/v1/messages', 'a', '')).toBeNull();
  });

  it('rejects a bad match without queuing', () => {
    const q = new FaultQueue();
    expect(q.push([{ status: 500 }], { team: 'x' })).toEqual({ ok: false, error: 'match: unknown field `team`; expected model, path or apiKey' });
    expect(q.size).toBe(0);
  });

  it('serves exactly the total count of every queued fault', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 10 }), (counts) => {
        const q = new FaultQueue();
        q.push(counts.map((count) => ({ status: 500, count })));
        let served = 0;
        while (q.take('/v1/chat/completions', 'm', '') !== null) served += 1;
        return served === counts.reduce((a, b) => a + b, 0) && q.size === 0;
      }),
    );
  });
});

describe('config', () => {
  it('parses fault name lists', () => {
    expect(parseFaultNames('500, reset,cut')).toEqual({ ok: true, value: ['500', 'reset', 'cut'] });
    expect(parseFaultNames('500,boom')).toEqual({ ok: false, error: 'unknown fault `boom`; expected one of 500, 502, 503, 529, 429, reset, cut, timeout, no-usage' });
  });

  it('validates patches field by field', () => {
    expect(validateConfigPatch({ latencyMs: 5, faults: ['503'], requireKey: null })).toEqual({ ok: true, value: { latencyMs: 5, faults: ['503'], requireKey: null } });
    expect(validateConfigPatch({ tokens: 1.5 })).toEqual({ ok: false, error: '`tokens` must be an integer from 0 to 100000, got `1.5`' });
    expect(validateConfigPatch('x')).toEqual({ ok: false, error: 'config must be a json object' });
    expect(validateConfigPatch({ latencyMs: undefined, tokens: 3 })).toEqual({ ok: true, value: { tokens: 3 } });
  });
});

describe('seededRandom', () => {
  it('is reproducible per seed and stays in [0, 1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
        const a = seededRandom(seed);
        const b = seededRandom(seed);
        for (let i = 0; i < 20; i++) {
          const x = a();
          if (x !== b() || x < 0 || x >= 1) return false;
        }
        return true;
      }),
    );
  });
});
