// Translation between the OpenAI and Anthropic wire protocols, for a request whose client speaks one and whose
// provider speaks the other: the request body, the answer or error body, and the stream. Pure: no I/O; the
// proxy feeds it parsed bodies and SSE events and sends what it returns.
import { anthropicAnswerToOpenAI, anthropicErrorToOpenAI, anthropicRequestToOpenAI } from './anthropic-to-openai.js';
import { AnthropicToOpenAIStream } from './anthropic-to-openai-stream.js';
import { openaiAnswerToAnthropic, openaiErrorToAnthropic, openaiRequestToAnthropic } from './openai-to-anthropic.js';
import { OpenAIToAnthropicStream } from './openai-to-anthropic-stream.js';
import type { SseEvent } from './sse-events.js';
import type { JsonObject, ResponseMode, TokenUsage, Translated, TranslatedRequest } from './types.js';

/** The two wire protocols. */
export type WireProtocol = 'openai' | 'anthropic';

export { SseReader, type SseEvent } from './sse-events.js';
export { PLAIN, type ResponseMode, type TokenUsage, type Translated, type Unsupported } from './types.js';
export { anthropicRequestToOpenAI, anthropicAnswerToOpenAI, anthropicErrorToOpenAI, AnthropicToOpenAIStream };
export { openaiRequestToAnthropic, openaiAnswerToAnthropic, openaiErrorToAnthropic, OpenAIToAnthropicStream };

/** The candidate a request is translated for: its upstream model, and the Model's output limit. */
export interface TranslationTarget {
  readonly model: string;
  readonly maxOutputTokens: number;
}

/** A client's request body (in `client`'s protocol) for a provider speaking the other one. */
export function translateRequest(client: WireProtocol, body: JsonObject, target: TranslationTarget): Translated<TranslatedRequest<object>> {
  return client === 'openai' ? openaiRequestToAnthropic(body, target) : anthropicRequestToOpenAI(body, target);
}

export interface TranslatedAnswer {
  /** The body for the client, serialised. */
  readonly body: string;
  /** The provider's usage in neutral terms; undefined when it reported none (error answers report none). */
  readonly usage: TokenUsage | undefined;
}

function parsed(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * A provider's complete answer (in `provider`'s protocol) for the client of the other protocol. A success is
 * translated as a message; any other status as an error body, the status unchanged. A success that is not a
 * message of the provider's protocol cannot be translated (the proxy treats it as a failed attempt).
 */
export function translateAnswer(provider: WireProtocol, status: number, raw: string, mode: ResponseMode, created: number): Translated<TranslatedAnswer> {
  const value = parsed(raw);
  if (status < 200 || status >= 300) {
    const error = provider === 'openai' ? openaiErrorToAnthropic(status, value) : anthropicErrorToOpenAI(status, value);
    return { ok: true, value: { body: JSON.stringify(error), usage: undefined } };
  }
  const answer = provider === 'openai' ? openaiAnswerToAnthropic(value) : anthropicAnswerToOpenAI(value, mode, created);
  return answer.ok ? { ok: true, value: { body: JSON.stringify(answer.value.body), usage: answer.value.usage } } : answer;
}

/** Translates a provider's stream event by event; `done` once its final event went by. */
export interface StreamTranslator {
  push(event: SseEvent): string;
  readonly usage: TokenUsage | undefined;
  readonly done: boolean;
}

export function streamTranslator(provider: WireProtocol, mode: ResponseMode, created: number): StreamTranslator {
  return provider === 'openai' ? new OpenAIToAnthropicStream() : new AnthropicToOpenAIStream(mode, created);
}
