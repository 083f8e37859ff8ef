// How much of a message is code: the share of its characters (line breaks not counted) on lines that are
// code. A line is code when it is inside a fenced block (``` or ~~~, fence lines included; an unclosed fence
// runs to the end), or when it looks like code on its own: indented by a tab or four spaces (and not a list
// item), ending in `;`, `{` or `}`, or starting with a keyword or comment marker of a common language.
// One pass over the lines with native `indexOf`, and only each line's ends are inspected, so the cost is
// linear in the text with a small constant. Rounded to thousandths: the recorded value is the decided one.

const TAB = 9;
const CR = 13;
const SPACE = 32;

/** Line starts that are code in every common language and rare at the start of a prose line. */
export const CODE_STARTS: readonly string[] = [
  'def ', 'class ', 'import ', 'from ', 'function ', 'return ', 'const ', 'let ', 'var ', 'if (', 'for (',
  'while (', '#include', '#!', 'public ', 'private ', 'protected ', 'static ', 'fn ', 'func ', 'package ',
  'using ', 'async ', 'await ', 'export ', 'struct ', 'impl ', '//', '/*', '*/', '<?php', '</', 'SELECT ',
  'INSERT ', 'UPDATE ', 'DELETE ', 'CREATE ', 'print(', 'console.', '$ ',
];

/** CODE_STARTS by first character (all ASCII), so a line is compared only with the starts that can match it. */
const STARTS_BY_CHAR: readonly (readonly string[] | undefined)[] = (() => {
  const table: string[][] = [];
  for (const s of CODE_STARTS) (table[s.charCodeAt(0)] ??= []).push(s);
  return Array.from({ length: 128 }, (_, c) => table[c]);
})();

const isBlank = (c: number): boolean => c === SPACE || c === TAB;

/** Whether the line [start, end), whose first character is `first`, opens or closes a fence: up to three spaces, then ``` or ~~~. */
function isFence(text: string, start: number, end: number, first: number): boolean {
  let i = start;
  let c = first;
  while (c === SPACE && i < end && i - start < 3) c = text.charCodeAt(++i);
  if (end - i < 3) return false;
  return (c === 96 || c === 126) && text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c; // ``` ~~~
}

function isListItem(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  if ((c === 45 || c === 42 || c === 43) && text.charCodeAt(at + 1) === SPACE) return true; // - * +
  let i = at;
  while (text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  return i > at && (text.charCodeAt(i) === 46 || text.charCodeAt(i) === 41); // 1. 1)
}

/**
 * Whether the line [start, end), whose first and last characters are `first` and `last`, looks like code
 * outside a fence; the line end is read first, it decides most lines.
 */
function looksLikeCode(text: string, start: number, end: number, first: number, last: number): boolean {
  let tail = last;
  if (isBlank(tail)) {
    let at = end - 2;
    while (at >= start && isBlank(text.charCodeAt(at))) at--;
    if (at < start) return false;
    tail = text.charCodeAt(at);
  }
  if (tail === 59 || tail === 123 || tail === 125) return true; // ; { }
  let at = start;
  let lead = first;
  while (isBlank(lead)) lead = text.charCodeAt(++at);
  const indented = first === TAB || at - start >= 4;
  if (indented && !isListItem(text, at)) return true;
  const starts = lead < 128 ? STARTS_BY_CHAR[lead] : undefined;
  if (starts === undefined) return false;
  for (const s of starts) if (text.startsWith(s, at)) return true;
  return false;
}

/** Share (0–1, thousandths) of the text's characters that are on code lines; 0 for an empty text. */
export function codeDensity(text: string): number {
  const n = text.length;
  let total = 0;
  let code = 0;
  let fenced = false;
  for (let start = 0; start <= n; ) {
    let next = text.indexOf('\n', start);
    if (next < 0) next = n;
    // Each line's first and last characters are read once here and handed on.
    let end = next;
    let last = next > start ? text.charCodeAt(next - 1) : 0;
    if (last === CR) {
      end--;
      last = end > start ? text.charCodeAt(end - 1) : 0;
    }
    const length = end - start;
    total += length;
    if (length > 0) {
      const first = text.charCodeAt(start);
      // Only a line starting with a space, ` or ~ can be a fence.
      if ((first === SPACE || first === 96 || first === 126) && isFence(text, start, end, first)) {
        fenced = !fenced;
        code += length;
      } else if (fenced || looksLikeCode(text, start, end, first, last)) {
        code += length;
      }
    }
    start = next + 1;
  }
  return total === 0 ? 0 : Math.round((code / total) * 1000) / 1000;
}
