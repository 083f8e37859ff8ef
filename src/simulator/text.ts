// Deterministic output text and token accounting. One word is one token, so `completion tokens = tokens
// produced` holds exactly; prompt tokens are estimated as ceil(chars / 4) of every text part of the request.

const WORDS = [
  'The', 'simulated', 'upstream', 'answers', 'with', 'steady', 'words', 'so', 'that', 'every', 'test',
  'sees', 'the', 'same', 'text', 'for', 'the', 'same', 'request', 'and', 'counts', 'tokens', 'exactly',
  'one', 'word', 'at', 'a', 'time', 'until', 'it', 'is', 'done.',
] as const;

const tokenCache: string[] = [];

/** The i-th output token: words separated by single spaces (the space leads every token but the first). */
export function tokenAt(i: number): string {
  let t = tokenCache[i];
  if (t === undefined) {
    const word = WORDS[i % WORDS.length] ?? '';
    t = i === 0 ? word : ` ${word}`;
    tokenCache[i] = t;
  }
  return t;
}

const textCache = new Map<number, string>();

/** The whole text of an answer of `n` tokens; cached because benchmark traffic asks for the same sizes. */
export function textOf(n: number): string {
  let text = textCache.get(n);
  if (text === undefined) {
    text = '';
    for (let i = 0; i < n; i++) text += tokenAt(i);
    if (textCache.size < 1024) textCache.set(n, text);
  }
  return text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Characters of text in a message `content`: a string, or parts with `text` (and nested `content`, as tool results have). */
export function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const part of content) {
    if (typeof part === 'string') n += part.length;
    else if (isRecord(part)) {
      if (typeof part.text === 'string') n += part.text.length;
      if (part.content !== undefined) n += contentChars(part.content);
    }
  }
  return n;
}

/** Text of a message `content`, for keyword checks; parts other than text are ignored. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) {
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') out += `${part.text}\n`;
  }
  return out;
}

/** ceil(chars / 4) over the system prompt and every message's text: deterministic and cheap. */
export function estimatePromptTokens(system: unknown, messages: readonly unknown[]): number {
  let chars = contentChars(system);
  for (const m of messages) if (isRecord(m)) chars += contentChars(m.content);
  return Math.ceil(chars / 4);
}

/** Splits a tool call's JSON arguments into the pieces that are streamed; each piece counts as one token. */
export function argumentPieces(json: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < json.length; i += 4) pieces.push(json.slice(i, i + 4));
  return pieces;
}

/** A deterministic value satisfying a (simple) JSON Schema, for tool-call arguments. */
export function sampleFromSchema(schema: unknown, name = ''): unknown {
  if (!isRecord(schema)) return {};
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      return /location|city|place|where/i.test(name) ? 'Paris' : `example ${name}`.trim();
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'null':
      return null;
    default:
      break;
  }
  if (!isRecord(schema.properties)) return {};
  const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string') : [];
  const keys = required.length > 0 ? required : Object.keys(schema.properties);
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = sampleFromSchema(schema.properties[key], key);
  return out;
}
