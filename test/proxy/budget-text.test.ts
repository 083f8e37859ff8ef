// Answer text counted for billing when a provider reports no usage: stream events without parsing them, and
// complete answers, in both wire shapes. Checked against the text a JSON parser reads from the same bytes.
import { describe, expect, it } from 'vitest';
import { answerTextChars } from '../../src/proxy/protocol.js';
import { eventTextChars } from '../../src/proxy/sse.js';

const openaiChunk = (delta: unknown) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'gpt-x', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
const anthropicEvent = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

describe('answer text in stream events', () => {
  it('counts openai content, refusal and tool-call argument deltas, not roles, ids or model names', () => {
    const words = ['Hello', ' wor"ld', ' ünïcode ✓'];
    const events = [
      openaiChunk({ role: 'assistant', content: '' }),
      ...words.map((content) => openaiChunk({ content })),
      openaiChunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] }),
      'data: [DONE]\n\n',
    ].join('');
    // `"` is counted as its escape (two characters): slightly over, never under.
    expect(eventTextChars(events)).toBe(words.join('').length + 1 + '{"a":1}'.length + 2);
  });

  it('counts anthropic text, thinking and partial_json deltas', () => {
    const events = [
      anthropicEvent('message_start', { type: 'message_start', message: { id: 'm', model: 'claude', content: [], usage: { input_tokens: 5 } } }),
      anthropicEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      anthropicEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Bonjour' } }),
      anthropicEvent('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'thinking_delta', thinking: 'hmm' } }),
      anthropicEvent('content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"q"' } }),
    ].join('');
    expect(eventTextChars(events)).toBe('Bonjour'.length + 'hmm'.length + '{"q"'.length + 2);
    expect(eventTextChars('event: ping\ndata: {"type":"ping"}\n\n')).toBe(0);
  });
});

describe('answer text in complete answers', () => {
  it('reads openai message content and tool-call arguments', () => {
    const answer = { choices: [{ message: { role: 'assistant', content: 'Twelve chars' } }, { message: { content: null, tool_calls: [{ function: { name: 'f', arguments: '{"x":2}' } }] } }] };
    expect(answerTextChars('openai', answer)).toBe(12 + 7);
  });

  it('reads anthropic text blocks and tool inputs', () => {
    const answer = { content: [{ type: 'text', text: 'abc' }, { type: 'tool_use', name: 'f', input: { x: 2 } }] };
    expect(answerTextChars('anthropic', answer)).toBe(3 + JSON.stringify({ x: 2 }).length);
    expect(answerTextChars('anthropic', 'not an answer')).toBe(0);
  });
});
