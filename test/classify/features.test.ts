// Features of request bodies: the conventions that make one request mean the same through either API, and
// the guarantee the audit log relies on — features hold counts, flags and configured keywords, never text.
import { describe, expect, it } from 'vitest';
import { detectProtocol, extractFeatures, KeywordSet, type KeywordSets } from '../../src/classify/index.js';
import { estimatePromptTokens } from '../../src/classify/tokens.js';

const keywords = (system: string[], user: string[]): KeywordSets => ({ system: new KeywordSet(system), user: new KeywordSet(user) });

describe('extractFeatures', () => {
  it('reads an OpenAI body: system messages are the system prompt, tool messages count as messages, not turns', () => {
    const body = {
      model: 'auto',
      max_tokens: 50,
      max_completion_tokens: 300,
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } },
      tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
      messages: [
        { role: 'system', content: 'You are a Contract reviewer.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer briefly.' }] },
        { role: 'user', content: [{ type: 'text', text: 'first question' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'contract found' },
        { role: 'user', content: 'Please REFACTOR the contract parser' },
      ],
    };
    expect(extractFeatures(body, 'openai', keywords(['contract', 'briefly'], ['refactor*', 'first question', 'contract']))).toEqual({
      promptTokens: estimatePromptTokens(body),
      messages: 4,
      turns: 2,
      maxTokens: 300,
      codeDensity: 0,
      tools: true,
      images: true,
      jsonMode: true,
      systemKeywords: ['contract', 'briefly'],
      // Only the last user message: `first question` was asked earlier.
      userKeywords: ['refactor*', 'contract'],
    });
  });

  it('reads an Anthropic body: top-level system, tool results are not turns, images inside tool results count', () => {
    const body = {
      model: 'auto',
      max_tokens: 1024,
      output_format: { type: 'json_schema', schema: {} },
      system: [{ type: 'text', text: 'Audit assistant.' }],
      messages: [
        { role: 'user', content: 'Summarize the audit findings' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'fetch', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] }] },
      ],
    };
    const f = extractFeatures(body, 'anthropic', keywords(['audit*'], ['summar*']));
    expect(f).toEqual({
      promptTokens: estimatePromptTokens(body),
      messages: 3,
      turns: 1,
      maxTokens: 1024,
      codeDensity: 0,
      tools: false,
      images: true,
      jsonMode: true,
      systemKeywords: ['audit*'],
      // The last turn is the user's text, not the tool result after it.
      userKeywords: ['summar*'],
    });
  });

  it('gives the same features to the same conversation through either API', () => {
    const text = 'How do I export my data?\n```sql\nSELECT * FROM exports;\n```';
    const openai = { model: 'auto', max_tokens: 200, messages: [{ role: 'system', content: 'Help centre.' }, { role: 'user', content: text }] };
    const anthropic = { model: 'auto', max_tokens: 200, system: 'Help centre.', messages: [{ role: 'user', content: [{ type: 'text', text }] }] };
    const k = keywords(['help*'], ['how do i', 'export*']);
    expect(extractFeatures(anthropic, 'anthropic', k)).toEqual(extractFeatures(openai, 'openai', k));
  });

  it('records which configured keywords hit, in normalized form, and nothing of the text', () => {
    const secret = 'Patient Jane Doe, MRN 0042, asks: How do I refill my prescription?';
    const f = extractFeatures({ model: 'auto', messages: [{ role: 'user', content: secret }] }, 'openai', keywords([], ['How  DO I', 'refill*', 'absent']));
    expect(f.userKeywords).toEqual(['how do i', 'refill*']);
    const recorded = JSON.stringify(f);
    for (const word of ['Jane', 'Doe', '0042', 'prescription', 'Patient']) expect(recorded).not.toContain(word);
  });

  it('treats anything that is not a chat body as one without messages', () => {
    const empty = { promptTokens: 0, messages: 0, turns: 0, codeDensity: 0, tools: false, images: false, jsonMode: false, systemKeywords: [], userKeywords: [] };
    expect(extractFeatures(null, 'openai')).toEqual(empty);
    expect(extractFeatures({ messages: 'hi', max_tokens: -1, tools: [] }, 'anthropic')).toEqual(empty);
    expect(extractFeatures({ messages: [null, 3, { role: 'user' }] }, 'openai')).toEqual({ ...empty, messages: 1, turns: 1 });
  });
});

describe('detectProtocol', () => {
  it('recognises Anthropic bodies by what only they have', () => {
    expect(detectProtocol({ system: 'x', messages: [] })).toBe('anthropic');
    expect(detectProtocol({ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: 'x' }] }] })).toBe('anthropic');
    expect(detectProtocol({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://x' } }] }] })).toBe('anthropic');
    expect(detectProtocol({ messages: [{ role: 'system', content: 'x' }, { role: 'user', content: [{ type: 'text', text: 'hi' }] }] })).toBe('openai');
    expect(detectProtocol('nope')).toBe('openai');
  });
});
