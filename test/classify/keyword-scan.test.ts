// The scanner's fast paths against the plain reading of the rules: the word trie (keyword words sharing
// prefixes, a literal and a prefix glob ending on the same letters), words skipped while no phrase is under
// way (phrases whose later words are common), characters whose lowercase is another script's letter or not
// one code unit, separators that are surrogate pairs, and the two windows of a long text copied side by side.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeywordSet, normalizeKeyword } from '../../src/classify/index.js';
import { KEYWORD_WINDOW } from '../../src/classify/keyword-scan.js';
import { naiveHits } from './naive-keywords.js';

/** Words that share beginnings, so keyword words branch and end inside one another in the trie. */
const WORDS = ['a', 'ab', 'abc', 'b', 'ba', 'k', 'ς', 'σ', 'i', 'is', 'ſ', 's', '𝐀'];
/** Upper and lower spellings, the Kelvin sign (lowercase `k`), dotted capital I (lowercase is two units), final sigma. */
const TEXT_WORDS = [...WORDS, 'A', 'AB', 'Abc', 'B', 'BA', 'K', '\u212a', 'İ', 'Σ', 'IS', 'S', 'abcd', 'xyz'];
const SEPARATORS = [' ', ' ', '  ', '.', '-', '\n', '🙂', ' 🙂 ', '\u00a0'];

/** One to three words, each maybe a glob, joined by a space or by a `*` word. */
const keyword = fc
  .array(fc.tuple(fc.constantFrom(' ', ' * '), fc.constantFrom(...WORDS), fc.constantFrom('', '', '*', '?')), { minLength: 1, maxLength: 3 })
  .map((words) => words.map(([join, w, wildcard], i) => `${i === 0 ? '' : join}${w}${wildcard}`).join(''));
const keywordList = fc.array(fc.oneof(keyword, fc.constantFrom('*', 'a * b', 'i s', 'is a')), { minLength: 1, maxLength: 8 });
const text = fc.array(fc.tuple(fc.constantFrom(...TEXT_WORDS), fc.constantFrom(...SEPARATORS)), { maxLength: 30 }).map((parts) => parts.map(([w, s]) => w + s).join(''));

const expected = (keywords: readonly string[], t: string): string[] =>
  keywords.flatMap((k) => (naiveHits(k, t) ? [normalizeKeyword(k)] : []));

describe('one-pass keyword scan', () => {
  it('finds what the plain reading finds, on texts made of words the keywords share beginnings with', () => {
    fc.assert(
      fc.property(keywordList, text, (keywords, t) => {
        const set = new KeywordSet(keywords);
        const want = expected(keywords, t);
        expect(set.hits(t)).toEqual(want);
        expect(set.hits(t)).toEqual(want);
      }),
      { numRuns: 1500 },
    );
  });

  it('reads the first and the last window of a long text as two texts, with nothing between them', () => {
    // The filler is one-letter words, so each window's edge falls between a word and a space.
    const filler = 'x '.repeat(KEYWORD_WINDOW);
    fc.assert(
      fc.property(keywordList, text, text, (keywords, head, tail) => {
        const long = `${head} ${filler}${tail}`;
        const set = new KeywordSet(keywords);
        const wanted = set.keywords.filter((k) => naiveHits(k, long.slice(0, KEYWORD_WINDOW)) || naiveHits(k, long.slice(-KEYWORD_WINDOW)));
        expect(set.hits(long)).toEqual(wanted);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps phrases whose later words are everywhere exact', () => {
    const set = new KeywordSet(['how do i', 'where can i', 'is', 'terms and conditions', 'refund*']);
    expect(set.hits('i do how i can where and is')).toEqual(['is']);
    expect(set.hits('and so, HOW-DO-I… get a REFUNDED order')).toEqual(['how do i', 'refund*']);
    expect(set.hits('terms and and conditions; where can I')).toEqual(['where can i']);
  });
});
