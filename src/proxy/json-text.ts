// JSON as text: a string quoted as JSON.stringify quotes it, and a few fields read out of JSON text without parsing
// all of it (where an object's members sit, as index spans into the text). Values that are not looked into are
// skipped, not checked: the text must be JSON already (a request body fastify parsed).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** Characters JSON.stringify leaves as they are (surrogates are left to it: a lone one is escaped). */
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** `JSON.stringify(s)` for a string, without the call into the runtime's serialiser when nothing needs escaping. */
export const jsonString = (s: string): string => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Index just past the string that opens at `i` (a `"`), or -1 when it does not close. */
function stringEnd(text: string, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) return -1;
    // A quote preceded by an odd run of backslashes is escaped.
    let k = q - 1;
    while (text.charCodeAt(k) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** Index just past the value that starts at `i`, or -1 when the text ends first. */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return stringEnd(text, i);
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const d = text.charCodeAt(j);
      if (d === QUOTE) {
        j = stringEnd(text, j);
        if (j < 0) return -1;
        continue;
      }
      if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
      else if ((d === CLOSE_OBJECT || d === CLOSE_ARRAY) && --depth === 0) return j + 1;
      j++;
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  let j = i;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === COMMA || d === CLOSE_OBJECT || d === CLOSE_ARRAY || isSpace(d)) break;
    j++;
  }
  return j === i ? -1 : j;
}

/** The span `start..end` holds a string with an escape in it. */
function escaped(text: string, start: number, end: number): boolean {
  for (let i = start + 1; i < end - 1; i++) if (text.charCodeAt(i) === BACKSLASH) return true;
  return false;
}

/** The string at `start..end` (quotes included) reads as `name`, as JSON.parse would decode it. */
export function stringIs(text: string, start: number, end: number, name: string): boolean {
  if (end - start - 2 === name.length && text.startsWith(name, start + 1)) return true;
  return escaped(text, start, end) && JSON.parse(text.slice(start, end)) === name;
}

/**
 * The members of the object that opens at `open`, as spans: `[keyStart, keyEnd, valueStart, valueEnd, …]` in
 * text order (a key repeated appears each time: JSON.parse keeps the last). Undefined when the text is not an
 * object there.
 */
export function members(text: string, open: number): number[] | undefined {
  if (text.charCodeAt(open) !== OPEN_OBJECT) return undefined;
  const out: number[] = [];
  let i = skipSpace(text, open + 1);
  if (text.charCodeAt(i) === CLOSE_OBJECT) return out;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) return undefined;
    const colon = skipSpace(text, keyEnd);
    if (text.charCodeAt(colon) !== COLON) return undefined;
    const start = skipSpace(text, colon + 1);
    const stop = valueEnd(text, start);
    if (stop < 0) return undefined;
    out.push(i, keyEnd, start, stop);
    i = skipSpace(text, stop);
    const c = text.charCodeAt(i);
    if (c === CLOSE_OBJECT) return out;
    if (c !== COMMA) return undefined;
    i = skipSpace(text, i + 1);
  }
}
