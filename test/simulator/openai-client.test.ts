// The official openai client, unchanged except baseURL and key, talks to the simulator.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { textOf } from '../../src/simulator/text.js';

let sim: Simulator;
let client: OpenAI;

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'current weather for a city',
    parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['location', 'unit'] },
  },
};

beforeAll(async () => {
  sim = await startSimulator({ tokens: 12 });
  client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-provider-key', maxRetries: 0, timeout: 5_000 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

describe('openai chat completions', () => {
  it('answers a non-streaming request with the requested model, deterministic text and usage', async () => {
    const prompt = 'Say hello to the switchyard, please.';
    const res = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: prompt }] });
    expect(res.model).toBe('gpt-test');
    expect(res.object).toBe('chat.completion');
    const text = res.choices[0]?.message.content ?? '';
    expect(text.split(' ')).toHaveLength(12);
    expect(res.choices[0]?.finish_reason).toBe('stop');
    expect(res.usage).toMatchObject({ prompt_tokens: Math.ceil(prompt.length / 4), completion_tokens: 12, total_tokens: Math.ceil(prompt.length / 4) + 12 });
    const again = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: prompt }] });
    expect(again.choices[0]?.message.content).toBe(text);
  });

  it('honours max_tokens as an upper bound and reports finish_reason length', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-test', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0]?.message.content?.split(' ')).toHaveLength(5);
    expect(res.choices[0]?.finish_reason).toBe('length');
    expect(res.usage?.completion_tokens).toBe(5);
  });

  it('streams deltas, a finish chunk, and a usage chunk when include_usage is set', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-stream',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'stream to me' }],
    });
    let text = '';
    const finishes: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      expect(chunk.model).toBe('gpt-stream');
      const choice = chunk.choices[0];
      if (choice?.delta.content) text += choice.delta.content;
      if (choice?.finish_reason) finishes.push(choice.finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(textOf(12));
    expect(finishes).toEqual(['stop']);
    expect(usage).toMatchObject({ prompt_tokens: Math.ceil('be briefstream to me'.length / 4), completion_tokens: 12 });
    expect(chunks).toBe(1 + 12 + 1 + 1);
    expect(sim.stats().streams).toBe(1);
  });

  it('sends no usage chunk in a stream unless asked', async () => {
    const stream = await client.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const usages: unknown[] = [];
    for await (const chunk of stream) if (chunk.usage) usages.push(chunk.usage);
    expect(usages).toEqual([]);
  });

  it('answers a weather question with a tool call when tools are offered', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-tools',
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    });
    const choice = res.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const call = choice?.message.tool_calls?.[0];
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('expected a function tool call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Paris', unit: 'celsius' });
    expect(res.usage?.completion_tokens).toBe(Math.ceil(call.function.arguments.length / 4));
  });

  it('streams a tool call whose argument deltas assemble into valid json', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-tools',
      stream: true,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'weather in Lyon?' }],
    });
    let name = '';
    let args = '';
    let finish = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta;
      for (const tc of delta?.tool_calls ?? []) {
        name += tc.function?.name ?? '';
        args += tc.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ location: 'Paris', unit: 'celsius' });
    expect(finish).toBe('tool_calls');
  });

  it('answers with text once the tool result comes back', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-tools',
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'What is the weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
    });
    expect(res.choices[0]?.finish_reason).toBe('stop');
    expect(res.choices[0]?.message.tool_calls).toBeUndefined();
  });

  it('records the key, path, model and forwarded body', async () => {
    await client.chat.completions.create({ model: 'gpt-seen', messages: [{ role: 'user', content: 'record me' }] });
    const stats = sim.stats();
    expect(stats.byApiKey).toEqual({ 'sk-provider-key': 1 });
    expect(stats.byPath).toEqual({ '/v1/chat/completions': 1 });
    expect(stats.byModel).toEqual({ 'gpt-seen': 1 });
    expect(stats.lastRequest?.apiKey).toBe('sk-provider-key');
    expect(stats.lastRequest?.headers.authorization).toBe('Bearer sk-provider-key');
    expect(stats.lastRequest?.body).toMatchObject({ model: 'gpt-seen', messages: [{ role: 'user', content: 'record me' }] });
  });

  it('lists models', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual([...sim.config.models]);
  });

  it('refuses other keys with an openai-shaped 401 when a key is required', async () => {
    sim.configure({ requireKey: 'sk-right' });
    try {
      const err = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
      if (!(err instanceof OpenAI.AuthenticationError)) return;
      expect(err.status).toBe(401);
      expect(err.code).toBe('invalid_api_key');
      const ok = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-right', maxRetries: 0 });
      const res = await ok.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
      expect(res.choices).toHaveLength(1);
      expect(sim.stats().byApiKey).toEqual({ 'sk-provider-key': 1, 'sk-right': 1 });
    } finally {
      sim.configure({ requireKey: null });
    }
  });

  it('rejects a request without messages with an openai-shaped 400', async () => {
    const res = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm' }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { message: '`messages` is required and must be a list', type: 'invalid_request_error', param: null, code: null } });
  });
});
