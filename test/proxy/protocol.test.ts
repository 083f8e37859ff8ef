// Request bodies: validation messages, the prompt-token estimate, and the body sent upstream.
import { describe, expect, it } from 'vitest';
import { parseApiRequest, upstreamBody, usageOf } from '../../src/proxy/protocol.js';
import { estimatePromptTokens } from '../../src/classify/tokens.js';

describe('estimatePromptTokens', () => {
  it('counts ceil(characters / 4) of system and message text, in either wire shape', () => {
    expect(estimatePromptTokens({ messages: [{ role: 'user', content: 'abcde' }] })).toBe(2);
    const anthropic = {
      system: [{ type: 'text', text: 'abcd' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'abcd' }, { type: 'image', source: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'abcd' }] }] },
      ],
    };
    expect(estimatePromptTokens(anthropic)).toBe(3);
    expect(estimatePromptTokens({ messages: [{ role: 'user', content: [{ type: 'text', text: 'ab' }, { type: 'text', text: 'cd' }] }] })).toBe(1);
    expect(estimatePromptTokens({})).toBe(0);
  });
});

describe('parseApiRequest', () => {
  it('reads model, stream, max tokens and whether the client wants stream usage', () => {
    const r = parseApiRequest('openai', { model: 'm', messages: [], stream: true, max_tokens: 5, max_completion_tokens: 7, stream_options: { include_usage: true } });
    expect(r).toMatchObject({ ok: true, value: { model: 'm', stream: true, maxTokens: 7, clientWantsUsage: true, promptTokens: 0 } });
    expect(parseApiRequest('anthropic', { model: 'm', messages: [], max_tokens: 5, max_completion_tokens: 7 })).toMatchObject({ ok: true, value: { maxTokens: 5 } });
  });

  it('explains what is wrong, with the value', () => {
    expect(parseApiRequest('openai', [])).toEqual({ ok: false, message: 'the request body must be a JSON object' });
    expect(parseApiRequest('openai', { model: 3, messages: [] })).toEqual({ ok: false, message: '`model` must be a non-empty string, got `3`' });
    expect(parseApiRequest('openai', { model: 'm', messages: [], stream: 'yes' })).toEqual({ ok: false, message: '`stream` must be true or false, got `"yes"`' });
    expect(parseApiRequest('openai', { model: 'm', messages: [], max_tokens: 1.5 })).toEqual({ ok: false, message: '`max_tokens` must be a positive integer, got `1.5`' });
  });
});

describe('upstreamBody', () => {
  const parse = (body: Record<string, unknown>, protocol: 'openai' | 'anthropic' = 'openai') => {
    const r = parseApiRequest(protocol, body);
    if (!r.ok) throw new Error(r.message);
    return r.value;
  };

  it('replaces the model and keeps everything else', () => {
    const body = { model: 'auto', messages: [{ role: 'user', content: 'x' }], temperature: 0 };
    expect(JSON.parse(upstreamBody(parse(body), 'up'))).toEqual({ ...body, model: 'up' });
  });

  it('asks openai streams for usage, keeping the client\'s other stream options', () => {
    const body = { model: 'auto', messages: [], stream: true, stream_options: { other: 1 } };
    expect(JSON.parse(upstreamBody(parse(body), 'up'))).toEqual({ ...body, model: 'up', stream_options: { other: 1, include_usage: true } });
    const anthropic = { model: 'auto', messages: [], stream: true, max_tokens: 3 };
    expect(JSON.parse(upstreamBody(parse(anthropic, 'anthropic'), 'up'))).toEqual({ ...anthropic, model: 'up' });
  });
});

describe('usageOf', () => {
  it('reads each protocol\'s usage fields, and nothing when absent', () => {
    expect(usageOf('openai', { usage: { prompt_tokens: 3, completion_tokens: 4 } })).toEqual({ inputTokens: 3, outputTokens: 4 });
    expect(usageOf('anthropic', { usage: { input_tokens: 5, output_tokens: 6 } })).toEqual({ inputTokens: 5, outputTokens: 6 });
    expect(usageOf('openai', { choices: [] })).toBeUndefined();
  });
});
