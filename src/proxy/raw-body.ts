// The client's own JSON text, forwarded with only its top-level `model` value replaced: cheaper than copying the
// parsed body and serialising it again, and the provider gets the client's bytes (field order, number spelling,
// whitespace) otherwise untouched. Only a text that already parsed is scanned, so the scan need not validate.
import { jsonString, members, skipSpace, stringIs } from './json-text.js';

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

/**
 * Scans the top level of a JSON object's text (one that `JSON.parse` accepted). Undefined when the text is not an
 * object, or has no top-level `model` or more than one (JSON.parse keeps the last of duplicate keys; forwarding the
 * text with only one of them replaced would let the other through): the caller serialises the parsed body instead.
 */
export function scanRawBody(text: string): RawBody | undefined {
  const open = skipSpace(text, 0);
  const spans = members(text, open);
  if (spans === undefined) return undefined;
  let modelStart = -1;
  let modelEnd = -1;
  let streamOptions = false;
  for (let i = 0; i < spans.length; i += 4) {
    if (stringIs(text, spans[i]!, spans[i + 1]!, 'model')) {
      if (modelStart >= 0) return undefined;
      modelStart = spans[i + 2]!;
      modelEnd = spans[i + 3]!;
    } else if (stringIs(text, spans[i]!, spans[i + 1]!, 'stream_options')) {
      streamOptions = true;
    }
  }
  return modelStart < 0 ? undefined : { text, modelStart, modelEnd, bodyStart: open + 1, streamOptions };
}

/** The text with its `model` value replaced by `model` (the same text when it already names it). */
export function withModel(raw: RawBody, model: string): string {
  const quoted = jsonString(model);
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
