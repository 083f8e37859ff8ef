// Request ids are UUIDv7: a valid RFC 9562 layout, the creation time in the first 48 bits, unique, and in time order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newRequestId } from '../../src/proxy/request-id.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('are version-7 UUIDs carrying the time they were made', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (now) => {
        const id = newRequestId(now);
        expect(id).toMatch(V7);
        expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
      }),
    );
  });

  it('sort by time, and never repeat', () => {
    const t = Date.UTC(2026, 10, 21);
    const ids = Array.from({ length: 2_000 }, (_, i) => newRequestId(t + Math.floor(i / 10)));
    expect(new Set(ids).size).toBe(ids.length);
    const times = ids.map((id) => id.slice(0, 13));
    expect([...times].sort()).toEqual(times);
  });
});
