// OpenAI `chat.completion.chunk`s as an Anthropic message stream: a state machine fed one parsed event at a
// time, returning the Anthropic SSE text to send for it. The first chunk opens the message; content deltas open
// (or continue) a text block and tool-call deltas a tool_use block, closing the previous block first; the
// finish reason closes the last block; `data: [DONE]` sends message_delta (stop reason and usage, which OpenAI
// reports only at the end) and message_stop. A stream that ends without `[DONE]` gets no message_stop.
import { anthropicUsageOf, openaiTokenUsage } from './openai-to-anthropic.js';
import { sseEvent, type SseEvent } from './sse-events.js';
import { isObject, type AnthropicStopReason, type JsonObject, type TokenUsage } from './types.js';
import { anthropicErrorType, stopOfFinish } from './vocabulary.js';

interface OpenBlock {
  readonly index: number;
  /** The OpenAI tool-call index this block carries, or -1 for text. */
  readonly call: number;
}

/** Anthropic error types an OpenAI stream error can name directly; anything else is an `api_error`. */
const SHARED_ERROR_TYPES: ReadonlySet<string> = new Set(['invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'rate_limit_error']);

export class OpenAIToAnthropicStream {
  private started = false;
  private open: OpenBlock | null = null;
  private blocks = 0;
  private readonly seenCalls = new Set<number>();
  private usageFields: JsonObject | undefined;
  private stopReason: AnthropicStopReason | undefined;
  private refused = false;
  /** `[DONE]` went by: the stream ended properly. */
  done = false;

  /** The usage the provider reported so far, in neutral terms; undefined when it reported none. */
  get usage(): TokenUsage | undefined {
    return this.usageFields === undefined ? undefined : openaiTokenUsage(this.usageFields);
  }

  push(e: SseEvent): string {
    // Nothing may follow message_stop, whatever a provider sends after its `[DONE]`.
    if (this.done) return '';
    const data = e.data.trim();
    if (data === '[DONE]') return this.finish();
    if (data === '') return '';
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      return '';
    }
    if (!isObject(value)) return '';
    if (isObject(value.error)) return this.error(value.error);
    let out = this.start(value);
    if (isObject(value.usage)) this.usageFields = value.usage;
    const choice = Array.isArray(value.choices) ? value.choices[0] : undefined;
    if (!isObject(choice)) return out;
    const delta = isObject(choice.delta) ? choice.delta : {};
    if (typeof delta.content === 'string' && delta.content !== '') out += this.text(delta.content);
    if (typeof delta.refusal === 'string' && delta.refusal !== '') {
      this.refused = true;
      out += this.text(delta.refusal);
    }
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) if (isObject(call)) out += this.toolCall(call);
    if (typeof choice.finish_reason === 'string') {
      out += this.close();
      this.stopReason = this.refused ? 'refusal' : stopOfFinish(choice.finish_reason);
    }
    return out;
  }

  private start(chunk: JsonObject): string {
    if (this.started) return '';
    this.started = true;
    const message = {
      id: typeof chunk.id === 'string' ? chunk.id : '',
      type: 'message',
      role: 'assistant',
      model: typeof chunk.model === 'string' ? chunk.model : '',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // Anthropic clients read usage here; OpenAI reports it only at the end, so the real figures come with message_delta.
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return sseEvent('message_start', JSON.stringify({ type: 'message_start', message }));
  }

  private close(): string {
    if (this.open === null) return '';
    const index = this.open.index;
    this.open = null;
    return sseEvent('content_block_stop', `{"type":"content_block_stop","index":${index}}`);
  }

  private text(text: string): string {
    let out = '';
    if (this.open === null || this.open.call !== -1) {
      out = this.close();
      this.open = { index: this.blocks++, call: -1 };
      out += sseEvent('content_block_start', `{"type":"content_block_start","index":${this.open.index},"content_block":{"type":"text","text":""}}`);
    }
    return `${out}${sseEvent('content_block_delta', `{"type":"content_block_delta","index":${this.open.index},"delta":{"type":"text_delta","text":${JSON.stringify(text)}}}`)}`;
  }

  private toolCall(call: JsonObject): string {
    const n = typeof call.index === 'number' ? call.index : 0;
    const fn = isObject(call.function) ? call.function : {};
    let out = '';
    if (this.open === null || this.open.call !== n) {
      // OpenAI streams one call after another; a call's fragments never resume once the next has begun.
      if (this.seenCalls.has(n)) return '';
      this.seenCalls.add(n);
      out = this.close();
      this.open = { index: this.blocks++, call: n };
      const block = { type: 'tool_use', id: String(call.id ?? ''), name: String(fn.name ?? ''), input: {} };
      out += sseEvent('content_block_start', JSON.stringify({ type: 'content_block_start', index: this.open.index, content_block: block }));
    }
    const args = fn.arguments;
    if (typeof args !== 'string' || args === '') return out;
    return `${out}${sseEvent('content_block_delta', `{"type":"content_block_delta","index":${this.open.index},"delta":{"type":"input_json_delta","partial_json":${JSON.stringify(args)}}}`)}`;
  }

  private error(error: JsonObject): string {
    const type = typeof error.type === 'string' && SHARED_ERROR_TYPES.has(error.type) ? error.type : anthropicErrorType(500);
    const message = typeof error.message === 'string' ? error.message : 'the provider reported an error';
    return sseEvent('error', JSON.stringify({ type: 'error', error: { type, message } }));
  }

  private finish(): string {
    if (this.done) return '';
    this.done = true;
    let out = this.start({});
    out += this.close();
    // The SDKs read message_delta's usage unconditionally: zeros stand in when the provider reported none.
    const usage = this.usageFields === undefined ? { output_tokens: 0 } : anthropicUsageOf(this.usageFields);
    const delta = { type: 'message_delta', delta: { stop_reason: this.stopReason ?? 'end_turn', stop_sequence: null }, usage };
    out += sseEvent('message_delta', JSON.stringify(delta));
    return `${out}${sseEvent('message_stop', '{"type":"message_stop"}')}`;
  }
}
