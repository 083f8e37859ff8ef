// Keyword hits for Classifier rules: case-insensitive words and phrases with glob wildcards, never a user
// regular expression. A keyword is split into words at anything that is not a letter, digit, `*` or `?`
// (`tl;dr` is the phrase `tl dr`); it hits where the text has those words consecutively, separated by anything
// that is not a letter or digit, each text word matched as a whole by its glob (`*` any run of letters and
// digits, `?` one). So `refactor*` hits "Refactoring", `terms of service` hits "Terms-of-Service", and
// `contract` does not hit "subcontractor".
//
// Matching compiles each keyword once into a regular expression of a restricted shape, so the scan runs in
// V8's native engine (the text is never copied or lower-cased):
//   (?<!W) word (NW+ word)* (?!W)      word = lit | lit W* lit | W+        W = letter or digit, NW = not W
// INVARIANT: linear in the text. Every attempt starts at a word start (the look-behind fails elsewhere at
// once); within a word a `W*` can only backtrack over that word, a `NW+` only over one separator run, and
// neither can give characters to its neighbour (a literal needs W, a separator needs NW), so each word start
// costs O(length of the words it spans × keyword length). Words with two or more `*` would nest that
// backtracking, so their middle is checked afterwards in plain code (`compileGlob`, no backtracking).
import { compileGlob, type GlobMatcher } from '../engine/glob.js';

const W = '[\\p{L}\\p{M}\\p{N}]';
const NW = '[^\\p{L}\\p{M}\\p{N}]';
const SEPARATORS = /[^\p{L}\p{M}\p{N}*?]+/u;
const WORD_BREAKS = /[^\p{L}\p{M}\p{N}]+/u;

/**
 * The form keywords are compared and recorded in: lowercase words joined by single spaces, wildcards kept.
 * `"Terms  of Service"` → `terms of service`; `tl;dr` → `tl dr`. Empty when the keyword has no word at all.
 */
export function normalizeKeyword(keyword: string): string {
  const words = keyword.toLowerCase().split(SEPARATORS);
  let out = '';
  for (const w of words) {
    if (w.length === 0) continue;
    out = out.length === 0 ? w : `${out} ${w}`;
  }
  return out;
}

/**
 * A literal glob segment as regex source: `?` is one word character, everything else stands for itself.
 * INVARIANT: a normalized word holds only letters, marks, digits, `*` and `?`, so nothing needs escaping.
 */
function literal(segment: string): string {
  let out = '';
  for (const ch of segment) out += ch === '?' ? W : ch;
  return out;
}

interface WordPlan {
  readonly source: string;
  /** Set when the word has two or more `*`: the full glob, checked on the matched word. */
  readonly verify: GlobMatcher | null;
}

function planWord(word: string): WordPlan {
  const parts = word.split('*');
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (parts.length === 1) return { source: literal(word), verify: null };
  // Only wildcards, or nothing fixed at either end: any one word (the glob check keeps middle parts honest).
  const ends = first.length === 0 && last.length === 0 ? `${W}+` : `${literal(first)}${W}*${literal(last)}`;
  return { source: ends, verify: parts.length > 2 ? compileGlob(word) : null };
}

/** A compiled keyword; `hits(text)` is linear in the text. */
export interface KeywordMatcher {
  /** The keyword in normalized form (what feature records hold). */
  readonly keyword: string;
  hits(text: string): boolean;
}

const NEVER: KeywordMatcher['hits'] = () => false;

/** Compile one keyword (any spelling; it is normalized first). */
export function compileKeyword(keyword: string): KeywordMatcher {
  const normalized = normalizeKeyword(keyword);
  if (normalized.length === 0) return { keyword: normalized, hits: NEVER };
  const plans = normalized.split(' ').map(planWord);
  const source = `(?<!${W})${plans.map((p) => p.source).join(`${NW}+`)}(?!${W})`;
  if (plans.every((p) => p.verify === null)) {
    const re = new RegExp(source, 'iu');
    return { keyword: normalized, hits: (text) => re.test(text) };
  }
  const re = new RegExp(source, 'giu');
  const hits = (text: string): boolean => {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const words = m[0].toLowerCase().split(WORD_BREAKS);
      if (plans.every((p, i) => p.verify === null || p.verify(words[i] ?? ''))) return true;
      // The next attempt starts one character on: a later word of this match may start a hit of its own.
      re.lastIndex = m.index + 1;
    }
    return false;
  };
  return { keyword: normalized, hits };
}

/** Distinct keywords in normalized form, in first-seen order (empty ones dropped). */
export function distinctKeywords(keywords: Iterable<string>): string[] {
  const seen = new Set<string>();
  for (const k of keywords) {
    const n = normalizeKeyword(k);
    if (n.length > 0) seen.add(n);
  }
  return [...seen];
}
