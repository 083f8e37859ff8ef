// The official SDKs, unchanged but for baseURL and key, reaching providers of the other protocol through the
// proxy: the openai client on an `api: anthropic` provider and @anthropic-ai/sdk on an `api: openai` one,
// streaming and not, with tool calls. The simulators check what a real provider would (Anthropic requires
// `max_tokens`), and report what they received.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SettleRecord } from '../../src/proxy/index.js';
import { APP_KEY, CREDENTIALS, closeSims, resetSims, startProxy, startSims, type Proxy, type Sims } from './fixture.js';

let sims: Sims;
let proxy: Proxy;
const settled: SettleRecord[] = [];
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  sims = await startSims();
  proxy = await startProxy(sims, { onSettle: (r) => settled.push(r) });
  openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: APP_KEY, maxRetries: 0, timeout: 10_000 });
  anthropic = new Anthropic({ baseURL: proxy.url, apiKey: APP_KEY, maxRetries: 0, timeout: 10_000 });
});
afterAll(async () => {
  await proxy.close();
  await closeSims(sims);
});
beforeEach(() => {
  resetSims(sims);
  settled.length = 0;
});

const system = 'You answer briefly.';
const prompt = 'Summarise the switchyard in one sentence.';
/** The simulator's prompt estimate (and the proxy's): ceil(characters / 4) of the system prompt and the messages. */
const promptTokens = Math.ceil((system.length + prompt.length) / 4);
const weather = 'What is the weather in Paris?';

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object' as const, properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
  },
};
const anthropicWeatherTool = { name: 'get_weather', description: 'Current weather for a city', input_schema: weatherTool.function.parameters };

const lastBody = (sim: Sims[keyof Sims]): Record<string, unknown> => sim.stats().lastRequest?.body as Record<string, unknown>;

describe('openai client → api: anthropic provider', () => {
  it('gets a chat completion for a non-streaming call; the provider got an Anthropic request with max_tokens', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'only-claude', messages: [{ role: 'system', content: system }, { role: 'user', content: prompt }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content?.split(' ')).toHaveLength(8);
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.model).toBe('claude-up');
    expect(data.usage).toMatchObject({ prompt_tokens: promptTokens, completion_tokens: 8, total_tokens: promptTokens + 8 });
    expect(response.headers.get('x-switchyard-provider')).toBe('claude');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    const seen = sims.c.stats().lastRequest;
    expect(seen?.path).toBe('/v1/messages');
    expect(seen?.apiKey).toBe(CREDENTIALS.CLAUDE_KEY);
    expect(seen?.headers['anthropic-version']).toBe('2023-06-01');
    expect(seen?.body).toEqual({ model: 'claude-up', max_tokens: 4096, system, messages: [{ role: 'user', content: prompt }] });
    expect(settled[0]).toMatchObject({ outcome: 'completed', provider: 'claude', protocol: 'openai', usage: { inputTokens: promptTokens, outputTokens: 8 } });
  });

  it('streams chunks, with the usage chunk only when asked, and settles the provider usage', async () => {
    for (const includeUsage of [false, true]) {
      settled.length = 0;
      const stream = await openai.chat.completions.create({
        model: 'only-claude',
        stream: true,
        ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
        max_tokens: 5,
        messages: [{ role: 'system', content: system }, { role: 'user', content: prompt }],
      });
      let text = '';
      let finish: string | null | undefined;
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text.split(' ')).toHaveLength(5);
      expect(finish).toBe('length');
      expect(usage === undefined).toBe(!includeUsage);
      if (includeUsage) expect(usage).toMatchObject({ prompt_tokens: promptTokens, completion_tokens: 5 });
      expect(lastBody(sims.c)).toMatchObject({ stream: true, max_tokens: 5 });
      expect(settled[0]).toMatchObject({ outcome: 'completed', stream: true, usage: { inputTokens: promptTokens, outputTokens: 5 } });
    }
  });

  it('calls a tool and reads its result, non-streaming', async () => {
    const first = await openai.chat.completions.create({ model: 'only-claude', tools: [weatherTool], messages: [{ role: 'user', content: weather }] });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    expect(lastBody(sims.c).tools).toEqual([{ name: 'get_weather', description: 'Current weather for a city', input_schema: weatherTool.function.parameters }]);

    const second = await openai.chat.completions.create({
      model: 'only-claude',
      tools: [weatherTool],
      messages: [{ role: 'user', content: weather }, first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '21 degrees, sunny' }],
    });
    expect(second.choices[0]?.finish_reason).toBe('stop');
    expect(second.choices[0]?.message.content).toBeTruthy();
    // The provider saw the call as a tool_use block and the result as a tool_result, in alternating turns.
    expect(lastBody(sims.c).messages).toEqual([
      { role: 'user', content: weather },
      { role: 'assistant', content: [{ type: 'tool_use', id: call.id, name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '21 degrees, sunny' }] },
    ]);
  });

  it('streams a tool call as tool_calls deltas', async () => {
    const stream = await openai.chat.completions.create({ model: 'only-claude', stream: true, tools: [weatherTool], messages: [{ role: 'user', content: weather }] });
    const calls = new Map<number, { id?: string; name?: string; args: string }>();
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta.tool_calls ?? []) {
        const c = calls.get(d.index) ?? { args: '' };
        if (d.id) c.id = d.id;
        if (d.function?.name) c.name = d.function.name;
        c.args += d.function?.arguments ?? '';
        calls.set(d.index, c);
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('tool_calls');
    expect([...calls.values()]).toHaveLength(1);
    expect(calls.get(0)?.name).toBe('get_weather');
    expect(calls.get(0)?.id).toMatch(/./);
    expect(JSON.parse(calls.get(0)!.args)).toEqual({ city: 'Paris' });
  });
});

describe('anthropic client → api: openai provider', () => {
  it('gets a message for a non-streaming call; the provider got an OpenAI request', async () => {
    const { data, response } = await anthropic.messages
      .create({ model: 'auto', max_tokens: 64, system, messages: [{ role: 'user', content: prompt }] })
      .withResponse();
    expect(data.type).toBe('message');
    expect(data.content[0]?.type === 'text' && data.content[0].text.split(' ')).toHaveLength(8);
    expect(data.stop_reason).toBe('end_turn');
    expect(data.usage).toMatchObject({ input_tokens: promptTokens, output_tokens: 8 });
    expect(response.headers.get('x-switchyard-provider')).toBe('oa-primary');
    const seen = sims.a.stats().lastRequest;
    expect(seen?.path).toBe('/v1/chat/completions');
    expect(seen?.apiKey).toBe(CREDENTIALS.OA_PRIMARY_KEY);
    expect(seen?.headers['anthropic-version']).toBeUndefined();
    expect(seen?.body).toEqual({ model: 'up-primary', max_completion_tokens: 64, messages: [{ role: 'system', content: system }, { role: 'user', content: prompt }] });
    expect(settled[0]).toMatchObject({ outcome: 'completed', provider: 'oa-primary', protocol: 'anthropic', usage: { inputTokens: promptTokens, outputTokens: 8 } });
  });

  it('streams with the SDK helper: text, stop reason and usage from message_delta', async () => {
    const stream = anthropic.messages.stream({ model: 'auto', max_tokens: 3, system, messages: [{ role: 'user', content: prompt }] });
    let text = '';
    stream.on('text', (t) => (text += t));
    const message = await stream.finalMessage();
    expect(text.split(' ')).toHaveLength(3);
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage).toMatchObject({ input_tokens: promptTokens, output_tokens: 3 });
    // The proxy asked the OpenAI provider for the usage an Anthropic stream always carries.
    expect(lastBody(sims.a)).toMatchObject({ stream: true, stream_options: { include_usage: true }, max_completion_tokens: 3 });
    expect(settled[0]).toMatchObject({ outcome: 'completed', stream: true, usage: { inputTokens: promptTokens, outputTokens: 3 } });
  });

  it('calls a tool and sends its result, non-streaming', async () => {
    const first = await anthropic.messages.create({ model: 'auto', max_tokens: 64, tools: [anthropicWeatherTool], messages: [{ role: 'user', content: weather }] });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b) => b.type === 'tool_use');
    if (use?.type !== 'tool_use') throw new Error('expected a tool_use block');
    expect(use).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });

    const second = await anthropic.messages.create({
      model: 'auto',
      max_tokens: 64,
      tools: [anthropicWeatherTool],
      messages: [
        { role: 'user', content: weather },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '21 degrees, sunny' }] },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    expect(lastBody(sims.a).messages).toEqual([
      { role: 'user', content: weather },
      { role: 'assistant', content: null, tool_calls: [{ id: use.id, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify(use.input) } }] },
      { role: 'tool', tool_call_id: use.id, content: '21 degrees, sunny' },
    ]);
  });

  it('streams a tool call as a tool_use block the SDK assembles', async () => {
    const stream = anthropic.messages.stream({ model: 'auto', max_tokens: 64, tools: [anthropicWeatherTool], messages: [{ role: 'user', content: weather }] });
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([expect.objectContaining({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } })]);
  });
});

describe('usage is the same whichever protocol the client speaks', () => {
  it('settles identical tokens for one request to one provider, native and translated', async () => {
    await anthropic.messages.create({ model: 'claude-fast', max_tokens: 6, system, messages: [{ role: 'user', content: prompt }] });
    await openai.chat.completions.create({ model: 'claude-fast', max_tokens: 6, messages: [{ role: 'system', content: system }, { role: 'user', content: prompt }] });
    await openai.chat.completions.create({ model: 'auto', max_tokens: 6, messages: [{ role: 'system', content: system }, { role: 'user', content: prompt }] });
    await anthropic.messages.create({ model: 'auto', max_tokens: 6, system, messages: [{ role: 'user', content: prompt }] });
    expect(settled.map((r) => [r.protocol, r.provider, r.usage])).toEqual([
      ['anthropic', 'claude', { inputTokens: promptTokens, outputTokens: 6 }],
      ['openai', 'claude', { inputTokens: promptTokens, outputTokens: 6 }],
      ['openai', 'oa-primary', { inputTokens: promptTokens, outputTokens: 6 }],
      ['anthropic', 'oa-primary', { inputTokens: promptTokens, outputTokens: 6 }],
    ]);
  });
});
