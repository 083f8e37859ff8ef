// Fixed-size bitsets over a value domain (teams, data classes, models, prompt intervals…): the sets the request
// space is made of. Every operation returns a new set; a set is never changed after it is built, so boxes can
// share them freely.

export type Bits = Uint32Array;

export const wordsFor = (size: number): number => Math.max(1, Math.ceil(size / 32));

/** The set {0, …, size-1}. */
export function fullBits(size: number): Bits {
  const bits = new Uint32Array(wordsFor(size));
  bits.fill(0xffffffff, 0, size >>> 5);
  if ((size & 31) !== 0) bits[size >>> 5] = (1 << (size & 31)) - 1;
  return bits;
}

export function bitsOf(size: number, members: Iterable<number>): Bits {
  const bits = new Uint32Array(wordsFor(size));
  for (const i of members) bits[i >>> 5]! |= 1 << (i & 31);
  return bits;
}

export const hasBit = (bits: Bits, i: number): boolean => ((bits[i >>> 5] ?? 0) & (1 << (i & 31))) !== 0;

export function isEmpty(bits: Bits): boolean {
  for (let w = 0; w < bits.length; w++) if (bits[w] !== 0) return false;
  return true;
}

export function intersects(a: Bits, b: Bits): boolean {
  for (let w = 0; w < a.length; w++) if ((a[w]! & b[w]!) !== 0) return true;
  return false;
}

/** Whether every member of `a` is in `b`. */
export function isSubset(a: Bits, b: Bits): boolean {
  for (let w = 0; w < a.length; w++) if ((a[w]! & ~b[w]!) !== 0) return false;
  return true;
}

export function equalBits(a: Bits, b: Bits): boolean {
  for (let w = 0; w < a.length; w++) if (a[w] !== b[w]) return false;
  return true;
}

export function and(a: Bits, b: Bits): Bits {
  const out = new Uint32Array(a.length);
  for (let w = 0; w < a.length; w++) out[w] = a[w]! & b[w]!;
  return out;
}

export function andNot(a: Bits, b: Bits): Bits {
  const out = new Uint32Array(a.length);
  for (let w = 0; w < a.length; w++) out[w] = a[w]! & ~b[w]!;
  return out;
}

/** `into |= from`, for accumulators the caller owns. */
export function orInto(into: Bits, from: Bits): void {
  for (let w = 0; w < into.length; w++) into[w]! |= from[w]!;
}

/** The lowest member, or -1. */
export function firstBit(bits: Bits): number {
  for (let w = 0; w < bits.length; w++) {
    const x = bits[w]!;
    if (x !== 0) return (w << 5) + 31 - Math.clz32(x & -x);
  }
  return -1;
}

/** Members in ascending order. */
export function* members(bits: Bits): Generator<number> {
  for (let w = 0; w < bits.length; w++) {
    let x = bits[w]!;
    while (x !== 0) {
      const low = x & -x;
      yield (w << 5) + 31 - Math.clz32(low);
      x ^= low;
    }
  }
}

export function countBits(bits: Bits): number {
  let n = 0;
  for (let w = 0; w < bits.length; w++) {
    let x = bits[w]!;
    x -= (x >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    n += (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}
