// Keyword hits: the documented examples, a property that the one-pass scanner agrees with a plain
// word-by-word reading of the rules (one keyword or many at once), and inputs that would take quadratic time
// if matching backtracked.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distinctKeywords, KeywordSet, normalizeKeyword } from '../../src/classify/index.js';
import { KEYWORD_WINDOW } from '../../src/classify/keyword-scan.js';
import { naiveHits } from './naive-keywords.js';

const hits = (keyword: string, text: string): boolean => new KeywordSet([keyword]).hits(text).length > 0;

describe('normalizeKeyword', () => {
  it('lowercases, splits at punctuation and joins words with one space', () => {
    expect(normalizeKeyword('Terms  of\tService')).toBe('terms of service');
    expect(normalizeKeyword('tl;dr')).toBe('tl dr');
    expect(normalizeKeyword('  Refactor* ')).toBe('refactor*');
    expect(normalizeKeyword('10-K')).toBe('10 k');
    expect(normalizeKeyword('++')).toBe('');
    expect(distinctKeywords(['Contract', 'contract', ' CONTRACT', 'tl;dr', '!!'])).toEqual(['contract', 'tl dr']);
  });
});

describe('keyword hits', () => {
  it('match whole words, case-insensitively', () => {
    expect(hits('contract', 'Please review the CONTRACT.')).toBe(true);
    expect(hits('contract', 'ask the subcontractor')).toBe(false);
    expect(hits('contract', 'contracts')).toBe(false);
    expect(hits('Über', 'die über-prüfung')).toBe(true);
    expect(hits('ΟΔΟΣ', 'η οδοσ')).toBe(true);
  });

  it('let `*` and `?` stand for letters and digits inside one word', () => {
    expect(hits('refactor*', 'Refactoring the parser')).toBe(true);
    expect(hits('*script', 'a TypeScript question')).toBe(true);
    expect(hits('colo*r', 'the colour and the color')).toBe(true);
    expect(hits('colo*r', 'colo r')).toBe(false);
    expect(hits('a*b*c', 'xx axxbyyc xx')).toBe(true);
    expect(hits('a*b*c', 'axxcyyb')).toBe(false);
    expect(hits('10-?', 'our 10-K filing')).toBe(true);
    expect(hits('*', '...')).toBe(false);
    expect(hits('*', '... a')).toBe(true);
  });

  it('match phrases across any separators, never across letters', () => {
    expect(hits('terms of service', 'see the Terms-of-Service\n')).toBe(true);
    expect(hits('tl;dr', 'TL DR: nothing')).toBe(true);
    expect(hits('balance sheet', 'balance\n\n  sheet')).toBe(true);
    expect(hits('balance sheet', 'balancesheet')).toBe(false);
    expect(hits('how * i', 'How do I reset it?')).toBe(true);
    expect(hits('how * i', 'how do we')).toBe(false);
  });

  it('never hit with a keyword that has no word', () => {
    expect(hits('++', 'c++ and ++')).toBe(false);
  });

  it('agree with a plain word-by-word reading of the rules', () => {
    const textChar = fc.constantFrom('a', 'b', 'c', 'A', 'B', '1', 'é', 'É', ' ', ' ', '.', '-', '\n');
    const patternChar = fc.constantFrom('a', 'b', 'c', 'B', '1', 'é', '*', '?', ' ', ';');
    fc.assert(
      fc.property(fc.string({ unit: patternChar, maxLength: 8 }), fc.string({ unit: textChar, maxLength: 40 }), (keyword, text) => {
        expect(hits(keyword, text)).toBe(naiveHits(keyword, text));
      }),
      { numRuns: 2000 },
    );
  });

  it('find every keyword of a set in one pass, as the plain reading does one by one', () => {
    const textChar = fc.constantFrom('a', 'b', 'c', 'A', 'B', '1', 'é', 'É', '𝐀', '🙂', ' ', ' ', '.', '-', '\n');
    const patternChar = fc.constantFrom('a', 'b', 'c', 'B', '1', 'é', '𝐀', '*', '?', ' ', ';');
    fc.assert(
      fc.property(fc.array(fc.string({ unit: patternChar, maxLength: 8 }), { maxLength: 6 }), fc.string({ unit: textChar, maxLength: 60 }), (keywords, text) => {
        const set = new KeywordSet(keywords);
        const expected = keywords.map(normalizeKeyword).filter((k, i) => naiveHits(keywords[i]!, text) && k.length > 0);
        expect(set.hits(text)).toEqual(expected);
        // The set is reused: a second text starts from a clean state.
        expect(set.hits(`${text} `)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('are looked for in the first and the last window of a long text, whole words only', () => {
    const filler = (n: number): string => 'x '.repeat(n / 2);
    const set = new KeywordSet(['start', 'middle', 'finish', 'edgeword', 'across the gap']);
    const text = `start ${filler(KEYWORD_WINDOW)}middle ${filler(KEYWORD_WINDOW)}across ${filler(KEYWORD_WINDOW)}the gap finish`;
    expect(set.hits(text)).toEqual(['start', 'finish']);
    // Inside the first window, and crossing its end (then it is not read, not even in part).
    expect(set.hits(`${'y '.repeat((KEYWORD_WINDOW - 10) / 2)}edgeword ${filler(4 * KEYWORD_WINDOW)}`)).toEqual(['edgeword']);
    expect(set.hits(`${'y '.repeat((KEYWORD_WINDOW - 4) / 2)}edgeword ${filler(4 * KEYWORD_WINDOW)}`)).toEqual([]);
    // Inside the last window, and crossing its start.
    expect(set.hits(`${filler(4 * KEYWORD_WINDOW)} edgeword ${'z '.repeat((KEYWORD_WINDOW - 10) / 2)}`)).toEqual(['edgeword']);
    expect(set.hits(`${filler(4 * KEYWORD_WINDOW)} edgeword ${'z '.repeat((KEYWORD_WINDOW - 6) / 2)}`)).toEqual([]);
  });

  it('stay linear on inputs that make backtracking matchers quadratic', () => {
    // One 400k-character word and 200k word starts inside one run of non-space characters.
    const word = 'a'.repeat(400_000);
    const dotted = 'a.'.repeat(200_000);
    expect(hits('a*b', word)).toBe(false);
    expect(hits('a*b*c', word)).toBe(false);
    expect(hits('a*b*c', dotted)).toBe(false);
    expect(hits('a a a a b', dotted)).toBe(false);
    expect(hits('*a*a*b', `${dotted} aab`)).toBe(true);
  });
});
