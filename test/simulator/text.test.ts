// Token accounting and tool-call argument synthesis.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../src/simulator/request.js';
import { argumentPieces, estimatePromptTokens, sampleFromSchema, textOf } from '../../src/simulator/text.js';

describe('text', () => {
  it('an answer of n tokens has n space-separated words and extends the shorter answers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }), (n, m) => {
        const [short, long] = n <= m ? [n, m] : [m, n];
        return textOf(n).split(' ').length === n && textOf(long).startsWith(textOf(short));
      }),
    );
    expect(textOf(0)).toBe('');
  });

  it('estimates prompt tokens as ceil(chars / 4) over system and every text part', () => {
    const messages = [
      { role: 'user', content: 'abcde' },
      { role: 'assistant', content: [{ type: 'text', text: 'fgh' }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'ij' }] }] },
    ];
    expect(estimatePromptTokens('kl', messages)).toBe(Math.ceil((5 + 3 + 2 + 2) / 4));
    expect(estimatePromptTokens(undefined, [])).toBe(0);
  });

  it('argument pieces reassemble to the arguments', () => {
    fc.assert(fc.property(fc.json(), (json) => argumentPieces(json).join('') === json && argumentPieces(json).every((p) => p.length <= 4)));
  });

  it('samples values that satisfy simple schemas', () => {
    expect(sampleFromSchema({
      type: 'object',
      properties: { city: { type: 'string' }, n: { type: 'integer' }, ok: { type: 'boolean' }, unit: { enum: ['c', 'f'] }, tags: { type: 'array' } },
    })).toEqual({ city: 'Paris', n: 1, ok: true, unit: 'c', tags: [] });
    expect(sampleFromSchema({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, required: ['b'] })).toEqual({ b: 'example b' });
  });
});

describe('parseRequest', () => {
  const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }];

  it('calls a tool only when the last message is a user turn about the weather, or when forced', () => {
    const ask = (content: string, forced = false) => {
      const r = parseRequest('openai', { model: 'm', tools, messages: [{ role: 'user', content }] }, forced);
      return r.ok ? r.value.toolCall : 'invalid';
    };
    expect(ask('weather in Rome?')).toEqual({ name: 'lookup', arguments: '{}' });
    expect(ask('weatherproof boots')).toBeNull();
    expect(ask('hello', true)).toEqual({ name: 'lookup', arguments: '{}' });
    const noTools = parseRequest('openai', { model: 'm', messages: [{ role: 'user', content: 'weather' }] }, true);
    expect(noTools.ok && noTools.value.toolCall).toBeNull();
  });

  it('reads max_completion_tokens before max_tokens and rejects non-positive bounds', () => {
    const r = parseRequest('openai', { model: 'm', messages: [], max_tokens: 10, max_completion_tokens: 3 }, false);
    expect(r.ok && r.value.maxTokens).toBe(3);
    expect(parseRequest('anthropic', { model: 'm', messages: [], max_tokens: 0 }, false)).toEqual({ ok: false, message: '`max_tokens` must be a positive integer, got `0`' });
  });
});
