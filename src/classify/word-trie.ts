// The keyword words a text word can equal (literals such as `invoice`) or start with (prefix globs such as
// `refactor*`), as a trie over lowercased code units flattened into one transition table, so the scanner
// walks it with one table read per character and no per-word hashing or lookups. Built once per KeywordSet.
// Characters are first mapped to a small alphabet (the code units keyword words use, plus one class for any
// other word character). The tables take 12 bytes per node and alphabet class: about 80 KiB for the example
// Classifier (37 keywords, 238 nodes, 27 classes); a thousand keywords of 20 letters over 40 distinct ones
// would take about 10 MiB, once per policy.
import { isWordCodePoint, lowerUnit } from './keywords.js';

/** The node no keyword word continues from: every transition from it leads back to it. */
export const DEAD = 0;
export const ROOT = 1;
/**
 * Node flags: a literal keyword word ends here; the word so far is a prefix keyword word; and the same for
 * keyword words that start their keyword (only those can count while no phrase is under way).
 */
export const LITERAL = 1;
export const PREFIX = 2;
export const LITERAL_START = 4;
export const PREFIX_START = 8;

interface BuildNode {
  readonly children: Map<number, number>;
  readonly literal: number[];
  readonly prefix: number[];
}

const NO_REFS: readonly number[] = [];

export class WordTrie {
  /** Per ASCII code unit: -1 when it is no word character, else its (lowercased) alphabet class. */
  readonly asciiClass: Int32Array;
  /** Transitions: `next[node * width + class]`. */
  readonly next: Int32Array;
  readonly width: number;
  /** Per node: LITERAL, PREFIX, LITERAL_START and PREFIX_START bits. */
  readonly flags: Uint8Array;
  /** Per node: the keyword word references (see keyword-scan.ts) of literals ending / prefixes reached here. */
  readonly literalRefs: readonly (readonly number[])[];
  readonly prefixRefs: readonly (readonly number[])[];
  /**
   * The same trie as an automaton over whole texts, for the fast pass of keyword-scan.ts: one more class,
   * `width`, for characters that separate words, which lead back to the root — or, from a node where a
   * literal that starts a keyword ends, to an end state of that node (one per such node, its row the root's).
   * States are stored premultiplied by `dfaWidth`, so a step is one addition and one read.
   */
  readonly dfa: Int32Array;
  readonly dfaWidth: number;
  /** Per ASCII code unit: its class, or `width` when it separates words. */
  readonly dfaClass: Int32Array;
  /** Per premultiplied state: when entering it needs the scanner (a PREFIX_START node, an end state), its number + 1; else 0. */
  readonly dfaEvent: Int32Array;
  /** Trie nodes are states 0 … nodeCount - 1; end state `nodeCount + e` follows a word that ended on node `endedOn[e]`. */
  readonly nodeCount: number;
  readonly endedOn: Int32Array;
  /** Class of a lowercased code unit; absent: class 0, a word character no keyword word uses. */
  private readonly classes: ReadonlyMap<number, number>;
  /** Whether some keyword word has a code unit beyond ASCII (else no such unit needs a lookup). */
  readonly wideAlphabet: boolean;

  /**
   * `literals` and `prefixes` map keyword words (lowercased, no wildcards) to their references; `isStart`
   * says whether a reference is the first word of its keyword.
   */
  constructor(literals: ReadonlyMap<string, readonly number[]>, prefixes: ReadonlyMap<string, readonly number[]>, isStart: (ref: number) => boolean) {
    const classes = new Map<number, number>();
    for (const w of [...literals.keys(), ...prefixes.keys()]) {
      for (let i = 0; i < w.length; i++) if (!classes.has(w.charCodeAt(i))) classes.set(w.charCodeAt(i), classes.size + 1);
    }
    this.width = classes.size + 1;
    this.classes = classes;
    this.wideAlphabet = [...classes.keys()].some((unit) => unit >= 128);
    this.asciiClass = Int32Array.from({ length: 128 }, (_, c) => (isWordCodePoint(c) ? (classes.get(lowerUnit(c)) ?? 0) : -1));

    const nodes: BuildNode[] = [];
    const node = (): number => nodes.push({ children: new Map(), literal: [], prefix: [] }) - 1;
    node(); // DEAD
    node(); // ROOT
    const insert = (word: string): BuildNode => {
      let at = ROOT;
      for (let i = 0; i < word.length; i++) {
        const k = classes.get(word.charCodeAt(i))!;
        const children = nodes[at]!.children;
        let child = children.get(k);
        if (child === undefined) {
          child = node();
          children.set(k, child);
        }
        at = child;
      }
      return nodes[at]!;
    };
    for (const [w, refs] of literals) insert(w).literal.push(...refs);
    for (const [w, refs] of prefixes) insert(w).prefix.push(...refs);

    this.next = new Int32Array(nodes.length * this.width);
    this.flags = new Uint8Array(nodes.length);
    nodes.forEach((n, i) => {
      for (const [k, child] of n.children) this.next[i * this.width + k] = child;
      this.flags[i] =
        (n.literal.length > 0 ? LITERAL : 0) |
        (n.prefix.length > 0 ? PREFIX : 0) |
        (n.literal.some(isStart) ? LITERAL_START : 0) |
        (n.prefix.some(isStart) ? PREFIX_START : 0);
    });
    this.literalRefs = nodes.map((n) => (n.literal.length > 0 ? n.literal : NO_REFS));
    this.prefixRefs = nodes.map((n) => (n.prefix.length > 0 ? n.prefix : NO_REFS));

    const count = nodes.length;
    const dw = this.width + 1;
    this.nodeCount = count;
    this.dfaWidth = dw;
    this.dfaClass = Int32Array.from(this.asciiClass, (k) => (k < 0 ? this.width : k));
    const endedOn: number[] = [];
    for (let i = 0; i < count; i++) if ((this.flags[i]! & LITERAL_START) !== 0) endedOn.push(i);
    this.endedOn = Int32Array.from(endedOn);
    const states = count + endedOn.length;
    this.dfa = new Int32Array(states * dw);
    this.dfaEvent = new Int32Array(states * dw);
    for (let i = 0; i < count; i++) {
      for (let k = 0; k < this.width; k++) this.dfa[i * dw + k] = this.next[i * this.width + k]! * dw;
      this.dfa[i * dw + this.width] = ROOT * dw;
      if ((this.flags[i]! & PREFIX_START) !== 0) this.dfaEvent[i * dw] = i + 1;
    }
    endedOn.forEach((node, e) => {
      const end = count + e;
      this.dfa[node * dw + this.width] = end * dw;
      this.dfa.copyWithin(end * dw, ROOT * dw, ROOT * dw + dw);
      this.dfaEvent[end * dw] = end + 1;
    });
  }

  /** The class of a non-ASCII word code unit (either half of a surrogate pair); its lowercase may be ASCII (K, the Kelvin sign). */
  wideClass(unit: number): number {
    const lower = lowerUnit(unit);
    if (lower >= 128 && !this.wideAlphabet) return 0;
    return this.classes.get(lower) ?? 0;
  }
}
