// Properties of the stream translators over generated provider streams, cut into arbitrary pieces: the output
// is a well-formed stream of the client's protocol (every content block opened before its deltas and closed
// before the next, usage exactly once, the final event last and only when the provider's came), and it
// carries the same text, tool calls, stop reason and usage as the input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PLAIN } from '../../src/translate/index.js';
import { parseSse, translateStream, type ParsedEvent } from './support.js';

type Obj = Record<string, unknown>;

type Block = { kind: 'text'; pieces: string[] } | { kind: 'tool'; id: string; name: string; pieces: string[] } | { kind: 'thinking'; pieces: string[] };

interface Script {
  readonly blocks: Block[];
  readonly stop: string;
  readonly usage: { input: number; output: number };
  readonly pings: boolean;
  /** Character offsets at which the provider's bytes are cut into pieces (fractions of the length). */
  readonly cuts: number[];
}

const piece = fc.string({ minLength: 1, maxLength: 8 });
const block: fc.Arbitrary<Block> = fc.oneof(
  fc.record({ kind: fc.constant('text' as const), pieces: fc.array(piece, { maxLength: 5 }) }),
  fc.record({ kind: fc.constant('tool' as const), id: fc.stringMatching(/^id_[a-z0-9]{1,5}$/), name: fc.constantFrom('get_weather', 'lookup'), pieces: fc.array(piece, { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('thinking' as const), pieces: fc.array(piece, { maxLength: 3 }) }),
);
const script = (stops: readonly string[]): fc.Arbitrary<Script> =>
  fc.record({
    blocks: fc.array(block, { maxLength: 5 }),
    stop: fc.constantFrom(...stops),
    usage: fc.record({ input: fc.nat(5000), output: fc.nat(5000) }),
    pings: fc.boolean(),
    cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
  });

const ev = (name: string, data: unknown): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

function anthropicStream(s: Script): string {
  let out = ev('message_start', { type: 'message_start', message: { id: 'msg_x', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: s.usage.input, output_tokens: 1 } } });
  s.blocks.forEach((b, index) => {
    const start = b.kind === 'text' ? { type: 'text', text: '' } : b.kind === 'tool' ? { type: 'tool_use', id: b.id, name: b.name, input: {} } : { type: 'thinking', thinking: '', signature: '' };
    out += ev('content_block_start', { type: 'content_block_start', index, content_block: start });
    for (const p of b.pieces) {
      const delta = b.kind === 'text' ? { type: 'text_delta', text: p } : b.kind === 'tool' ? { type: 'input_json_delta', partial_json: p } : { type: 'thinking_delta', thinking: p };
      out += ev('content_block_delta', { type: 'content_block_delta', index, delta });
      if (s.pings) out += ev('ping', { type: 'ping' });
    }
    out += ev('content_block_stop', { type: 'content_block_stop', index });
  });
  out += ev('message_delta', { type: 'message_delta', delta: { stop_reason: s.stop, stop_sequence: null }, usage: { output_tokens: s.usage.output } });
  return out + ev('message_stop', { type: 'message_stop' });
}

function openaiStream(s: Script): string {
  const chunk = (delta: Obj, finish: string | null = null): string =>
    `data: ${JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null })}\n\n`;
  let out = chunk({ role: 'assistant', content: '' });
  let call = 0;
  for (const b of s.blocks) {
    if (b.kind === 'thinking') continue;
    if (b.kind === 'text') {
      for (const p of b.pieces) out += chunk({ content: p });
      continue;
    }
    const index = call++;
    out += chunk({ tool_calls: [{ index, id: b.id, type: 'function', function: { name: b.name, arguments: '' } }] });
    for (const p of b.pieces) out += chunk({ tool_calls: [{ index, function: { arguments: p } }] });
  }
  out += chunk({}, s.stop);
  out += `data: ${JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: s.usage.input, completion_tokens: s.usage.output, total_tokens: s.usage.input + s.usage.output } })}\n\n`;
  return `${out}data: [DONE]\n\n`;
}

const cutsOf = (s: Script, input: string): number[] => s.cuts.map((c) => Math.floor(c * input.length));

/** What the client should see of a script: text, and tool calls in order (thinking is never shown). */
function expectedContent(s: Script): { text: string; tools: { id: string; name: string; args: string }[] } {
  let text = '';
  const tools: { id: string; name: string; args: string }[] = [];
  for (const b of s.blocks) {
    if (b.kind === 'text') text += b.pieces.join('');
    if (b.kind === 'tool') tools.push({ id: b.id, name: b.name, args: b.pieces.join('') });
  }
  return { text, tools };
}

/** Checks an OpenAI client stream's form and returns what it carried. */
function readOpenAI(events: readonly ParsedEvent[], complete: boolean): { text: string; tools: { id: string; name: string; args: string }[]; finish: unknown; usage: Obj | undefined } {
  let text = '';
  const tools: { id: string; name: string; args: string }[] = [];
  let finish: unknown;
  let usage: Obj | undefined;
  events.forEach((e, i) => {
    expect(e.event).toBe('');
    if (e.data === '[DONE]') {
      expect(i, '[DONE] is last').toBe(events.length - 1);
      return;
    }
    const chunk = e.data as Obj;
    expect(chunk.object).toBe('chat.completion.chunk');
    const choices = chunk.choices as Obj[];
    if (choices.length === 0) {
      expect(usage, 'one usage chunk').toBeUndefined();
      expect(finish, 'usage after the finish reason').toBeDefined();
      usage = chunk.usage as Obj;
      return;
    }
    if (i === 0) expect((choices[0]!.delta as Obj).role).toBe('assistant');
    expect(finish, 'nothing after the finish reason but usage').toBeUndefined();
    const delta = choices[0]!.delta as Obj;
    if (typeof delta.content === 'string') text += delta.content;
    for (const c of (delta.tool_calls ?? []) as Obj[]) {
      const fn = c.function as Obj;
      if (c.id !== undefined) {
        expect(c.index, 'tool calls are numbered in order').toBe(tools.length);
        tools.push({ id: String(c.id), name: String(fn.name), args: String(fn.arguments) });
      } else {
        expect(c.index, 'arguments go to the latest call').toBe(tools.length - 1);
        tools[tools.length - 1]!.args += String(fn.arguments);
      }
    }
    if (choices[0]!.finish_reason !== null) finish = choices[0]!.finish_reason;
  });
  expect(events.at(-1)?.data === '[DONE]').toBe(complete);
  return { text, tools, finish, usage };
}

/** Checks an Anthropic client stream's form and returns what it carried. */
function readAnthropic(events: readonly ParsedEvent[], complete: boolean): { text: string; tools: { id: string; name: string; args: string }[]; stop: unknown; usage: Obj | undefined } {
  let text = '';
  const tools: { id: string; name: string; args: string }[] = [];
  let open: { index: number; kind: string } | null = null;
  let next = 0;
  let stop: unknown;
  let usage: Obj | undefined;
  let stopped = false;
  events.forEach((e, i) => {
    const data = e.data as Obj;
    expect(data.type).toBe(e.event);
    expect(stopped, 'message_stop is last').toBe(false);
    if (i === 0) expect(e.event).toBe('message_start');
    else expect(e.event).not.toBe('message_start');
    switch (e.event) {
      case 'content_block_start': {
        expect(open, 'the previous block is closed first').toBeNull();
        expect(data.index).toBe(next++);
        const b = data.content_block as Obj;
        open = { index: data.index as number, kind: String(b.type) };
        if (b.type === 'tool_use') tools.push({ id: String(b.id), name: String(b.name), args: '' });
        break;
      }
      case 'content_block_delta': {
        expect(open?.index, 'deltas go to the open block').toBe(data.index);
        const d = data.delta as Obj;
        if (d.type === 'text_delta') text += String(d.text);
        else tools[tools.length - 1]!.args += String(d.partial_json);
        break;
      }
      case 'content_block_stop':
        expect(open?.index).toBe(data.index);
        open = null;
        break;
      case 'message_delta':
        expect(open, 'every block is closed before the message ends').toBeNull();
        expect(usage, 'one message_delta').toBeUndefined();
        stop = (data.delta as Obj).stop_reason;
        usage = data.usage as Obj;
        break;
      case 'message_stop':
        expect(usage).toBeDefined();
        stopped = true;
        break;
      default:
        expect(e.event).toBe('message_start');
    }
  });
  expect(stopped).toBe(complete);
  return { text, tools, stop, usage };
}

const FINISH_OF = { end_turn: 'stop', max_tokens: 'length', tool_use: 'tool_calls', stop_sequence: 'stop' } as const;
const STOP_OF = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' } as const;

describe('Anthropic stream → OpenAI chunks', () => {
  it('is well-formed and carries the same content, stop reason and usage, however the bytes are cut', () => {
    fc.assert(
      fc.property(script(Object.keys(FINISH_OF)), (s) => {
        const input = anthropicStream(s);
        const run = translateStream('anthropic', input, PLAIN, cutsOf(s, input));
        const got = readOpenAI(parseSse(run.text), true);
        const want = expectedContent(s);
        expect({ text: got.text, tools: got.tools }).toEqual(want);
        expect(got.finish).toBe(FINISH_OF[s.stop as keyof typeof FINISH_OF]);
        expect(got.usage).toEqual({ prompt_tokens: s.usage.input, completion_tokens: s.usage.output, total_tokens: s.usage.input + s.usage.output });
        expect(run.usage).toEqual({ inputTokens: s.usage.input, outputTokens: s.usage.output });
      }),
      { numRuns: 300 },
    );
  });

  it('sends no [DONE] for a stream cut before its end, and what it sent is well-formed', () => {
    fc.assert(
      fc.property(script(['end_turn']), fc.double({ min: 0, max: 1, noNaN: true }), (s, at) => {
        const input = anthropicStream(s);
        const cut = input.slice(0, Math.floor(at * input.indexOf('event: message_stop')));
        readOpenAI(parseSse(translateStream('anthropic', cut, PLAIN, cutsOf(s, cut)).text), false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('OpenAI chunks → Anthropic stream', () => {
  it('is well-formed and carries the same content, stop reason and usage, however the bytes are cut', () => {
    fc.assert(
      fc.property(script(Object.keys(STOP_OF)), (s) => {
        const input = openaiStream(s);
        const run = translateStream('openai', input, PLAIN, cutsOf(s, input));
        const got = readAnthropic(parseSse(run.text), true);
        const want = expectedContent(s);
        // Consecutive text pieces of one OpenAI message are one text block; tool calls are blocks of their own.
        expect({ text: got.text, tools: got.tools }).toEqual(want);
        expect(got.stop).toBe(STOP_OF[s.stop as keyof typeof STOP_OF]);
        expect(got.usage).toEqual({ input_tokens: s.usage.input, output_tokens: s.usage.output });
        expect(run.usage).toEqual({ inputTokens: s.usage.input, outputTokens: s.usage.output });
      }),
      { numRuns: 300 },
    );
  });

  it('sends no message_stop for a stream cut before [DONE], and what it sent is well-formed', () => {
    fc.assert(
      fc.property(script(['stop']), fc.double({ min: 0, max: 1, noNaN: true }), (s, at) => {
        const input = openaiStream(s);
        const cut = input.slice(0, Math.floor(at * input.indexOf('data: [DONE]')));
        readAnthropic(parseSse(translateStream('openai', cut, PLAIN, cutsOf(s, cut)).text), false);
      }),
      { numRuns: 200 },
    );
  });
});
