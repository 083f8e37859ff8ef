// Translation in the candidate loop: failing over from a provider of one protocol to one of the other mid-route
// (both ways, streaming and not), candidates skipped with `unsupported: <field>` when their protocol cannot
// express the request (400 `unsupported_feature` when none can), provider errors in the caller's shape with the
// provider's status, and streams that break after they started.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decide } from '../../src/engine/index.js';
import type { SettleRecord } from '../../src/proxy/index.js';
import { SseScanner } from '../../src/proxy/sse.js';
import type { FaultInput } from '../../src/simulator/index.js';
import { APP_KEY, chat, closeSims, post, resetSims, startProxy, startSims, type Proxy, type Sims } from './fixture.js';

let sims: Sims;
let proxy: Proxy;
const settled: SettleRecord[] = [];
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  sims = await startSims();
  proxy = await startProxy(sims, { circuit: { failureThreshold: 1_000 }, onSettle: (r) => settled.push(r) });
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

const queue = (sim: Sims[keyof Sims], faults: FaultInput[]): void => {
  const r = sim.queueFaults(faults);
  if (!r.ok) throw new Error(r.error);
};

const messages = (body: unknown): Record<string, unknown> => body as Record<string, unknown>;
const anthropicHeaders = { 'x-api-key': APP_KEY, 'anthropic-version': '2023-06-01' };

describe('failover across protocols mid-route', () => {
  // Route `mixed`: claude-fast (api: anthropic, simulator c), then primary-mini (api: openai, simulator a).
  it('openai client: the anthropic provider answers 503, the openai one serves natively', async () => {
    queue(sims.c, [{ status: 503 }]);
    const { data, response } = await openai.chat.completions.create({ model: 'mixed', messages: [{ role: 'user', content: 'Hello there.' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get('x-switchyard-provider')).toBe('oa-primary');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(sims.c.stats().byFault).toEqual({ '503': 1 });
    expect(settled[0]?.attempts).toMatchObject([
      { provider: 'claude', result: 'failed', status: 503 },
      { provider: 'oa-primary', result: 'ok', status: 200 },
    ]);
  });

  it('anthropic client, streaming: the anthropic provider answers 503, the openai one serves through translation', async () => {
    queue(sims.c, [{ status: 503 }]);
    const stream = anthropic.messages.stream({ model: 'mixed', max_tokens: 4, messages: [{ role: 'user', content: 'Hello there.' }] });
    const message = await stream.finalMessage();
    expect(message.content[0]?.type === 'text' && message.content[0].text.split(' ')).toHaveLength(4);
    expect(message.usage.output_tokens).toBe(4);
    expect(sims.a.stats().lastRequest?.path).toBe('/v1/chat/completions');
    expect(settled[0]).toMatchObject({ provider: 'oa-primary', outcome: 'completed', usage: { outputTokens: 4 } });
    expect(settled[0]?.attempts.map((a) => [a.provider, a.result])).toEqual([
      ['claude', 'failed'],
      ['oa-primary', 'ok'],
    ]);
  });

  it('openai client, streaming, when the translated provider resets and the native one serves', async () => {
    queue(sims.c, [{ reset: true }]);
    const stream = await openai.chat.completions.create({ model: 'mixed', stream: true, messages: [{ role: 'user', content: 'Hello there.' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.split(' ')).toHaveLength(8);
    expect(settled[0]?.provider).toBe('oa-primary');
  });
});

describe('features a protocol cannot express', () => {
  it('skips the candidate with `unsupported: <field>` and serves from one that can', async () => {
    const res = await post(proxy.url, '/v1/chat/completions', chat('mixed', { n: 2 }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-provider')).toBe('oa-primary');
    expect(res.headers.get('x-switchyard-attempts')).toBe('1');
    expect(sims.c.stats().requests).toBe(0);
    expect(settled[0]?.attempts[0]).toMatchObject({ provider: 'claude', result: 'skipped' });
    expect(settled[0]?.attempts[0]?.note).toMatch(/^unsupported: n \(/);
  });

  it('answers 400 unsupported_feature naming the field when no candidate can express it (openai client)', async () => {
    const res = await post(proxy.url, '/v1/chat/completions', chat('only-claude', { logprobs: true }));
    expect(res.status).toBe(400);
    const error = messages(res.body).error as Record<string, unknown>;
    expect(error.code).toBe('unsupported_feature');
    expect(error.message).toContain('`claude-fast` (claude): unsupported: logprobs (anthropic has no `logprobs`');
    expect(error.rule).toBe('Route/only-claude');
    expect(sims.c.stats().requests).toBe(0);
    expect(settled[0]).toMatchObject({ outcome: 'failed', status: 400, errorCode: 'unsupported_feature' });
  });

  it('answers 400 unsupported_feature in the Anthropic shape for an anthropic client; the SDK raises BadRequestError', async () => {
    const call = anthropic.messages.create({ model: 'auto', max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'hi' }] });
    await expect(call).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(call).rejects.toThrow(/unsupported_feature: no candidate can express the request: `primary-mini` \(oa-primary\): unsupported: thinking/);
    expect(sims.a.stats().requests + sims.b.stats().requests).toBe(0);
  });

  it('refuses a nested field with its path', async () => {
    const body = { model: 'only-claude', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAA=', format: 'wav' } }] }] };
    const res = await post(proxy.url, '/v1/chat/completions', body);
    expect(res.status).toBe(400);
    expect((messages(res.body).error as Record<string, unknown>).message).toContain('unsupported: messages[0].content[0].type');
  });
});

describe('provider errors in the caller shape', () => {
  it('relays an Anthropic 400 to an openai client as an OpenAI error with the same status', async () => {
    queue(sims.c, [{ status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } } }]);
    const call = openai.chat.completions.create({ model: 'only-claude', messages: [{ role: 'user', content: 'hi' }] });
    await expect(call).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(call).rejects.toMatchObject({ status: 400, code: 'invalid_request_error', type: 'invalid_request_error', message: expect.stringContaining('prompt is too long') });
    expect(settled[0]).toMatchObject({ outcome: 'upstream_status', status: 400 });
  });

  it('relays an OpenAI 400 to an anthropic client as an Anthropic error with the same status', async () => {
    queue(sims.a, [{ status: 400, body: { error: { message: "This model's maximum context length is 8192 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } } }]);
    const res = await post(proxy.url, '/v1/messages', { model: 'auto', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }, anthropicHeaders);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: "This model's maximum context length is 8192 tokens. (context_length_exceeded)" } });
  });

  it('relays a non-JSON provider error as a JSON error of the caller shape', async () => {
    queue(sims.c, [{ status: 404, body: '<html>no such model</html>' }]);
    const res = await post(proxy.url, '/v1/chat/completions', chat('only-claude'));
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toEqual({ error: { message: '<html>no such model</html>', type: 'invalid_request_error', param: null, code: null } });
  });

  it("answers in the proxy's own shape when every candidate failed with a failover status", async () => {
    queue(sims.c, [{ status: 503 }]);
    const res = await post(proxy.url, '/v1/chat/completions', chat('only-claude'));
    expect(res.status).toBe(502);
    expect((messages(res.body).error as Record<string, unknown>).code).toBe('upstream_error');
  });
});

describe('translated streams that break', () => {
  it('ends an openai client stream with an error event when the anthropic stream is cut, and settles what it saw', async () => {
    queue(sims.c, [{ cutAfterChunks: 4 }]);
    const res = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}` },
      body: JSON.stringify(chat('only-claude', { stream: true })),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain('[DONE]');
    expect(text.trimEnd().split('\n\n').at(-1)).toMatch(/^data: \{"error":\{"type":"server_error","code":"upstream_error"/);
    expect(settled[0]).toMatchObject({ outcome: 'cut', errorCode: 'upstream_error' });
    expect(settled[0]?.outputChars).toBeGreaterThan(0);
  });

  it('ends an anthropic client stream with an error event when the openai stream is cut', async () => {
    queue(sims.a, [{ cutAfterChunks: 3 }]);
    const res = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...anthropicHeaders },
      body: JSON.stringify({ model: 'auto', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await res.text();
    expect(text).toContain('event: message_start');
    expect(text).not.toContain('event: message_stop');
    expect(text.trimEnd().split('\n\n').at(-1)).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"upstream_error: /);
    expect(settled[0]).toMatchObject({ outcome: 'cut', provider: 'oa-primary' });
  });

  it('settles on the estimate when the provider reports no usage, not on the zeros the client is shown', async () => {
    queue(sims.a, [{ noUsage: true }, { noUsage: true }]);
    const body = { model: 'auto', max_tokens: 16, messages: [{ role: 'user', content: 'Hello there, provider.' }] };
    const plain = await post(proxy.url, '/v1/messages', body, anthropicHeaders);
    expect(messages(plain.body).usage).toEqual({ input_tokens: 0, output_tokens: 0 });
    await post(proxy.url, '/v1/messages', { ...body, stream: true }, anthropicHeaders);
    expect(settled.map((r) => [r.outcome, r.usage])).toEqual([
      ['completed', undefined],
      ['completed', undefined],
    ]);
    expect(settled[1]?.outputChars).toBeGreaterThan(0);
  });
});

describe('capabilities from the request', () => {
  const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };

  it('routes an image request only to models with vision, and explain on the recorded context agrees', async () => {
    // No Model of the fixture has `vision`.
    const res = await post(proxy.url, '/v1/chat/completions', { model: 'mixed', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, image] }] });
    expect(res.status).toBe(403);
    const error = messages(res.body).error as Record<string, unknown>;
    expect(error.code).toBe('no_eligible_model');
    expect(error.message).toContain('`claude-fast` (provider `claude`): lacks capability `vision`, which the request needs (it uses images)');
    expect(sims.a.stats().requests + sims.c.stats().requests).toBe(0);
    const context = settled[0]?.context;
    expect(context?.features).toMatchObject({ images: true, tools: false, jsonMode: false });
    const replayed = decide(proxy.snapshot.graph, context!);
    expect(replayed.deny?.code).toBe('no_eligible_model');
    expect(replayed.deny?.message).toBe(String(error.message).replace(/; decided by `Route\/mixed`$/, ''));
  });

  it('keeps models with the tools capability for a request with tools', async () => {
    const res = await post(proxy.url, '/v1/chat/completions', chat('mixed', { tools: [{ type: 'function', function: { name: 'lookup' } }] }));
    expect(res.status).toBe(200);
    expect(settled[0]?.context?.features).toMatchObject({ tools: true });
    expect(settled[0]?.candidates.map((c) => c.model)).toEqual(['claude-fast', 'primary-mini']);
  });
});

describe('cached prompt tokens', () => {
  const answer = {
    id: 'msg_cache',
    type: 'message',
    role: 'assistant',
    model: 'claude-up',
    content: [{ type: 'text', text: 'From the cache.' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 5, cache_creation_input_tokens: 20, cache_read_input_tokens: 100, output_tokens: 9 },
  };

  it('count as input whichever protocol the client speaks', async () => {
    queue(sims.c, [{ status: 200, body: answer, count: 2 }]);
    const translated = await openai.chat.completions.create({ model: 'only-claude', messages: [{ role: 'user', content: 'hi' }] });
    expect(translated.usage).toMatchObject({ prompt_tokens: 125, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 100 } });
    const native = await anthropic.messages.create({ model: 'claude-fast', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    expect(native.usage).toMatchObject({ input_tokens: 5, cache_read_input_tokens: 100 });
    expect(settled.map((r) => [r.protocol, r.usage])).toEqual([
      ['openai', { inputTokens: 125, outputTokens: 9 }],
      ['anthropic', { inputTokens: 125, outputTokens: 9 }],
    ]);
  });

  it('count as input in a native Anthropic stream', () => {
    const scanner = new SseScanner('anthropic', false);
    scanner.push(Buffer.from('event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":5,"cache_creation_input_tokens":20,"cache_read_input_tokens":100,"output_tokens":1}}}\n\n'));
    scanner.push(Buffer.from('event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}}\n\n'));
    expect(scanner.usage).toEqual({ inputTokens: 125, outputTokens: 9 });
  });
});
