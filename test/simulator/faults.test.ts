// Every fault kind, as the official clients (or a raw fetch, where the SDK would hide it) see it.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';

let sim: Simulator;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  sim = await startSimulator({ tokens: 8 });
  openai = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-o', maxRetries: 0, timeout: 5_000 });
  anthropic = new Anthropic({ baseURL: sim.url, apiKey: 'sk-a', maxRetries: 0, timeout: 5_000 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const chat = { model: 'gpt-f', messages: [{ role: 'user' as const, content: 'hello' }] };
const message = { model: 'claude-f', max_tokens: 50, messages: [{ role: 'user' as const, content: 'hello' }] };

function queue(...args: Parameters<Simulator['queueFaults']>): void {
  const r = sim.queueFaults(...args);
  if (!r.ok) throw new Error(r.error);
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => new Error('expected a rejection'), (e: unknown) => e);
}

/** Reads a raw SSE response to its end, returning the text received and whether the body ended in an error. */
async function readAll(res: Response): Promise<{ text: string; failed: boolean }> {
  const reader = res.body?.getReader();
  if (!reader) return { text: '', failed: false };
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, failed: false };
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    return { text, failed: true };
  }
}

describe('status faults', () => {
  it('429 with retry-after comes back in the openai error shape', async () => {
    queue([{ status: 429, retryAfter: 1 }]);
    const err = await rejection(openai.chat.completions.create(chat));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    if (!(err instanceof OpenAI.RateLimitError)) return;
    expect(err.status).toBe(429);
    expect(err.headers?.get('retry-after')).toBe('1');
    expect(err.error).toEqual({ message: 'Rate limit reached for requests.', type: 'requests', param: null, code: 'rate_limit_exceeded' });
    expect(sim.stats().byFault).toEqual({ '429': 1 });
  });

  it('529 and 500 come back in the anthropic error shape', async () => {
    queue([{ status: 529 }, { status: 500 }]);
    const overloaded = await rejection(anthropic.messages.create(message));
    expect(overloaded).toBeInstanceOf(Anthropic.APIError);
    if (!(overloaded instanceof Anthropic.APIError)) return;
    expect(overloaded.status).toBe(529);
    expect(overloaded.error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'overloaded' } });
    const internal = await rejection(anthropic.messages.create(message));
    expect(internal).toBeInstanceOf(Anthropic.InternalServerError);
    if (!(internal instanceof Anthropic.InternalServerError)) return;
    expect(internal.error).toEqual({ type: 'error', error: { type: 'api_error', message: 'internal server error' } });
  });

  it('sends a custom body and extra headers verbatim', async () => {
    const body = { error: { message: 'context too long', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } };
    queue([{ status: 400, body, headers: { 'x-custom': 'yes' } }]);
    const err = await rejection(openai.chat.completions.create(chat));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    if (!(err instanceof OpenAI.BadRequestError)) return;
    expect(err.error).toEqual(body.error);
    expect(err.code).toBe('context_length_exceeded');
    expect(err.headers?.get('x-custom')).toBe('yes');
  });

  it('answers normally once the queued faults are consumed', async () => {
    queue([{ status: 503 }]);
    await rejection(openai.chat.completions.create(chat));
    const ok = await openai.chat.completions.create(chat);
    expect(ok.choices[0]?.finish_reason).toBe('stop');
  });
});

describe('connection faults', () => {
  it('a reset is a connection error, not an http status', async () => {
    queue([{ reset: true }, { reset: true }]);
    const err = await rejection(openai.chat.completions.create(chat));
    expect(err).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(err).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    const err2 = await rejection(anthropic.messages.create(message));
    expect(err2).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(sim.stats().byFault).toEqual({ reset: 2 });
  });

  it('a first-byte delay beyond the client timeout is a client timeout', async () => {
    queue([{ firstByteDelayMs: 2_000 }]);
    const impatient = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'k', maxRetries: 0, timeout: 100 });
    const err = await rejection(impatient.chat.completions.create(chat));
    expect(err).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it('a first-byte delay holds the answer at least that long', async () => {
    queue([{ firstByteDelayMs: 150 }]);
    const started = performance.now();
    const res = await openai.chat.completions.create(chat);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(res.choices[0]?.finish_reason).toBe('stop');
    expect(sim.stats().byFault).toEqual({ 'first-byte-delay': 1 });
  });
});

describe('mid-stream cuts', () => {
  it('an openai stream cut after 3 chunks ends early, with no finish chunk and no [DONE]', async () => {
    queue([{ cutAfterChunks: 3 }]);
    const stream = await openai.chat.completions.create({ ...chat, stream: true, stream_options: { include_usage: true } });
    const seen: OpenAI.ChatCompletionChunk[] = [];
    const err = await (async () => {
      for await (const chunk of stream) seen.push(chunk);
    })().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(seen).toHaveLength(3);
    expect(seen.some((c) => c.choices[0]?.finish_reason)).toBe(false);
    expect(seen.some((c) => c.usage)).toBe(false);
    expect(sim.stats().streamsCut).toBe(1);
  });

  it('an anthropic stream cut ends without message_delta or message_stop', async () => {
    queue([{ cutAfterChunks: 4 }]);
    const res = await fetch(`${sim.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ ...message, stream: true }),
    });
    expect(res.status).toBe(200);
    const { text, failed } = await readAll(res);
    expect(failed).toBe(true);
    expect(text.match(/^event: /gm)).toHaveLength(4);
    expect(text).not.toContain('message_stop');
    expect(text).not.toContain('message_delta');
  });

  it('a cut larger than the stream still withholds the final event', async () => {
    queue([{ cutAfterChunks: 1_000 }]);
    const res = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ ...chat, stream: true }) });
    const { text, failed } = await readAll(res);
    expect(failed).toBe(true);
    expect(text).toContain('"finish_reason":"stop"');
    expect(text).not.toContain('[DONE]');
  });

  it('a cut with paced tokens stops at the same place', async () => {
    sim.configure({ tokenIntervalMs: 5 });
    try {
      queue([{ cutAfterChunks: 2 }]);
      const res = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ ...chat, stream: true }) });
      const { text, failed } = await readAll(res);
      expect(failed).toBe(true);
      expect(text.match(/^data: /gm)).toHaveLength(2);
    } finally {
      sim.configure({ tokenIntervalMs: 0 });
    }
  });

  it('a cut non-streaming answer fails after the headers arrived', async () => {
    queue([{ cutAfterChunks: 0 }]);
    const res = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chat) });
    expect(res.status).toBe(200);
    const body = await res.text().then(() => 'complete', () => 'failed');
    expect(body).toBe('failed');
  });
});

describe('missing usage', () => {
  it('an openai answer without usage', async () => {
    queue([{ noUsage: true }]);
    const res = await openai.chat.completions.create(chat);
    expect(res.usage).toBeUndefined();
    expect(res.choices[0]?.message.content).toBeTruthy();
  });

  it('an openai stream asked for usage completes without the usage chunk', async () => {
    queue([{ noUsage: true }]);
    const stream = await openai.chat.completions.create({ ...chat, stream: true, stream_options: { include_usage: true } });
    let finish = '';
    const usages: unknown[] = [];
    for await (const chunk of stream) {
      if (chunk.usage) usages.push(chunk.usage);
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('stop');
    expect(usages).toEqual([]);
  });

  it('an anthropic stream without usage in message_start or message_delta', async () => {
    queue([{ noUsage: true }]);
    const stream = await anthropic.messages.create({ ...message, stream: true });
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.at(-1)?.type).toBe('message_stop');
    const start = events.find((e) => e.type === 'message_start');
    const delta = events.find((e) => e.type === 'message_delta');
    expect(start && 'message' in start ? start.message.usage : 'absent').toBeUndefined();
    expect(delta && 'usage' in delta ? delta.usage : undefined).toBeUndefined();
  });
});

describe('fault matching', () => {
  it('applies a fault only to the matching model, path or key, in queue order', async () => {
    queue([{ status: 500 }], { model: 'other-model' });
    queue([{ status: 502 }], { path: '/v1/messages' });
    queue([{ status: 503 }], { apiKey: 'sk-o' });
    const first = await rejection(openai.chat.completions.create(chat));
    expect(first instanceof OpenAI.APIError ? first.status : 0).toBe(503);
    expect((await openai.chat.completions.create(chat)).choices).toHaveLength(1);
    const second = await rejection(anthropic.messages.create(message));
    expect(second instanceof Anthropic.APIError ? second.status : 0).toBe(502);
    const third = await rejection(openai.chat.completions.create({ ...chat, model: 'other-model' }));
    expect(third instanceof OpenAI.APIError ? third.status : 0).toBe(500);
  });

  it('a fault with a count applies that many times', async () => {
    queue([{ status: 503, count: 3 }]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chat) });
      await r.arrayBuffer();
      statuses.push(r.status);
    }
    expect(statuses).toEqual([503, 503, 503, 200]);
  });
});

describe('latency and client aborts', () => {
  it('latency delays the first byte and token interval paces the stream', async () => {
    sim.configure({ latencyMs: 60, tokenIntervalMs: 10 });
    try {
      const started = performance.now();
      await openai.chat.completions.create(chat);
      expect(performance.now() - started).toBeGreaterThanOrEqual(55);
      const streamStart = performance.now();
      const stream = await openai.chat.completions.create({ ...chat, stream: true });
      for await (const chunk of stream) void chunk;
      // 8 tokens + role + finish + [DONE] = 11 frames, 10 intervals.
      expect(performance.now() - streamStart).toBeGreaterThanOrEqual(55 + 10 * 10 - 5);
    } finally {
      sim.configure({ latencyMs: 0, tokenIntervalMs: 0 });
    }
  });

  it('counts a stream whose client went away before the end as aborted', async () => {
    sim.configure({ tokenIntervalMs: 20 });
    try {
      const controller = new AbortController();
      const res = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ ...chat, stream: true }), signal: controller.signal });
      const reader = res.body?.getReader();
      await reader?.read();
      controller.abort();
      for (let i = 0; i < 500 && sim.stats().streamsAborted === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(sim.stats().streamsAborted).toBe(1);
      expect(sim.stats().streamsCut).toBe(0);
    } finally {
      sim.configure({ tokenIntervalMs: 0 });
    }
  });
});
