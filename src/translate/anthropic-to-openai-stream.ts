// An Anthropic message stream as OpenAI `chat.completion.chunk`s: a state machine fed one parsed event at a
// time, returning the OpenAI SSE text to send for it. message_start opens the answer (role chunk), text and
// tool-input deltas become content and tool-call deltas, message_delta carries the finish reason, and
// message_stop ends it with one usage chunk (when the provider reported usage) and `data: [DONE]`. A stream
// that ends without message_stop gets no `[DONE]`, so the proxy sees it as cut.
import { anthropicErrorToOpenAI, anthropicTokenUsage, openaiUsageOf } from './anthropic-to-openai.js';
import { sseData, type SseEvent } from './sse-events.js';
import { isObject, type JsonObject, type OpenAIFinishReason, type ResponseMode, type TokenUsage } from './types.js';
import { finishOfStop } from './vocabulary.js';

/** What an Anthropic content block becomes: text, a tool call (with its OpenAI index), JSON-mode text, or nothing. */
type BlockKind = { kind: 'text' } | { kind: 'tool'; call: number } | { kind: 'json' } | { kind: 'skip' };

const SKIP: BlockKind = { kind: 'skip' };
const TEXT: BlockKind = { kind: 'text' };
const JSON_TEXT: BlockKind = { kind: 'json' };

export class AnthropicToOpenAIStream {
  private head = '';
  private id = '';
  private model = '';
  private readonly blocks = new Map<number, BlockKind>();
  private calls = 0;
  private usageFields: JsonObject | undefined;
  private finish: OpenAIFinishReason | undefined;
  /** message_stop went by: the stream ended properly. */
  done = false;

  constructor(
    private readonly mode: ResponseMode,
    /** Unix seconds for every chunk's `created`. */
    private readonly created: number,
  ) {}

  /** The usage the provider reported so far, in neutral terms; undefined when it reported none. */
  get usage(): TokenUsage | undefined {
    return this.usageFields === undefined ? undefined : anthropicTokenUsage(this.usageFields);
  }

  push(e: SseEvent): string {
    // Nothing may follow `[DONE]`, whatever a provider sends after its message_stop.
    if (this.done || e.data === '' || e.data === '[DONE]') return '';
    let value: unknown;
    try {
      value = JSON.parse(e.data);
    } catch {
      return '';
    }
    if (!isObject(value)) return '';
    const type = typeof value.type === 'string' ? value.type : e.event;
    switch (type) {
      case 'message_start':
        return this.start(isObject(value.message) ? value.message : {});
      case 'content_block_start':
        return this.blockStart(value);
      case 'content_block_delta':
        return this.delta(value);
      case 'message_delta':
        return this.messageDelta(value);
      case 'message_stop':
        return this.stop();
      case 'error':
        return sseData(JSON.stringify(anthropicErrorToOpenAI(500, value)));
      default:
        // ping, content_block_stop and event types added later carry nothing an OpenAI client reads.
        return '';
    }
  }

  private chunk(choice: string): string {
    if (this.head === '') {
      this.head = `data: {"id":${JSON.stringify(this.id)},"object":"chat.completion.chunk","created":${this.created},"model":${JSON.stringify(this.model)},"choices":[{"index":0,"delta":`;
    }
    return `${this.head}${choice}}]}\n\n`;
  }

  private content(text: string): string {
    return this.chunk(`{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null`);
  }

  private mergeUsage(usage: unknown): void {
    // message_delta repeats fields cumulatively; a later value replaces an earlier one.
    if (isObject(usage)) this.usageFields = { ...this.usageFields, ...usage };
  }

  private start(message: JsonObject): string {
    this.id = typeof message.id === 'string' ? message.id : '';
    this.model = typeof message.model === 'string' ? message.model : '';
    this.head = '';
    this.mergeUsage(message.usage);
    return this.chunk('{"role":"assistant","content":""},"logprobs":null,"finish_reason":null');
  }

  private blockStart(e: JsonObject): string {
    const index = typeof e.index === 'number' ? e.index : this.blocks.size;
    const block = isObject(e.content_block) ? e.content_block : {};
    if (block.type === 'text') {
      this.blocks.set(index, TEXT);
      return typeof block.text === 'string' && block.text !== '' ? this.content(block.text) : '';
    }
    if (block.type !== 'tool_use') {
      this.blocks.set(index, SKIP);
      return '';
    }
    if (this.mode.jsonTool !== undefined && block.name === this.mode.jsonTool) {
      this.blocks.set(index, JSON_TEXT);
      return '';
    }
    const call = this.calls++;
    this.blocks.set(index, { kind: 'tool', call });
    const opened = { index: call, id: String(block.id ?? ''), type: 'function', function: { name: String(block.name ?? ''), arguments: '' } };
    return this.chunk(`{"tool_calls":[${JSON.stringify(opened)}]},"logprobs":null,"finish_reason":null`);
  }

  private delta(e: JsonObject): string {
    const kind = this.blocks.get(typeof e.index === 'number' ? e.index : -1) ?? SKIP;
    const d = isObject(e.delta) ? e.delta : {};
    if (d.type === 'text_delta' && kind.kind === 'text' && typeof d.text === 'string') return d.text === '' ? '' : this.content(d.text);
    if (d.type !== 'input_json_delta' || typeof d.partial_json !== 'string' || d.partial_json === '') return '';
    if (kind.kind === 'json') return this.content(d.partial_json);
    if (kind.kind !== 'tool') return '';
    return this.chunk(`{"tool_calls":[{"index":${kind.call},"function":{"arguments":${JSON.stringify(d.partial_json)}}}]},"logprobs":null,"finish_reason":null`);
  }

  private messageDelta(e: JsonObject): string {
    this.mergeUsage(e.usage);
    const d = isObject(e.delta) ? e.delta : {};
    if (d.stop_reason === undefined || d.stop_reason === null) return '';
    const jsonAnswered = this.mode.jsonTool !== undefined && this.calls === 0 && d.stop_reason === 'tool_use';
    this.finish = jsonAnswered ? 'stop' : finishOfStop(d.stop_reason);
    return this.chunk(`{},"logprobs":null,"finish_reason":"${this.finish}"`);
  }

  private stop(): string {
    if (this.done) return '';
    this.done = true;
    let out = this.finish === undefined ? this.chunk('{},"logprobs":null,"finish_reason":"stop"') : '';
    if (this.usageFields !== undefined) {
      const usage = openaiUsageOf(this.usageFields);
      out += sseData(`{"id":${JSON.stringify(this.id)},"object":"chat.completion.chunk","created":${this.created},"model":${JSON.stringify(this.model)},"choices":[],"usage":${JSON.stringify(usage)}}`);
    }
    return `${out}data: [DONE]\n\n`;
  }
}
