// The official openai and @anthropic-ai/sdk clients, unchanged except baseURL and key, through the proxy.
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

const prompt = 'Summarise the switchyard in one sentence.';

describe('openai client', () => {
  it('completes a non-streaming call with the upstream model, usage and switchyard headers', async () => {
    const { data, response } = await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: prompt }] }).withResponse();
    expect(data.choices[0]?.message.content?.split(' ')).toHaveLength(8);
    expect(data.model).toBe('up-primary');
    expect(data.usage).toMatchObject({ prompt_tokens: Math.ceil(prompt.length / 4), completion_tokens: 8 });
    expect(response.headers.get('x-switchyard-route')).toBe('default');
    expect(response.headers.get('x-switchyard-model')).toBe('primary-mini');
    expect(response.headers.get('x-switchyard-provider')).toBe('oa-primary');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(response.headers.get('x-switchyard-policy-version')).toBe(proxy.snapshot.version);
    expect(response.headers.get('x-switchyard-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // The provider saw its own credential and the upstream model, never the client's key.
    const seen = sims.a.stats().lastRequest;
    expect(seen?.apiKey).toBe(CREDENTIALS.OA_PRIMARY_KEY);
    expect((seen?.body as { model: string }).model).toBe('up-primary');
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatchObject({ outcome: 'completed', team: 'app', keyId: 'app-main', route: 'default', model: 'primary-mini', provider: 'oa-primary', usage: { inputTokens: Math.ceil(prompt.length / 4), outputTokens: 8 } });
  });

  it('streams through the proxy, without a usage chunk the client did not ask for, and settles the usage', async () => {
    const stream = await openai.chat.completions.create({ model: 'auto', stream: true, messages: [{ role: 'user', content: prompt }] });
    let text = '';
    let usageChunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usageChunks += 1;
    }
    expect(text.split(' ')).toHaveLength(8);
    expect(usageChunks).toBe(0);
    // The proxy asked the provider for usage on the client's behalf.
    expect((sims.a.stats().lastRequest?.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatchObject({ outcome: 'completed', stream: true, usage: { inputTokens: Math.ceil(prompt.length / 4), outputTokens: 8 } });
  });

  it('keeps the usage chunk when the client asked for it', async () => {
    const stream = await openai.chat.completions.create({ model: 'auto', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: prompt }] });
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage).toMatchObject({ prompt_tokens: Math.ceil(prompt.length / 4), completion_tokens: 8 });
    expect(settled[0]?.usage).toEqual({ inputTokens: Math.ceil(prompt.length / 4), outputTokens: 8 });
  });

  it('lists the models the key can reach', async () => {
    const page = await openai.models.list();
    const ids = page.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['auto', 'primary-mini', 'backup-mini', 'claude-fast']));
    expect(page.data.find((m) => m.id === 'primary-mini')?.owned_by).toBe('oa-primary');
  });
});

describe('anthropic client', () => {
  it('completes a non-streaming call with usage and headers', async () => {
    const { data, response } = await anthropic.messages
      .create({ model: 'claude-fast', max_tokens: 64, system: 'be brief', messages: [{ role: 'user', content: prompt }] })
      .withResponse();
    const block = data.content[0];
    expect(block?.type === 'text' ? block.text.split(' ') : []).toHaveLength(8);
    expect(data.model).toBe('claude-up');
    expect(data.usage).toMatchObject({ input_tokens: Math.ceil('be brief'.length / 4) + Math.ceil(prompt.length / 4), output_tokens: 8 });
    expect(response.headers.get('x-switchyard-provider')).toBe('claude');
    expect(response.headers.get('x-switchyard-route')).toBe('claude');
    const seen = sims.c.stats().lastRequest;
    expect(seen?.apiKey).toBe(CREDENTIALS.CLAUDE_KEY);
    expect(seen?.headers['anthropic-version']).toBeDefined();
    expect(settled[0]).toMatchObject({ outcome: 'completed', protocol: 'anthropic', usage: { outputTokens: 8 } });
  });

  it('streams with the messages.stream helper and settles input and output usage', async () => {
    const stream = anthropic.messages.stream({ model: 'claude-fast', max_tokens: 64, messages: [{ role: 'user', content: prompt }] });
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const final = await stream.finalMessage();
    expect(text.split(' ')).toHaveLength(8);
    expect(final.usage.output_tokens).toBe(8);
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatchObject({ outcome: 'completed', stream: true, usage: { inputTokens: final.usage.input_tokens, outputTokens: 8 } });
  });

  it('gets denials in the anthropic error shape', async () => {
    const err = await anthropic.messages
      .create({ model: 'claude-fast', max_tokens: 64, messages: [{ role: 'user', content: prompt }] }, { headers: { 'x-switchyard-data-class': 'phi' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    const body = (err as { error: { type: string; error: { type: string; message: string } } }).error;
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('permission_error');
    expect(body.error.message).toMatch(/^data_class_not_allowed: .*decided by `Team\/app`/);
  });
});
