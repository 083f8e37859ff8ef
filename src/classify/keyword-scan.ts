// Every keyword of a Classifier found in one pass over a text (keywords.ts defines what a hit is). The text
// is first copied natively into a typed array of code units (reading one is about half the cost of
// `charCodeAt`). The keyword words form a trie (word-trie.ts). Two passes take turns over the text, each
// character read once:
// - the fast pass, while no phrase is under way: the trie as an automaton over the whole text, one table
//   read per ASCII character (a few for others) and no branch but a rare event — a word reaches a prefix
//   glob (`refactor*`) or ends on a literal that starts a keyword; common words that only continue phrases
//   ("to" of "how to") cost no more than any other;
// - the exact pass, for words that start a phrase and the words after them, for surrogate pairs, and
//   throughout when some keyword has other globs or `*` words: it counts words, follows the trie per word
//   and ends each word that may matter.
// Phrases advance a bit mask per keyword — bit j set when the last words matched its words 0…j — so
// overlapping starts cost nothing extra (shift-and).
// INVARIANT: linear in the text: O(1) per character, O(matches) per word, plus O(|glob| × |word|) per word
// for globs with a `*` inside (compileGlob never backtracks).
import { Buffer } from 'node:buffer';
import { compileGlob, type GlobMatcher } from '../engine/glob.js';
import { continuesWord, lowerUnit, nonAsciiCodeUnits, normalizeKeyword, wordLower } from './keywords.js';
import { DEAD, LITERAL, LITERAL_START, PREFIX, PREFIX_START, ROOT, WordTrie } from './word-trie.js';

/** Keyword words are referred to as `keyword << 7 | index`: a keyword (a Glob, at most 256 characters) has at most 128 words. */
const INDEX_BITS = 7;
const INDEX_MASK = (1 << INDEX_BITS) - 1;
/** Mask words per keyword: 4 × 32 bits covers 128 words. */
const MASK_WORDS = 4;
/**
 * Keywords are looked for in the first and the last KEYWORD_WINDOW characters of a text (a word crossing a
 * window's inner edge is not read): instructions sit at the start or the end of a prompt, and it keeps a
 * megabyte prompt cheap — read whole, one megabyte costs about 3 ms even in the fast pass (docs/benchmarks.md),
 * three times the classification budget, against about 0.1 ms for the two windows.
 */
export const KEYWORD_WINDOW = 16 * 1024;
/**
 * The text scanned, copied natively as UTF-16 code units: reading a typed array is about twice as fast as
 * `charCodeAt`, and copying costs a small fraction of the scan. One buffer serves every KeywordSet, since
 * a scan runs to completion before the next starts; the windows bound what it must hold.
 */
const scratch = Buffer.allocUnsafeSlow(2 * 2 * KEYWORD_WINDOW);
const codes = new Uint16Array(scratch.buffer, scratch.byteOffset, 2 * KEYWORD_WINDOW);

/** The keyword words sorted by how a text word is matched against them. */
class Tables {
  /** Words without wildcards, and `prefix*` words (keyed by the prefix): walked in the trie. */
  readonly literals = new Map<string, number[]>();
  readonly prefixes = new Map<string, number[]>();
  /** `*`-only words that start a keyword: every word matches them. */
  readonly anyStart: number[] = [];
  readonly globs: { readonly matcher: GlobMatcher; readonly refs: number[] }[] = [];

  private static add(table: Map<string, number[]>, text: string, ref: number): void {
    const refs = table.get(text);
    if (refs === undefined) table.set(text, [ref]);
    else refs.push(ref);
  }

  /** Index a keyword word; returns false for a `*`-only word after the first (matched by the phrase state). */
  addWord(word: string, ref: number): boolean {
    const star = word.indexOf('*');
    if (!word.includes('?') && star < 0) {
      Tables.add(this.literals, word, ref);
    } else if (/^\*+$/.test(word)) {
      if ((ref & INDEX_MASK) !== 0) return false;
      this.anyStart.push(ref);
    } else if (!word.includes('?') && star === word.length - 1) {
      Tables.add(this.prefixes, word.slice(0, -1), ref);
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
  private readonly trie: WordTrie;
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
  /** Where the fast pass hands over to the exact one. */
  private resumeNode = ROOT;
  private resumeInWord = false;

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
    this.trie = new WordTrie(this.t.literals, this.t.prefixes, (ref) => (ref & INDEX_MASK) === 0);
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
      scratch.write(text, 0, 2 * n, 'utf16le');
      this.scan(0, n);
    } else {
      // A word that crosses a window's inner edge is not read (moving an edge is bounded by the window).
      let head = KEYWORD_WINDOW;
      while (head > 0 && continuesWord(text, head - 1) && continuesWord(text, head)) head--;
      let tail = n - KEYWORD_WINDOW;
      while (tail < n && continuesWord(text, tail - 1) && continuesWord(text, tail)) tail++;
      scratch.write(text, 0, 2 * head, 'utf16le');
      this.scan(0, head);
      // A phrase does not span the part in between.
      this.wordIndex++;
      if (this.hitCount < this.size) {
        scratch.write(text.slice(tail), 2 * head, 2 * (n - tail), 'utf16le');
        this.scan(head, head + n - tail);
      }
    }
    const out: string[] = [];
    for (let k = 0; k < this.size; k++) if (this.hit[k] === 1) out.push(this.keywords[k]!);
    return out;
  }

  /** Scans `codes[from, n)`; `from` and `n` are word boundaries. */
  private scan(from: number, n: number): void {
    const t = this.t;
    if (t.anyStart.length > 0 || t.globs.length > 0) {
      this.exact(from, n, ROOT, false, true);
      return;
    }
    let i = from;
    while (i < n) {
      i = this.fast(i, n);
      // Busy when a phrase is under way, or a prefix's refs wait for their word's end (maybe the text's end).
      if (i < n || this.pendingCount > 0) i = this.exact(i, n, this.resumeNode, this.resumeInWord, this.activeCount > 0 || this.pendingCount > 0);
    }
  }

  /**
   * The fast pass, while no phrase is under way: one step per character through the trie's automaton, with
   * no branch but a rare event — a word reaches a prefix, or ends on a literal, that starts a keyword. Words
   * are not counted here; each event leaves a gap in the word index instead, which is safe because no phrase
   * can continue from a word before it. Returns where the exact pass takes over (a phrase got under way, a
   * prefix needs its word's end, or half of a surrogate pair), or `n`.
   */
  private fast(from: number, n: number): number {
    const trie = this.trie;
    const { dfa, dfaClass, dfaEvent, dfaWidth, nodeCount } = trie;
    const separator = trie.width;
    const wideAlphabet = trie.wideAlphabet;
    let state = ROOT * dfaWidth;
    for (let i = from; i < n; i++) {
      const c = codes[i]!;
      let k: number;
      if (c < 128) {
        k = dfaClass[c]!;
      } else if ((c & 0xf800) === 0xd800) {
        // Half of a surrogate pair: pairs are the exact pass's.
        this.resumeAt(state / dfaWidth);
        return i;
      } else {
        const lower = wordLower(c);
        k = lower === 1 ? separator : lower < 128 ? dfaClass[lower]! : wideAlphabet ? trie.wideClass(c) : 0;
      }
      state = dfa[state + k]!;
      const event = dfaEvent[state]!;
      if (event === 0) continue;
      const to = this.onEvent(event - 1, i, n);
      if (to >= 0) return to;
    }
    const s = state / dfaWidth;
    if (s < nodeCount && (trie.flags[s]! & LITERAL_START) !== 0) {
      this.wordIndex++;
      this.endWord(0, 0, s);
      this.wordIndex++;
    }
    return n;
  }

  /** An automaton event at `i`; returns where the exact pass takes over, or -1 for the fast pass to go on. */
  private onEvent(s: number, i: number, n: number): number {
    const trie = this.trie;
    this.wordIndex++;
    if (s < trie.nodeCount) {
      // A prefix: its refs count for this word, whose end the exact pass finds — unless none counts (their
      // keywords hit already), and then the word needs nothing more than the automaton gives.
      this.considerAll(trie.prefixRefs[s]!);
      if (this.pendingCount === 0) return -1;
      this.resumeAt(s);
      return i + 1;
    }
    // The word before the separator at i equals a literal that starts a keyword.
    this.endWord(0, 0, trie.endedOn[s - trie.nodeCount]!);
    this.wordIndex++;
    if (this.hitCount === this.size) return n;
    if (this.activeCount > 0) {
      this.resumeAt(ROOT);
      return i + 1;
    }
    return -1;
  }

  /** Where the exact pass starts from an automaton state: inside a word at that trie node, or between words. */
  private resumeAt(s: number): void {
    this.resumeInWord = s !== ROOT && s < this.trie.nodeCount;
    this.resumeNode = this.resumeInWord ? s : ROOT;
  }

  /**
   * The exact pass over `codes[from, n)`, every word counted, starting inside a word at trie node `node` or
   * between words. With globs or `*` words it reads the whole text; otherwise it returns at the first word
   * end with no phrase under way (the position of the separator), for the fast pass to go on.
   */
  private exact(from: number, n: number, node: number, inWord: boolean, busy: boolean): number {
    const t = this.t;
    const trie = this.trie;
    const { asciiClass, next, width, flags } = trie;
    // Flags copied to locals: imported bindings are read on every use in the hot loop.
    const dead = DEAD;
    const literalStart = LITERAL_START;
    // While no phrase is under way only keyword words that start a keyword can count: a word that ends on
    // no such literal (or reaches no such prefix) needs no call.
    const everyWord = t.anyStart.length > 0 || t.globs.length > 0;
    let prefixFlag = busy ? PREFIX : PREFIX_START;
    // A word entered in the middle has no known start; only globs read it, and they never leave this pass.
    let start = inWord ? from : -1;
    let words = this.wordIndex;
    for (let i = from; i < n; i++) {
      const c = codes[i]!;
      // A separator that is a surrogate pair: its second half is skipped after the word before it ends.
      let pair = false;
      if (c < 128) {
        const k = asciiClass[c]!;
        if (k >= 0) {
          if (start < 0) start = i;
          if (node !== dead) {
            node = next[node * width + k]!;
            if ((flags[node]! & prefixFlag) !== 0) {
              this.wordIndex = words;
              this.considerAll(trie.prefixRefs[node]!);
              busy = true;
              prefixFlag = PREFIX;
            }
          }
          continue;
        }
      } else {
        const units = nonAsciiCodeUnits(codes, i, c, n);
        if (units > 0) {
          // A letter or digit beyond ASCII: one code unit, or a surrogate pair.
          if (start < 0) start = i;
          for (const end = i + units; i < end; i++) {
            if (node === dead) continue;
            node = next[node * width + trie.wideClass(codes[i]!)]!;
            if ((flags[node]! & prefixFlag) !== 0) {
              this.wordIndex = words;
              this.considerAll(trie.prefixRefs[node]!);
              busy = true;
              prefixFlag = PREFIX;
            }
          }
          i--;
          continue;
        }
        pair = units === -2;
      }
      if (start >= 0) {
        if (busy || (flags[node]! & literalStart) !== 0) {
          this.wordIndex = words;
          this.endWord(start, i, node);
          if (this.hitCount === this.size) return n;
          busy = everyWord || this.activeCount > 0;
          prefixFlag = busy ? PREFIX : PREFIX_START;
        }
        words++;
        start = -1;
        node = ROOT;
        if (!busy) {
          this.wordIndex = words;
          return i;
        }
      }
      if (pair) i++;
    }
    this.wordIndex = words;
    if (start >= 0) {
      this.endWord(start, n, node);
      this.wordIndex++;
    }
    return n;
  }

  private considerAll(refs: readonly number[]): void {
    for (let r = 0; r < refs.length; r++) this.consider(refs[r]!);
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

  /** The end of the word `codes[start, end)`, at trie node `node`, that may matter: it ends on a literal, a prefix matched, or phrases are under way. */
  private endWord(start: number, end: number, node: number): void {
    const t = this.t;
    if ((this.trie.flags[node]! & LITERAL) !== 0) this.considerAll(this.trie.literalRefs[node]!);
    for (const r of t.anyStart) this.consider(r);
    if (t.globs.length > 0) {
      let word = '';
      for (let i = start; i < end; i++) word += String.fromCharCode(lowerUnit(codes[i]!));
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
