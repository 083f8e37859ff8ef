// Keywords of Classifier rules: case-insensitive words and phrases with glob wildcards, never a user regular
// expression. Text is read as words — runs of letters, marks and digits of any script — compared after
// lowercasing each character. A keyword is split into words the same way (`*` and `?` stay inside words, so
// `tl;dr` is the phrase `tl dr`); it hits where the text has those words consecutively, whatever separates
// them, each text word matched as a whole by its glob (`*` any run of characters, `?` one). So `refactor*`
// hits "Refactoring", `terms of service` hits "Terms-of-Service", and `contract` does not hit
// "subcontractor". The scanner that finds every keyword in one pass is keyword-scan.ts.

const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u;
/** Per BMP code unit ≥ 128: 0 not yet known, 1 separator, 2 word character. Filled on first sight. */
const classes = new Uint8Array(65536);
/** Per BMP code unit ≥ 128: its lowercase when that is one code unit, else itself; 0 not yet known. */
const lowers = new Uint16Array(65536);

/** Whether the code point (or BMP code unit) is a letter, mark or digit. */
export function isWordCodePoint(cp: number): boolean {
  if (cp < 128) return (cp >= 97 && cp <= 122) || (cp >= 65 && cp <= 90) || (cp >= 48 && cp <= 57);
  if (cp < 65536) {
    let k = classes[cp]!;
    if (k === 0) {
      k = WORD_CHAR.test(String.fromCharCode(cp)) ? 2 : 1;
      classes[cp] = k;
    }
    return k === 2;
  }
  return WORD_CHAR.test(String.fromCodePoint(cp));
}

/** The lowercase of one code unit (itself when its lowercase is not a single code unit). */
export function lowerUnit(c: number): number {
  if (c < 128) return c >= 65 && c <= 90 ? c + 32 : c;
  let l = lowers[c]!;
  if (l === 0) {
    const s = String.fromCharCode(c).toLowerCase();
    l = s.length === 1 ? s.charCodeAt(0) : c;
    lowers[c] = l;
  }
  return l;
}

/** Per BMP code unit ≥ 128: 0 not yet known, 1 separator, else the word character's lowerUnit. */
const wordLowers = new Uint16Array(65536);

/**
 * For a code unit ≥ 128 that is not half of a surrogate pair: 1 when it separates words, else its lowercase
 * (lowerUnit) — one table read where isWordCodePoint and lowerUnit take two.
 */
export function wordLower(c: number): number {
  let l = wordLowers[c]!;
  if (l === 0) {
    l = isWordCodePoint(c) ? lowerUnit(c) : 1;
    wordLowers[c] = l;
  }
  return l;
}

/** A string lowercased character by character, as text is compared. */
export function lowerText(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(lowerUnit(s.charCodeAt(i)));
  return out;
}

/** ASCII: whether the code unit is a letter or digit. */
const ASCII_WORD = Uint8Array.from({ length: 128 }, (_, c) => (isWordCodePoint(c) ? 1 : 0));

/** Whether the code unit at `i` is part of a word character (either half of a surrogate pair counts). */
export function continuesWord(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 128) return ASCII_WORD[c] !== 0;
  if ((c & 0xfc00) === 0xdc00 && i > 0) return nonAsciiUnits(text, i - 1, text.charCodeAt(i - 1)) === 2;
  return nonAsciiUnits(text, i, c) > 0;
}

/** Code units a non-ASCII character at `i` takes (1, or 2 for a surrogate pair), negative when it is no word character. */
function nonAsciiUnits(text: string, i: number, c: number): number {
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const low = text.charCodeAt(i + 1);
    if ((low & 0xfc00) === 0xdc00) return isWordCodePoint(((c - 0xd800) << 10) + (low - 0xdc00) + 0x10000) ? 2 : -2;
  }
  return isWordCodePoint(c) ? 1 : -1;
}

/** nonAsciiUnits over copied code units that end at `end`. */
export function nonAsciiCodeUnits(codes: Uint16Array, i: number, c: number, end: number): number {
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
    const low = codes[i + 1]!;
    if ((low & 0xfc00) === 0xdc00) return isWordCodePoint(((c - 0xd800) << 10) + (low - 0xdc00) + 0x10000) ? 2 : -2;
  }
  return isWordCodePoint(c) ? 1 : -1;
}

const SEPARATORS = /[^\p{L}\p{M}\p{N}*?]+/u;

/**
 * The form keywords are compared and recorded in: lowercase words joined by single spaces, wildcards kept.
 * `"Terms  of Service"` → `terms of service`; `tl;dr` → `tl dr`. Empty when the keyword has no word at all.
 */
export function normalizeKeyword(keyword: string): string {
  let out = '';
  for (const w of lowerText(keyword).split(SEPARATORS)) {
    if (w.length === 0) continue;
    out = out.length === 0 ? w : `${out} ${w}`;
  }
  return out;
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
