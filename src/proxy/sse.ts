// Server-sent events passed through with backpressure. Only whole events are forwarded, and only events that
// can carry usage, the final marker or an error are parsed; everything else goes out byte for byte. Usage is
// read on the way (OpenAI's final usage chunk; Anthropic's message_start and message_delta) without holding
// the stream. The usage chunk the proxy asked for on the client's behalf is dropped.
import type { ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { Cancel } from './cancel.js';
import { streamErrorEvent, proxyError } from './errors.js';
import type { Protocol, Usage } from './protocol.js';
import type { UsageSource } from './upstream.js';

const USAGE_OBJECT = /"usage"\s*:\s*\{/;

/**
 * Longest event (in characters) held while waiting for its end. Real events are a few hundred bytes; the cap
 * keeps what one response can hold — this, one upstream read and the client socket's buffer — under 1 MiB.
 */
export const MAX_PENDING_EVENT_CHARS = 256 * 1024;

/**
 * String fields that carry answer text in stream events: OpenAI `content`, `refusal` and tool-call `arguments`
 * deltas; Anthropic `text`, `thinking` and `partial_json` deltas. Escapes count as written (slightly over).
 */
const TEXT_FIELD = /"(?:content|text|partial_json|arguments|thinking|refusal)"\s*:\s*"((?:[^"\\]|\\.)*)"/g;

/** Characters of answer text in whole events, without parsing them: what a cut stream is billed by when the provider sent no usage. */
export function eventTextChars(events: string): number {
  let n = 0;
  TEXT_FIELD.lastIndex = 0;
  for (let m = TEXT_FIELD.exec(events); m !== null; m = TEXT_FIELD.exec(events)) n += m[1]!.length;
  return n;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/** Reads a stream's events: what to forward, the usage seen, and whether it ended properly. */
export class SseScanner {
  private tail = '';
  private readonly decoder = new StringDecoder('utf8');
  private inputTokens: number | undefined;
  private outputTokens: number | undefined;
  /** The stream's final event (`data: [DONE]`, `message_stop`) went by. */
  terminal = false;
  /** The provider itself sent an error event. */
  upstreamError = false;
  /** Characters of answer text in the events forwarded so far. */
  outputChars = 0;
  /** An event grew past `MAX_PENDING_EVENT_CHARS` without ending: the stream must be cut. */
  oversized = false;

  constructor(
    private readonly protocol: Protocol,
    /** Drop OpenAI's usage-only chunk (the client did not ask for it). */
    private readonly stripUsageChunk: boolean,
  ) {}

  get usage(): Usage | undefined {
    if (this.inputTokens === undefined && this.outputTokens === undefined) return undefined;
    return { inputTokens: this.inputTokens ?? 0, outputTokens: this.outputTokens ?? 0 };
  }

  /** Feeds a chunk; returns the complete events to forward now. */
  push(chunk: Buffer): string {
    let text = this.tail + this.decoder.write(chunk);
    if (text.includes('\r')) {
      // Keep a trailing CR: its LF may be in the next chunk, and CRLF must not turn into two line ends.
      const keep = text.endsWith('\r') ? '\r' : '';
      text = text.slice(0, text.length - keep.length).replace(/\r\n?/g, '\n') + keep;
    }
    const end = text.lastIndexOf('\n\n');
    if (end === -1) {
      this.tail = text;
      this.oversized = text.length > MAX_PENDING_EVENT_CHARS;
      return '';
    }
    const complete = text.slice(0, end + 2);
    this.tail = text.slice(end + 2);
    this.oversized = this.tail.length > MAX_PENDING_EVENT_CHARS;
    return this.counted(this.inspect(complete));
  }

  /** What is left when the upstream ends (an unterminated event, passed on as it is). */
  flush(): string {
    const rest = this.tail + this.decoder.end();
    this.tail = '';
    return rest === '' ? '' : this.counted(this.inspect(rest.endsWith('\n\n') ? rest : `${rest}\n\n`));
  }

  private counted(events: string): string {
    this.outputChars += eventTextChars(events);
    return events;
  }

  private inspect(complete: string): string {
    const marker = this.protocol === 'openai' ? '[DONE]' : 'message_stop';
    if (!complete.includes('"usage"') && !complete.includes(marker) && !complete.includes('error')) return complete;
    let out = '';
    let start = 0;
    while (start < complete.length) {
      const end = complete.indexOf('\n\n', start);
      const stop = end === -1 ? complete.length : end + 2;
      const event = complete.slice(start, stop);
      start = stop;
      if (this.keep(event)) out += event;
    }
    return out;
  }

  /** Reads one event; false when it is to be dropped. */
  private keep(event: string): boolean {
    let name = '';
    let data = '';
    for (const line of event.split('\n')) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data += (data === '' ? '' : '\n') + line.slice(line.startsWith('data: ') ? 6 : 5);
    }
    if (this.protocol === 'openai' && data.trim() === '[DONE]') {
      this.terminal = true;
      return true;
    }
    if (name === 'message_stop') this.terminal = true;
    if (name === 'error') this.upstreamError = true;
    const parsedNeeded = USAGE_OBJECT.test(data) || (data.includes('"error"') && name !== 'error') || (name === '' && data.includes('message_stop'));
    if (!parsedNeeded) return true;
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      return true;
    }
    if (!isObject(value)) return true;
    if (isObject(value.error)) this.upstreamError = true;
    if (value.type === 'message_stop') this.terminal = true;
    return this.protocol === 'openai' ? this.openaiUsage(value) : (this.anthropicUsage(value), true);
  }

  private openaiUsage(chunk: Record<string, unknown>): boolean {
    if (!isObject(chunk.usage)) return true;
    this.inputTokens = count(chunk.usage.prompt_tokens) ?? this.inputTokens;
    this.outputTokens = count(chunk.usage.completion_tokens) ?? this.outputTokens;
    const usageOnly = Array.isArray(chunk.choices) && chunk.choices.length === 0;
    return !(usageOnly && this.stripUsageChunk);
  }

  private anthropicUsage(event: Record<string, unknown>): void {
    const usage = event.type === 'message_start' && isObject(event.message) ? event.message.usage : event.usage;
    if (!isObject(usage)) return;
    // message_delta's output_tokens is cumulative; a later value replaces an earlier one. Cache reads and
    // writes are prompt tokens Anthropic reports apart; they count as input, as OpenAI's prompt_tokens do.
    const input = count(usage.input_tokens);
    if (input !== undefined) this.inputTokens = input + (count(usage.cache_creation_input_tokens) ?? 0) + (count(usage.cache_read_input_tokens) ?? 0);
    this.outputTokens = count(usage.output_tokens) ?? this.outputTokens;
  }
}

export interface RelayInput {
  readonly protocol: Protocol;
  readonly first: Buffer;
  readonly rest: AsyncIterator<Buffer>;
  /** The client's response, head already written. */
  readonly out: ServerResponse;
  readonly stripUsageChunk: boolean;
  readonly provider: string;
  readonly signal: Cancel;
  readonly describe: (err: unknown) => string;
  /** A translated stream: the provider's own usage report, which replaces what the scanner reads from the translated events. */
  readonly providerUsage?: UsageSource | undefined;
}

export interface RelayResult {
  readonly outcome: 'completed' | 'cut' | 'aborted';
  readonly usage: Usage | undefined;
  /** Characters of answer text forwarded to the client. */
  readonly outputChars: number;
  readonly note?: string;
}

function drained(out: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

export async function relayStream(input: RelayInput): Promise<RelayResult> {
  const { out, signal } = input;
  const scanner = new SseScanner(input.protocol, input.stripUsageChunk);
  const reported = input.providerUsage;
  const usage = (): Usage | undefined => (reported === undefined ? scanner.usage : reported.usage);
  const cut = (note: string): RelayResult => {
    if (!out.destroyed) {
      const message = `the stream from provider \`${input.provider}\` broke after it started: ${note}`;
      out.end(streamErrorEvent(input.protocol, proxyError('upstream_error', message)));
    }
    return { outcome: 'cut', usage: usage(), outputChars: scanner.outputChars, note };
  };
  let chunk = input.first;
  try {
    for (;;) {
      const text = scanner.push(chunk);
      // Backpressure: nothing more is read from the provider while the client's socket holds a full buffer.
      if (text !== '' && !out.write(text)) await drained(out);
      if (signal.aborted || out.destroyed) return { outcome: 'aborted', usage: usage(), outputChars: scanner.outputChars };
      if (scanner.oversized) {
        await input.rest.return?.();
        return cut(`an event grew past ${MAX_PENDING_EVENT_CHARS} characters without its end`);
      }
      const next = await input.rest.next();
      if (next.done === true) break;
      chunk = next.value;
    }
  } catch (err) {
    if (signal.aborted || out.destroyed) return { outcome: 'aborted', usage: usage(), outputChars: scanner.outputChars };
    return cut(input.describe(err));
  }
  const rest = scanner.flush();
  if (rest !== '') out.write(rest);
  if (scanner.upstreamError) {
    out.end();
    return { outcome: 'cut', usage: usage(), outputChars: scanner.outputChars, note: 'the provider sent an error event' };
  }
  if (!scanner.terminal) return cut('the stream ended before its final event');
  out.end();
  return { outcome: 'completed', usage: usage(), outputChars: scanner.outputChars };
}
