// The client's own JSON text, forwarded with only its top-level `model` value replaced: cheaper than copying the
// parsed body and serialising it again, and the provider gets the client's bytes (field order, number spelling,
// whitespace) otherwise untouched. Only a text that already parsed is scanned, so the scan need not validate.

/** Where a request text's top-level `model` value sits, and what else the upstream body needs to know of it. */
export interface RawBody {
  readonly text: string;
  /** The `model` value's span: `text.slice(modelStart, modelEnd)`. */
  readonly modelStart: number;
  readonly modelEnd: number;
  /** Index just after the opening `{`. */
  readonly bodyStart: number;
  /** The object has a top-level `stream_options` key. */
  readonly streamOptions: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipSpace(text: string, i: number): number {
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
  return j;
}

/** A key's text as JSON.parse reads it (only an escaped key needs decoding). */
function keyOf(text: string, start: number, end: number): string {
  const inner = text.slice(start + 1, end - 1);
  return inner.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : inner;
}

/**
 * Scans the top level of a JSON object's text (one that `JSON.parse` accepted). Undefined when the text is not an
 * object, or has no top-level `model` or more than one (JSON.parse keeps the last of duplicate keys; forwarding the
 * text with only one of them replaced would let the other through): the caller serialises the parsed body instead.
 */
export function scanRawBody(text: string): RawBody | undefined {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN_OBJECT) return undefined;
  const bodyStart = i + 1;
  let modelStart = -1;
  let modelEnd = -1;
  let streamOptions = false;
  i = skipSpace(text, bodyStart);
  if (text.charCodeAt(i) === CLOSE_OBJECT) return undefined;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) return undefined;
    const key = keyOf(text, i, keyEnd);
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== COLON) return undefined;
    const start = skipSpace(text, i + 1);
    const end = valueEnd(text, start);
    if (end < 0) return undefined;
    if (key === 'model') {
      if (modelStart >= 0) return undefined;
      modelStart = start;
      modelEnd = end;
    } else if (key === 'stream_options') {
      streamOptions = true;
    }
    i = skipSpace(text, end);
    const c = text.charCodeAt(i);
    if (c === CLOSE_OBJECT) break;
    if (c !== COMMA) return undefined;
    i = skipSpace(text, i + 1);
  }
  return modelStart < 0 ? undefined : { text, modelStart, modelEnd, bodyStart, streamOptions };
}

/** The text with its `model` value replaced by `model` (the same text when it already names it). */
export function withModel(raw: RawBody, model: string): string {
  const quoted = JSON.stringify(model);
  const { text, modelStart, modelEnd } = raw;
  if (modelEnd - modelStart === quoted.length && text.startsWith(quoted, modelStart)) return text;
  return text.slice(0, modelStart) + quoted + text.slice(modelEnd);
}

/** `withModel`, asking an OpenAI stream for its usage: only for a text without `stream_options` of its own. */
export function withModelAndUsage(raw: RawBody, model: string): string {
  const text = withModel(raw, model);
  // INVARIANT: the object has at least its `model` key, so a member inserted first is followed by a comma.
  return `${text.slice(0, raw.bodyStart)}"stream_options":{"include_usage":true},${text.slice(raw.bodyStart)}`;
}
