// The SSE scanner: whatever the chunking, the forwarded text and the usage read are the same.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseScanner } from '../../src/proxy/sse.js';

const openaiEvents = [
  'data: {"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"usage":null}\n\n',
  'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"héllo wörld ✓"}}],"usage":null}\n\n',
  'data: {"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}\n\n',
  'data: {"id":"c1","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":3,"total_tokens":14}}\n\n',
  'data: [DONE]\n\n',
];

const anthropicEvents = [
  'event: message_start\ndata: {"type":"message_start","message":{"id":"m1","usage":{"input_tokens":25,"output_tokens":1}}}\n\n',
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"an error-free answer"}}\n\n',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
];

function run(scanner: SseScanner, chunks: Buffer[]): string {
  let out = '';
  for (const c of chunks) out += scanner.push(c);
  return out + scanner.flush();
}

/** Splits bytes at the given cut points (which may fall inside a multi-byte character). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

describe('SseScanner', () => {
  it('drops the usage-only chunk the client did not ask for and reads its usage', () => {
    const scanner = new SseScanner('openai', true);
    const out = run(scanner, [Buffer.from(openaiEvents.join(''))]);
    expect(out).toBe([0, 1, 2, 4].map((i) => openaiEvents[i]).join(''));
    expect(scanner.usage).toEqual({ inputTokens: 11, outputTokens: 3 });
    expect(scanner.terminal).toBe(true);
  });

  it('keeps the usage chunk when the client asked for it', () => {
    const scanner = new SseScanner('openai', false);
    expect(run(scanner, [Buffer.from(openaiEvents.join(''))])).toBe(openaiEvents.join(''));
    expect(scanner.usage).toEqual({ inputTokens: 11, outputTokens: 3 });
  });

  it('reads anthropic input usage from message_start and the final output usage from message_delta', () => {
    const scanner = new SseScanner('anthropic', false);
    expect(run(scanner, [Buffer.from(anthropicEvents.join(''))])).toBe(anthropicEvents.join(''));
    expect(scanner.usage).toEqual({ inputTokens: 25, outputTokens: 7 });
    expect(scanner.terminal).toBe(true);
    expect(scanner.upstreamError).toBe(false);
  });

  it('gives the same output and usage for any chunking, including splits inside characters', () => {
    for (const [protocol, events] of [['openai', openaiEvents], ['anthropic', anthropicEvents]] as const) {
      const bytes = Buffer.from(events.join(''));
      const whole = new SseScanner(protocol, true);
      const expected = run(whole, [bytes]);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 30 }), (cuts) => {
          const scanner = new SseScanner(protocol, true);
          expect(run(scanner, split(bytes, cuts))).toBe(expected);
          expect(scanner.usage).toEqual(whole.usage);
          expect(scanner.terminal).toBe(true);
        }),
        { numRuns: 300 },
      );
    }
  });

  it('reads CRLF-separated events, even with a CR and its LF in different chunks', () => {
    const crlf = openaiEvents.join('').replace(/\n/g, '\r\n');
    const bytes = Buffer.from(crlf);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 20 }), (cuts) => {
        const scanner = new SseScanner('openai', true);
        const out = run(scanner, split(bytes, cuts));
        expect(out).toBe([0, 1, 2, 4].map((i) => openaiEvents[i]).join(''));
        expect(scanner.usage).toEqual({ inputTokens: 11, outputTokens: 3 });
      }),
      { numRuns: 200 },
    );
  });

  it('holds back an incomplete event until its end arrives', () => {
    const scanner = new SseScanner('openai', false);
    expect(scanner.push(Buffer.from('data: {"a":1}\n'))).toBe('');
    expect(scanner.push(Buffer.from('\ndata: {"b"'))).toBe('data: {"a":1}\n\n');
    expect(scanner.flush()).toBe('data: {"b"\n\n');
    expect(scanner.terminal).toBe(false);
  });

  it('notices error events from the provider in both protocols', () => {
    const openai = new SseScanner('openai', false);
    run(openai, [Buffer.from('data: {"error":{"message":"overloaded","type":"server_error"}}\n\n')]);
    expect(openai.upstreamError).toBe(true);
    const anthropic = new SseScanner('anthropic', false);
    run(anthropic, [Buffer.from('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"busy"}}\n\n')]);
    expect(anthropic.upstreamError).toBe(true);
    expect(anthropic.terminal).toBe(false);
  });

  it('does not take a [DONE] inside content for the end of the stream', () => {
    const scanner = new SseScanner('openai', false);
    run(scanner, [Buffer.from('data: {"choices":[{"delta":{"content":"data: [DONE]"}}]}\n\n')]);
    expect(scanner.terminal).toBe(false);
  });
});
