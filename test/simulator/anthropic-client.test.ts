// The official @anthropic-ai/sdk client, unchanged except baseURL and key, talks to the simulator.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { textOf } from '../../src/simulator/text.js';

let sim: Simulator;
let client: Anthropic;

const weatherTool = {
  name: 'get_weather',
  description: 'current weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
};

beforeAll(async () => {
  sim = await startSimulator({ tokens: 10 });
  client = new Anthropic({ baseURL: sim.url, apiKey: 'sk-ant-provider', maxRetries: 0, timeout: 5_000 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

describe('anthropic messages', () => {
  it('answers a non-streaming request with a text block, stop reason and usage', async () => {
    const system = 'You are terse.';
    const prompt = 'Say hello to the switchyard.';
    const msg = await client.messages.create({ model: 'claude-test', max_tokens: 100, system, messages: [{ role: 'user', content: prompt }] });
    expect(msg.type).toBe('message');
    expect(msg.model).toBe('claude-test');
    expect(msg.content).toEqual([{ type: 'text', text: textOf(10) }]);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage).toMatchObject({ input_tokens: Math.ceil((system.length + prompt.length) / 4), output_tokens: 10 });
  });

  it('stops at max_tokens with stop_reason max_tokens', async () => {
    const msg = await client.messages.create({ model: 'claude-test', max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.content).toEqual([{ type: 'text', text: textOf(3) }]);
    expect(msg.stop_reason).toBe('max_tokens');
    expect(msg.usage.output_tokens).toBe(3);
  });

  it('streams the named events in order with usage at start and end', async () => {
    const stream = await client.messages.create({
      model: 'claude-stream',
      max_tokens: 100,
      stream: true,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'stream to me' }] }],
    });
    const types: string[] = [];
    let text = '';
    let inputTokens = -1;
    let outputTokens = -1;
    let stop: string | null = null;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'message_start') {
        inputTokens = event.message.usage.input_tokens;
        expect(event.message.model).toBe('claude-stream');
      }
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      if (event.type === 'message_delta') {
        outputTokens = event.usage.output_tokens;
        stop = event.delta.stop_reason;
      }
    }
    expect(types).toEqual(['message_start', 'content_block_start', ...Array(10).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop']);
    expect(text).toBe(textOf(10));
    expect(inputTokens).toBe(Math.ceil('stream to me'.length / 4));
    expect(outputTokens).toBe(10);
    expect(stop).toBe('end_turn');
  });

  it('works with the sdk stream helper, which accumulates the final message', async () => {
    const final = await client.messages.stream({ model: 'claude-helper', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: textOf(10) }]);
    expect(final.usage.output_tokens).toBe(10);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('answers a weather question with a tool_use block', async () => {
    const msg = await client.messages.create({
      model: 'claude-tools',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [{ role: 'user', content: "what's the weather in Berlin" }],
    });
    expect(msg.stop_reason).toBe('tool_use');
    const block = msg.content[0];
    expect(block?.type).toBe('tool_use');
    if (block?.type !== 'tool_use') return;
    expect(block.name).toBe('get_weather');
    expect(block.input).toEqual({ city: 'Paris' });
  });

  it('streams a tool_use block through the sdk helper', async () => {
    const final = await client.messages
      .stream({ model: 'claude-tools', max_tokens: 100, tools: [weatherTool], messages: [{ role: 'user', content: 'weather please' }] })
      .finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toHaveLength(1);
    const block = final.content[0];
    if (block?.type !== 'tool_use') throw new Error('expected a tool_use block');
    expect(block.input).toEqual({ city: 'Paris' });
  });

  it('answers with text once the tool result comes back', async () => {
    const msg = await client.messages.create({
      model: 'claude-tools',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'weather in Berlin?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Berlin' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'the weather is sunny' }] },
      ],
    });
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.content[0]?.type).toBe('text');
  });

  it('records the key the sdk sent and its anthropic-version header', async () => {
    await client.messages.create({ model: 'claude-seen', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
    const stats = sim.stats();
    expect(stats.byApiKey).toEqual({ 'sk-ant-provider': 1 });
    expect(stats.lastRequest?.apiKey).toBe('sk-ant-provider');
    expect(typeof stats.lastRequest?.headers['anthropic-version']).toBe('string');
  });

  it('reads the key from x-api-key before authorization on /v1/messages', async () => {
    const res = await fetch(`${sim.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-header', authorization: 'Bearer sk-other' },
      body: JSON.stringify({ model: 'm', max_tokens: 4, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(200);
    expect(sim.stats().byApiKey).toEqual({ 'sk-ant-header': 1 });
  });

  it('lists models in the anthropic shape', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual([...sim.config.models]);
  });

  it('refuses other keys with an anthropic-shaped 401 when a key is required', async () => {
    sim.configure({ requireKey: 'sk-ant-right' });
    try {
      const err = await client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
      if (!(err instanceof Anthropic.AuthenticationError)) return;
      expect(err.error).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'invalid api key' } });
    } finally {
      sim.configure({ requireKey: null });
    }
  });

  it('requires max_tokens as the real api does', async () => {
    const res = await fetch(`${sim.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: '`max_tokens` is required' } });
  });
});
