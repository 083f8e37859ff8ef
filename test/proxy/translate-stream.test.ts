// The translated stream as the relay reads it: provider chunks in, client-protocol chunks out, pieces that
// complete no event skipped, the provider's usage exposed for settlement, and the relay's bound on an
// unfinished event kept (the provider read is stopped).
import { describe, expect, it } from 'vitest';
import { MAX_PENDING_EVENT_CHARS } from '../../src/proxy/sse.js';
import { translateResult } from '../../src/proxy/translation.js';
import type { AttemptResult } from '../../src/proxy/upstream.js';
import { PLAIN } from '../../src/translate/index.js';

/** An upstream body yielding `chunks`, recording whether the reader stopped it early. */
function upstream(chunks: string[]): { iterator: AsyncIterator<Buffer>; stopped: () => boolean } {
  let i = 0;
  let stopped = false;
  return {
    iterator: {
      next: async () => (i < chunks.length ? { done: false, value: Buffer.from(chunks[i++]!) } : { done: true, value: undefined }),
      return: async () => {
        stopped = true;
        return { done: true, value: undefined };
      },
    },
    stopped: () => stopped,
  };
}

async function readAll(r: AttemptResult): Promise<string[]> {
  if (r.kind !== 'stream') throw new Error(`expected a stream, got ${r.kind}`);
  const out = [r.first.toString()];
  for (let n = await r.rest.next(); n.done !== true; n = await r.rest.next()) out.push(n.value.toString());
  return out;
}

const start = 'event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":7,"output_tokens":1}}}\n\n';
const text = 'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\nevent: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}\n\n';
const end = 'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n';

describe('a translated stream', () => {
  it('yields only chunks with something to send, ends with [DONE], and exposes the provider usage', async () => {
    const up = upstream(['event: ping\ndata: {"type":"ping"}\n\n', text.slice(0, 40), text.slice(40), end]);
    const r = translateResult({ kind: 'stream', status: 200, headers: {}, first: Buffer.from(start), rest: up.iterator }, 'anthropic', PLAIN, 1);
    const chunks = await readAll(r);
    // The role chunk from message_start, the text, then the finish chunk, the usage chunk and [DONE].
    expect(chunks[0]).toContain('"role":"assistant"');
    expect(chunks.every((c, i) => i === 0 || c.length > 0)).toBe(true);
    expect(chunks.join('')).toContain('"delta":{"content":"hi"}');
    expect(chunks.join('').endsWith('data: [DONE]\n\n')).toBe(true);
    expect(r.kind === 'stream' && r.providerUsage?.usage).toEqual({ inputTokens: 7, outputTokens: 1 });
  });

  it('stops reading the provider when an event grows past the relay bound without its end', async () => {
    const huge = `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${'x'.repeat(MAX_PENDING_EVENT_CHARS)}`;
    const up = upstream([huge.slice(0, 100_000), huge.slice(100_000), '"}}\n\n', end]);
    const r = translateResult({ kind: 'stream', status: 200, headers: {}, first: Buffer.from(start), rest: up.iterator }, 'anthropic', PLAIN, 1);
    await expect(readAll(r)).rejects.toThrow(`a provider event grew past ${MAX_PENDING_EVENT_CHARS} characters without its end`);
    expect(up.stopped()).toBe(true);
  });

  it('turns a success that is not a message of the provider protocol into a failed attempt', () => {
    const r = translateResult({ kind: 'answer', status: 200, headers: {}, body: Buffer.from('<html>maintenance</html>') }, 'openai', PLAIN, 1);
    expect(r).toEqual({ kind: 'failed', failure: 'status', status: 200, note: 'answered 200 with a body that is not a message of the `openai` protocol' });
  });
});
