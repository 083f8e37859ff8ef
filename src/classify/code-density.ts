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
const CODE_STARTS: readonly string[] = [
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

/** Whether the line [start, end) opens or closes a fence: up to three spaces, then ``` or ~~~. */
function isFence(text: string, start: number, end: number): boolean {
  let i = start;
  while (i < end && i - start < 3 && text.charCodeAt(i) === SPACE) i++;
  if (end - i < 3) return false;
  const c = text.charCodeAt(i);
  return (c === 96 || c === 126) && text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c; // ``` ~~~
}

function isListItem(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  if ((c === 45 || c === 42 || c === 43) && text.charCodeAt(at + 1) === SPACE) return true; // - * +
  let i = at;
  while (text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  return i > at && (text.charCodeAt(i) === 46 || text.charCodeAt(i) === 41); // 1. 1)
}

/** Whether the line [start, end) looks like code outside a fence; the line end is read first, it decides most lines. */
function looksLikeCode(text: string, start: number, end: number): boolean {
  let last = end - 1;
  while (last >= start && isBlank(text.charCodeAt(last))) last--;
  if (last < start) return false;
  const tail = text.charCodeAt(last);
  if (tail === 59 || tail === 123 || tail === 125) return true; // ; { }
  let first = start;
  while (isBlank(text.charCodeAt(first))) first++;
  const indented = text.charCodeAt(start) === TAB || first - start >= 4;
  if (indented && !isListItem(text, first)) return true;
  const lead = text.charCodeAt(first);
  const starts = lead < 128 ? STARTS_BY_CHAR[lead] : undefined;
  if (starts === undefined) return false;
  for (const s of starts) if (text.startsWith(s, first)) return true;
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
    const end = next > start && text.charCodeAt(next - 1) === CR ? next - 1 : next;
    const length = end - start;
    total += length;
    if (length > 0) {
      if (isFence(text, start, end)) {
        fenced = !fenced;
        code += length;
      } else if (fenced || looksLikeCode(text, start, end)) {
        code += length;
      }
    }
    start = next + 1;
  }
  return total === 0 ? 0 : Math.round((code / total) * 1000) / 1000;
}
