// Every keyword of a Classifier found in one pass over a text (keywords.ts defines what a hit is). The pass
// reads each character once: a table says whether it continues a word, and a running hash of the lowercased
// word is kept. At the end of each word a bit filter and, rarely, one map lookup find the keyword words it
// equals; prefix globs such as `refactor*` are looked up the same way when the word reaches the prefix's
// length; other globs are matched on the word itself. Phrases advance a bit mask per keyword — bit j set when
// the last words matched its words 0…j — so overlapping starts cost nothing extra (shift-and), and a word
// that matches nothing costs nothing more. Hash hits are verified character by character, so a collision
// never makes a false hit.
// INVARIANT: linear in the text: O(1) per character, O(matches) per word, plus O(|glob| × |word|) per word
// for globs with a `*` inside (compileGlob never backtracks).
import { compileGlob, type GlobMatcher } from '../engine/glob.js';
import { isWordCodePoint, lowerUnit, normalizeKeyword } from './keywords.js';

/** Keyword words are referred to as `keyword << 7 | index`: a keyword (a Glob, at most 256 characters) has at most 128 words. */
const INDEX_BITS = 7;
const INDEX_MASK = (1 << INDEX_BITS) - 1;
/** Mask words per keyword: 4 × 32 bits covers 128 words. */
const MASK_WORDS = 4;
/**
 * Keywords are looked for in the first and the last KEYWORD_WINDOW characters of a text (a word crossing a
 * window's inner edge is not read): instructions sit at the start or the end of a prompt, and it keeps a
 * megabyte prompt cheap.
 */
export const KEYWORD_WINDOW = 16 * 1024;
/** Hashes stay in 30 bits so they are small integers for Map keys. */
const HASH_MASK = 0x3fffffff;
/** A 2^16-bit filter over hashes: most words are rejected with one bit test, before any Map lookup. */
const FILTER_MASK = 0xffff;

interface Entry {
  readonly text: string;
  readonly refs: number[];
}

/** ASCII: the lowercase of letters and digits, 0 for every other character. */
const ASCII_WORD_LOWER = Uint8Array.from({ length: 128 }, (_, c) => (isWordCodePoint(c) ? lowerUnit(c) : 0));

const hashOf = (s: string): number => {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) & HASH_MASK;
  return h;
};

const inFilter = (filter: Uint32Array, h: number): boolean => (filter[(h & FILTER_MASK) >>> 5]! & (1 << (h & 31))) !== 0;

/** Whether `text[start, start + lit.length)` lowercased is `lit`. */
function equalsLower(text: string, start: number, lit: string): boolean {
  for (let i = 0; i < lit.length; i++) if (lowerUnit(text.charCodeAt(start + i)) !== lit.charCodeAt(i)) return false;
  return true;
}

/** Whether the code unit at `i` is part of a word character (either half of a surrogate pair counts). */
function continuesWord(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 128) return ASCII_WORD_LOWER[c] !== 0;
  if ((c & 0xfc00) === 0xdc00 && i > 0) return nonAsciiUnits(text, i - 1, text.charCodeAt(i - 1)) === 2;
  return nonAsciiUnits(text, i, c) > 0;
}

/** Code units a non-ASCII character at `i` takes (1, or 2 for a surrogate pair), negative when it is no word character. */
function nonAsciiUnits(text: string, i: number, c: number): number {
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const low = text.charCodeAt(i + 1);
    if ((low & 0xfc00) === 0xdc00) return isWordCodePoint(((c - 0xd800) << 10) + (low - 0xdc00) + 0x10000) ? 2 : -2;
  }
  return isWordCodePoint(c) ? 1 : -1;
}

class Tables {
  readonly literals = new Map<number, Entry[]>();
  readonly prefixes = new Map<number, Entry[]>();
  readonly literalFilter = new Uint32Array((FILTER_MASK + 1) >>> 5);
  readonly prefixFilter = new Uint32Array((FILTER_MASK + 1) >>> 5);
  /** Bit n: some literal / prefix has length n (n < 32); longer literals are always looked up. */
  literalLengths = 0;
  prefixLengths = 0;
  longLiterals = false;
  /** `*`-only words that start a keyword: every word matches them. */
  readonly anyStart: number[] = [];
  readonly globs: { readonly matcher: GlobMatcher; readonly refs: number[] }[] = [];

  private add(table: Map<number, Entry[]>, filter: Uint32Array, text: string, ref: number): void {
    const h = hashOf(text);
    filter[(h & FILTER_MASK) >>> 5]! |= 1 << (h & 31);
    const list = table.get(h) ?? [];
    const entry = list.find((e) => e.text === text);
    if (entry === undefined) list.push({ text, refs: [ref] });
    else entry.refs.push(ref);
    table.set(h, list);
  }

  /** Index a keyword word; returns false for a `*`-only word after the first (matched by the phrase state). */
  addWord(word: string, ref: number): boolean {
    const star = word.indexOf('*');
    if (!word.includes('?') && star < 0) {
      this.add(this.literals, this.literalFilter, word, ref);
      if (word.length < 32) this.literalLengths |= 1 << word.length;
      else this.longLiterals = true;
    } else if (/^\*+$/.test(word)) {
      if ((ref & INDEX_MASK) !== 0) return false;
      this.anyStart.push(ref);
    } else if (!word.includes('?') && star === word.length - 1 && word.length <= 31) {
      const prefix = word.slice(0, -1);
      this.add(this.prefixes, this.prefixFilter, prefix, ref);
      this.prefixLengths |= 1 << prefix.length;
    } else {
      this.globs.push({ matcher: compileGlob(word), refs: [ref] });
    }
    return true;
  }
}

/** Which of a fixed list of keywords a text contains; `hits` returns them in list order, normalized. */
export class KeywordSet {
  readonly keywords: readonly string[];
  private readonly size: number;
  private readonly t = new Tables();
  private readonly wordCounts: Int32Array;
  /** Per keyword: bits of its `*`-only words after the first, which any word continues. */
  private readonly anyInner: Int32Array;
  // Scan state, reused by every call (a scan runs to completion before the next starts).
  private readonly state: Int32Array;
  private readonly touch: Int32Array;
  private readonly lastWord: Float64Array;
  private readonly hit: Uint8Array;
  private readonly touched: Int32Array;
  private readonly active: Int32Array;
  private activeCount = 0;
  /** Keyword words the current word matched that can count: a first word, or the next word of a phrase under way. */
  private readonly pending: Int32Array;
  private pendingCount = 0;
  private hitCount = 0;
  private wordIndex = 0;

  /** `keywords` in any spelling; they are normalized, and ones without words never hit. */
  constructor(keywords: readonly string[]) {
    this.keywords = keywords.map(normalizeKeyword);
    this.size = this.keywords.length;
    this.wordCounts = new Int32Array(this.size);
    this.anyInner = new Int32Array(this.size * MASK_WORDS);
    let refs = 0;
    this.keywords.forEach((k, ki) => {
      const words = k.length === 0 ? [] : k.split(' ').slice(0, 1 << INDEX_BITS);
      this.wordCounts[ki] = words.length;
      refs += words.length;
      words.forEach((w, j) => {
        if (!this.t.addWord(w, (ki << INDEX_BITS) | j)) this.anyInner[ki * MASK_WORDS + (j >>> 5)]! |= 1 << (j & 31);
      });
    });
    this.state = new Int32Array(this.size * MASK_WORDS);
    this.touch = new Int32Array(this.size * MASK_WORDS);
    this.lastWord = new Float64Array(this.size);
    this.hit = new Uint8Array(this.size);
    this.touched = new Int32Array(this.size);
    this.active = new Int32Array(this.size);
    this.pending = new Int32Array(refs + 1);
  }

  /** The keywords (normalized) that appear in `text`, in list order. */
  hits(text: string): string[] {
    if (this.size === 0 || text.length === 0) return [];
    this.hit.fill(0);
    this.lastWord.fill(-2);
    this.hitCount = 0;
    this.wordIndex = 0;
    this.activeCount = 0;
    this.pendingCount = 0;
    const n = text.length;
    if (n <= 2 * KEYWORD_WINDOW) {
      this.scan(text, 0, n);
    } else {
      // A word that crosses a window's inner edge is not read (moving an edge is bounded by the window).
      let head = KEYWORD_WINDOW;
      while (head > 0 && continuesWord(text, head - 1) && continuesWord(text, head)) head--;
      let tail = n - KEYWORD_WINDOW;
      while (tail < n && continuesWord(text, tail - 1) && continuesWord(text, tail)) tail++;
      this.scan(text, 0, head);
      // A phrase does not span the part in between.
      this.wordIndex++;
      if (this.hitCount < this.size) this.scan(text, tail, n);
    }
    const out: string[] = [];
    for (let k = 0; k < this.size; k++) if (this.hit[k] === 1) out.push(this.keywords[k]!);
    return out;
  }

  /** Scans `text[from, to)`; `from` and `to` are word boundaries. */
  private scan(text: string, from: number, n: number): void {
    const t = this.t;
    const { prefixLengths, prefixFilter, literalLengths, literalFilter, longLiterals } = t;
    // A word that passes neither filter, while no phrase is under way, needs no call at its end.
    const everyWord = t.anyStart.length > 0 || t.globs.length > 0;
    let busy = everyWord;
    let length = 0;
    let h = 0;
    let words = this.wordIndex;
    for (let i = from; i < n; i++) {
      const c = text.charCodeAt(i);
      let units: number;
      if (c < 128) {
        const lower = ASCII_WORD_LOWER[c]!;
        if (lower !== 0) {
          h = (Math.imul(h, 31) + lower) & HASH_MASK;
          length++;
          if (length < 32 && (prefixLengths & (1 << length)) !== 0 && inFilter(prefixFilter, h)) {
            this.wordIndex = words;
            this.lookup(t.prefixes, text, i + 1 - length, length, h);
            busy = true;
          }
          continue;
        }
        units = -1;
      } else {
        units = nonAsciiUnits(text, i, c);
        if (units > 0) {
          // A letter or digit beyond ASCII: one code unit, or a surrogate pair.
          for (let u = 0; u < units; u++) {
            h = (Math.imul(h, 31) + lowerUnit(text.charCodeAt(i + u))) & HASH_MASK;
            length++;
            if (length < 32 && (prefixLengths & (1 << length)) !== 0 && inFilter(prefixFilter, h)) {
              this.wordIndex = words;
              this.lookup(t.prefixes, text, i + u + 1 - length, length, h);
              busy = true;
            }
          }
          i += units - 1;
          continue;
        }
      }
      if (length > 0) {
        if (busy || ((length < 32 ? (literalLengths & (1 << length)) !== 0 : longLiterals) && inFilter(literalFilter, h))) {
          this.wordIndex = words;
          this.endWord(text, i - length, length, h);
          if (this.hitCount === this.size) return;
          busy = everyWord || this.activeCount > 0;
        }
        words++;
        length = 0;
        h = 0;
      }
      i -= units + 1;
    }
    this.wordIndex = words;
    if (length > 0) {
      this.endWord(text, n - length, length, h);
      this.wordIndex++;
    }
  }

  /** Queues the refs of the entry equal to the text at `start`, when they can count for this word. */
  private lookup(table: Map<number, Entry[]>, text: string, start: number, length: number, h: number): void {
    const entries = table.get(h);
    if (entries === undefined) return;
    for (const e of entries) if (e.text.length === length && equalsLower(text, start, e.text)) for (const r of e.refs) this.consider(r);
  }

  /** A keyword word counts for this word when it starts its keyword, or continues a phrase under way. */
  private consider(ref: number): void {
    const k = ref >>> INDEX_BITS;
    if (this.hit[k] === 1) return;
    const j = ref & INDEX_MASK;
    if (j > 0) {
      if (this.lastWord[k] !== this.wordIndex - 1) return;
      const prev = j - 1;
      if ((this.state[k * MASK_WORDS + (prev >>> 5)]! & (1 << (prev & 31))) === 0) return;
    }
    this.pending[this.pendingCount++] = ref;
  }

  /** The end of a word that may matter: it passed the literal filter, a prefix matched, or phrases are under way. */
  private endWord(text: string, start: number, length: number, h: number): void {
    const t = this.t;
    if ((length < 32 ? (t.literalLengths & (1 << length)) !== 0 : t.longLiterals) && inFilter(t.literalFilter, h)) this.lookup(t.literals, text, start, length, h);
    for (const r of t.anyStart) this.consider(r);
    if (t.globs.length > 0) {
      let word = '';
      for (let i = start; i < start + length; i++) word += String.fromCharCode(lowerUnit(text.charCodeAt(i)));
      for (const g of t.globs) if (g.matcher(word)) for (const r of g.refs) this.consider(r);
    }
    if (this.pendingCount > 0 || this.activeCount > 0) this.advance();
  }

  /** Phrase progress after a word: the keyword words it matched (pending) and `*` words of phrases under way. */
  private advance(): void {
    const { pending, state, touch, touched, lastWord, hit, wordCounts, anyInner, active } = this;
    let count = 0;
    for (let p = 0; p < this.pendingCount; p++) {
      const r = pending[p]!;
      const k = r >>> INDEX_BITS;
      const j = r & INDEX_MASK;
      const base = k * MASK_WORDS;
      if (touch[base]! === 0 && touch[base + 1]! === 0 && touch[base + 2]! === 0 && touch[base + 3]! === 0) touched[count++] = k;
      touch[base + (j >>> 5)]! |= 1 << (j & 31);
    }
    this.pendingCount = 0;
    for (let a = 0; a < this.activeCount; a++) {
      const k = active[a]!;
      const base = k * MASK_WORDS;
      for (let w = 0; w < MASK_WORDS; w++) {
        const bits = anyInner[base + w]!;
        if (bits === 0) continue;
        if (touch[base]! === 0 && touch[base + 1]! === 0 && touch[base + 2]! === 0 && touch[base + 3]! === 0) touched[count++] = k;
        touch[base + w]! |= bits;
      }
    }
    let next = 0;
    for (let x = 0; x < count; x++) {
      const k = touched[x]!;
      const base = k * MASK_WORDS;
      const continues = lastWord[k] === this.wordIndex - 1;
      // state = (state << 1 | 1) & touch, across the mask words.
      let carry = 1;
      let any = 0;
      for (let w = 0; w < MASK_WORDS; w++) {
        const prev = continues ? state[base + w]! : 0;
        const s = ((prev << 1) | carry) & touch[base + w]!;
        state[base + w] = s;
        any |= s;
        carry = prev >>> 31;
        touch[base + w] = 0;
      }
      lastWord[k] = this.wordIndex;
      const last = wordCounts[k]! - 1;
      if ((state[base + (last >>> 5)]! & (1 << (last & 31))) !== 0) {
        hit[k] = 1;
        this.hitCount++;
      } else if (any !== 0) {
        active[next++] = k;
      }
    }
    this.activeCount = next;
  }
}
