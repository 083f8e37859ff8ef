// The sticky hash is 32-bit FNV-1a over UTF-8 bytes: published test vectors, and TextEncoder's bytes for any
// string (including lone surrogates, which encode as U+FFFD).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fnv1a32 } from '../../src/engine/index.js';

function viaEncoder(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

describe('fnv1a32', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('hashes %j to the published value', (s, want) => expect(fnv1a32(s)).toBe(want));

  it('hashes the UTF-8 bytes of any string', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (s) => {
      expect(fnv1a32(s)).toBe(viaEncoder(s));
    }), { numRuns: 2000 });
    expect(fnv1a32('\ud800x')).toBe(viaEncoder('\ud800x'));
    expect(fnv1a32('é😀')).toBe(viaEncoder('é😀'));
  });
});
