// 32-bit FNV-1a over the UTF-8 bytes of a string, computed without allocating an encoded copy: the weighted
// sticky pick runs on every request. Lone surrogates hash as U+FFFD, the way TextEncoder encodes them.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Unsigned 32-bit FNV-1a hash of the UTF-8 encoding of `s`. */
export const fnv1a32 = (s: string): number => fnv1a32Signed(s) >>> 0;

/**
 * The same hash as a signed 32-bit integer: it stays a small integer in V8 where the unsigned value above
 * 2^31 would be boxed into a heap number on return — the hot path converts where it uses it.
 */
export function fnv1a32Signed(s: string): number {
  let h = FNV_OFFSET;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, FNV_PRIME);
      continue;
    }
    if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >> 6)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (c & 0x3f)), FNV_PRIME);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        h = Math.imul(h ^ (0xf0 | (cp >> 18)), FNV_PRIME);
        h = Math.imul(h ^ (0x80 | ((cp >> 12) & 0x3f)), FNV_PRIME);
        h = Math.imul(h ^ (0x80 | ((cp >> 6) & 0x3f)), FNV_PRIME);
        h = Math.imul(h ^ (0x80 | (cp & 0x3f)), FNV_PRIME);
        continue;
      }
      c = 0xfffd;
    }
    h = Math.imul(h ^ (0xe0 | (c >> 12)), FNV_PRIME);
    h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), FNV_PRIME);
    h = Math.imul(h ^ (0x80 | (c & 0x3f)), FNV_PRIME);
  }
  return h | 0;
}

/**
 * murmur3's 32-bit finaliser. FNV-1a's high bits barely depend on a key's last characters, so sequential keys
 * (`user-1`, `user-2`, …) scaled straight into [0, total) miss their weights by up to 2.5 points over 20,000
 * keys; mixed first, they land within sampling noise.
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Where a 32-bit FNV-1a hash (signed or not) falls in `[0, total)`: mixed, then scaled; the point the weighted pick looks up. */
export const hashPoint = (hash: number, total: number): number => ((fmix32(hash) >>> 0) / 4294967296) * total;
