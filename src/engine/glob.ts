// Globs for regions and names: `*` matches any run of characters, `?` exactly one. No regular expressions reach
// user input. A glob compiles once into literal segments split at `*`; matching anchors the first and last
// segment and finds each middle one leftmost, which is correct for `*` (any leftmost match leaves the most room
// for the rest) and costs at most O(|glob| × |s|) — never the exponential backtracking of a naive matcher.

export type GlobMatcher = (s: string) => boolean;

const QUESTION = 63; // '?'

/** Whether `seg` matches `s` at `at` (`?` matches any one UTF-16 unit). */
function segmentAt(seg: string, s: string, at: number): boolean {
  for (let j = 0; j < seg.length; j++) {
    const c = seg.charCodeAt(j);
    if (c !== QUESTION && c !== s.charCodeAt(at + j)) return false;
  }
  return true;
}

/** Compile a glob into a matcher; call once per glob, then match many strings. */
export function compileGlob(glob: string): GlobMatcher {
  const parts = glob.split('*');
  if (parts.length === 1) {
    return (s) => s.length === glob.length && segmentAt(glob, s, 0);
  }
  const head = parts[0] ?? '';
  const tail = parts[parts.length - 1] ?? '';
  const middle = parts.slice(1, -1).filter((p) => p.length > 0);
  const minLength = head.length + tail.length + middle.reduce((n, p) => n + p.length, 0);
  return (s) => {
    if (s.length < minLength) return false;
    if (!segmentAt(head, s, 0)) return false;
    const end = s.length - tail.length;
    if (!segmentAt(tail, s, end)) return false;
    let at = head.length;
    for (const seg of middle) {
      let found = -1;
      for (let i = at; i + seg.length <= end; i++) {
        if (segmentAt(seg, s, i)) {
          found = i;
          break;
        }
      }
      if (found < 0) return false;
      at = found + seg.length;
    }
    return true;
  };
}

/** One-off glob match; prefer `compileGlob` when the same glob is matched repeatedly. */
export const globMatch = (glob: string, s: string): boolean => compileGlob(glob)(s);
