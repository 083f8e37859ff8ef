// The keyword rules of src/classify/keywords.ts read literally, as the reference the one-pass scanner is
// checked against: split the text into words, try every position, glob each word by backtracking.
import { normalizeKeyword } from '../../src/classify/index.js';
import { lowerText } from '../../src/classify/keywords.js';

export function naiveHits(keyword: string, text: string): boolean {
  const k = normalizeKeyword(keyword);
  if (k === '') return false;
  const pattern = k.split(' ');
  const words = lowerText(text).split(/[^\p{L}\p{M}\p{N}]+/u).filter((w) => w.length > 0);
  const glob = (g: string, w: string): boolean => {
    if (g.length === 0) return w.length === 0;
    if (g[0] === '*') return [...Array(w.length + 1).keys()].some((i) => glob(g.slice(1), w.slice(i)));
    if (w.length === 0) return false;
    return (g[0] === '?' || g[0] === w[0]) && glob(g.slice(1), w.slice(1));
  };
  for (let i = 0; i + pattern.length <= words.length; i++) if (pattern.every((g, t) => glob(g, words[i + t]!))) return true;
  return false;
}
