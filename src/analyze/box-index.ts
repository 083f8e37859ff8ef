// Which earlier boxes can overlap a box, without testing every pair: per attribute and value, a bitset of the
// boxes whose set holds that value (boxes holding every value sit in one "always" row), as in the engine's
// match index. Prompt intervals are not indexed (there can be thousands); the exact test runs on the few
// candidates this returns.
import { equalBits, isEmpty, members, wordsFor, type Bits } from './bitset.js';
import { COMPLEXITY, DATA_CLASS, MODEL, STREAM, TASK, TEAM, type Box, type Domain } from './domain.js';

const INDEXED = [TEAM, DATA_CLASS, TASK, MODEL, COMPLEXITY, STREAM] as const;

export class BoxIndex {
  private readonly words: number;
  /** [attribute position in INDEXED][value] → boxes holding the value (not counting `always`). */
  private readonly rows: Uint32Array[][];
  private readonly always: Uint32Array[];

  constructor(
    private readonly d: Domain,
    boxes: readonly (Box | null)[],
  ) {
    this.words = wordsFor(boxes.length);
    this.rows = INDEXED.map((a) => Array.from({ length: d.sizes[a]! }, () => new Uint32Array(this.words)));
    this.always = INDEXED.map(() => new Uint32Array(this.words));
    boxes.forEach((box, i) => {
      if (box === null) return;
      const word = i >>> 5;
      const bit = 1 << (i & 31);
      INDEXED.forEach((a, k) => {
        if (equalBits(box[a]!, d.full[a]!)) this.always[k]![word]! |= bit;
        else for (const v of members(box[a]!)) this.rows[k]![v]![word]! |= bit;
      });
    });
  }

  /** Boxes before position `below` that may overlap `box` (a superset of those that do), ascending. */
  candidates(box: Box, below: number): number[] {
    const W = this.words;
    const acc: Bits = new Uint32Array(W);
    acc.fill(0xffffffff, 0, below >>> 5);
    if ((below & 31) !== 0) acc[below >>> 5] = (1 << (below & 31)) - 1;
    const row = new Uint32Array(W);
    for (let k = 0; k < INDEXED.length; k++) {
      const a = INDEXED[k]!;
      if (equalBits(box[a]!, this.d.full[a]!)) continue;
      row.set(this.always[k]!);
      for (const v of members(box[a]!)) {
        const r = this.rows[k]![v]!;
        for (let w = 0; w < W; w++) row[w]! |= r[w]!;
      }
      for (let w = 0; w < W; w++) acc[w]! &= row[w]!;
      if (isEmpty(acc)) return [];
    }
    return [...members(acc)];
  }
}
