// What an answer is, independent of protocol, and the interface each protocol's serialiser implements.
import type { Protocol } from './request.js';

export type FinishReason = 'stop' | 'length' | 'tool';

export type AnswerContent =
  | { readonly kind: 'text'; readonly tokens: number }
  | { readonly kind: 'tool'; readonly id: string; readonly name: string; readonly arguments: string; readonly pieces: readonly string[] };

export interface Answer {
  readonly id: string;
  readonly model: string;
  /** Unix seconds. */
  readonly created: number;
  readonly content: AnswerContent;
  readonly finish: FinishReason;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** False under a `noUsage` fault: the response or stream reports no usage at all. */
  readonly usage: boolean;
  /** OpenAI only: the client asked for the usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
}

export interface Wire {
  readonly protocol: Protocol;
  /** The provider's error body for `status`; '' gives the provider's usual message. `code` overrides OpenAI's `code`. */
  errorBody(status: number, message: string, code?: string | null): string;
  /** The non-streaming response body. */
  completion(answer: Answer): string;
  /** The SSE frames of a streaming response, each a complete event ending in a blank line; the last is the final event. */
  streamFrames(answer: Answer): string[];
  /** The body of `GET /v1/models`. */
  models(models: readonly string[]): string;
  /** Header carrying the request id in this provider's responses. */
  readonly requestIdHeader: string;
}

const jsonCache = new Map<string, string>();

/** JSON of a short string that recurs across requests (tokens, model names), cached to keep the hot path cheap. */
export function cachedJson(s: string): string {
  let j = jsonCache.get(s);
  if (j === undefined) {
    j = JSON.stringify(s);
    if (jsonCache.size < 4096) jsonCache.set(s, j);
  }
  return j;
}
