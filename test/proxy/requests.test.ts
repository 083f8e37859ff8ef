// What the proxy accepts, refuses and forwards: keys, policy denials in the error shapes, the outbound
// header allowlist and credentials, sticky picks, and limits.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APP_KEY, CREDENTIALS, EU_KEY, EXPIRED_KEY, chat, sha, closeSims, post, resetSims, startProxy, startSims, type Proxy, type Sims } from './fixture.js';

let sims: Sims;
let proxy: Proxy;

beforeAll(async () => {
  sims = await startSims();
  proxy = await startProxy(sims);
});
afterAll(async () => {
  await proxy.close();
  await closeSims(sims);
});
beforeEach(() => resetSims(sims));

type OpenAIError = { error: { type: string; code: string; message: string; rule?: string } };
type AnthropicError = { type: string; error: { type: string; message: string } };

describe('keys', () => {
  it('refuses an unknown key with 401 invalid_api_key', async () => {
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'), { authorization: 'Bearer sy-not-a-key' });
    expect(res.status).toBe(401);
    expect((res.body as OpenAIError).error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
    expect(sims.a.stats().requests).toBe(0);
  });

  it('refuses a request without a key', async () => {
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'), { authorization: '' });
    expect(res.status).toBe(401);
    expect((res.body as OpenAIError).error.message).toContain('no api key');
  });

  it('refuses an expired key, naming it', async () => {
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'), { authorization: `Bearer ${EXPIRED_KEY}` });
    expect(res.status).toBe(401);
    expect((res.body as OpenAIError).error.message).toContain('`app-old` of team `app` has expired');
  });

  it('takes x-api-key on /v1/messages and answers refusals in the anthropic shape', async () => {
    const body = { ...chat('claude-fast'), max_tokens: 16 };
    const ok = await post(proxy.url, '/v1/messages', body, { authorization: '', 'x-api-key': APP_KEY });
    expect(ok.status).toBe(200);
    const bad = await post(proxy.url, '/v1/messages', body, { authorization: '', 'x-api-key': 'sy-wrong' });
    expect(bad.status).toBe(401);
    expect(bad.body as AnthropicError).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect((bad.body as AnthropicError).error.message).toMatch(/^invalid_api_key: /);
  });
});

describe('policy decisions', () => {
  it('refuses a data class the team may not declare with 403, naming the team', async () => {
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'), { 'x-switchyard-data-class': 'phi' });
    expect(res.status).toBe(403);
    expect((res.body as OpenAIError).error).toMatchObject({ type: 'permission_error', code: 'data_class_not_allowed', rule: 'Team/app' });
  });

  it('refuses a data class outside the vocabulary with 400', async () => {
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'), { 'x-switchyard-data-class': 'secret' });
    expect(res.status).toBe(400);
    expect((res.body as OpenAIError).error.code).toBe('invalid_request');
    expect((res.body as OpenAIError).error.message).toContain('`secret`');
  });

  it('lets residency remove a target and serves from the one that complies', async () => {
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'), { authorization: `Bearer ${EU_KEY}`, 'x-switchyard-data-class': 'pii-eu' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-route')).toBe('eu-data');
    expect(res.headers.get('x-switchyard-provider')).toBe('oa-eu');
    expect(sims.a.stats().requests).toBe(0);
  });

  it('denies when residency removes every target, with the rule in the error', async () => {
    const res = await post(proxy.url, '/v1/chat/completions', chat('strict'), { authorization: `Bearer ${EU_KEY}`, 'x-switchyard-data-class': 'pii-eu' });
    expect(res.status).toBe(403);
    const error = (res.body as OpenAIError).error;
    expect(error).toMatchObject({ code: 'no_eligible_model', rule: 'Route/eu-us-only' });
    expect(error.message).toContain('Residency/pii-eu-in-eu');
    expect(res.headers.get('x-switchyard-route')).toBe('eu-us-only');
  });

  it('denies when vetting removes every target, in the anthropic shape on /v1/messages', async () => {
    const res = await post(proxy.url, '/v1/messages', { ...chat('auto'), max_tokens: 16 }, { authorization: `Bearer ${EU_KEY}`, 'x-switchyard-data-class': 'phi' });
    expect(res.status).toBe(403);
    const body = res.body as AnthropicError;
    expect(body.error.type).toBe('permission_error');
    expect(body.error.message).toMatch(/^no_eligible_model: .*Vetting\/phi-zero-retention.*decided by `Route\/phi`$/);
  });

  it('keeps a conversation on one target of a weighted route via the route\'s sticky header', async () => {
    const pick = async (conversation: string): Promise<string | null> =>
      (await post(proxy.url, '/v1/chat/completions', chat('ab'), { 'x-conversation-id': conversation })).headers.get('x-switchyard-provider');
    const first = await pick('conversation-7');
    for (let i = 0; i < 4; i++) expect(await pick('conversation-7')).toBe(first);
    const picks = new Set<string | null>();
    // Varied ids: FNV-1a spreads keys that differ only in their last characters poorly.
    for (let i = 0; i < 16; i++) picks.add(await pick(sha(`conversation-${i}`)));
    expect(picks).toEqual(new Set(['oa-primary', 'oa-backup']));
  });
});

describe('forwarding', () => {
  it('sends the provider credential and allowlisted headers only', async () => {
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto'), {
      'x-custom-secret': 'do-not-forward',
      cookie: 'session=1',
      'openai-organization': 'org-client',
      'x-sim-tokens': '2',
      'x-switchyard-task': 'chat',
      'x-forwarded-for': '10.0.0.1',
      'user-agent': 'proxy-test/1.0',
    });
    expect(res.status).toBe(200);
    const seen = sims.a.stats().lastRequest!;
    expect(seen.apiKey).toBe(CREDENTIALS.OA_PRIMARY_KEY);
    expect(sims.a.stats().byApiKey).toEqual({ [CREDENTIALS.OA_PRIMARY_KEY]: 1 });
    expect(Object.keys(seen.headers).sort()).toEqual(['accept', 'authorization', 'connection', 'content-length', 'content-type', 'host', 'user-agent']);
    expect(seen.headers['user-agent']).toBe('proxy-test/1.0');
    // The simulator's own override header was not forwarded: the answer has the default length.
    expect((res.body as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(8);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('forwards anthropic-version and anthropic-beta to anthropic providers with their credential', async () => {
    await post(proxy.url, '/v1/messages', { ...chat('claude-fast'), max_tokens: 16 }, { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'tools-2024', 'x-other': '1' });
    const seen = sims.c.stats().lastRequest!;
    expect(seen.headers['x-api-key']).toBe(CREDENTIALS.CLAUDE_KEY);
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers['anthropic-beta']).toBe('tools-2024');
    expect(seen.headers['x-other']).toBeUndefined();
  });

  it('forwards the body with only the model replaced', async () => {
    const body = chat('auto', { temperature: 0.25, metadata: { ticket: 'T-1' }, max_tokens: 5 });
    await post(proxy.url, '/v1/chat/completions', body);
    expect(sims.a.stats().lastRequest?.body).toEqual({ ...body, model: 'up-primary' });
  });

  // Issue 5: the client's own text goes upstream, its spacing and number spelling untouched, only `model` replaced.
  it('forwards the client\'s JSON text as sent, its model value replaced, streams asking for usage first', async () => {
    const send = (text: string) =>
      fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}` }, body: text });
    const text = '{ "messages" : [ {"role":"user","content":"say \\"model\\": 1.50e1 {["} ],\n  "model":"auto" ,"temperature": 1.50e-1, "metadata": {"model": "keep"}}';
    expect((await send(text)).status).toBe(200);
    expect(sims.a.stats().lastRequest?.text).toBe(text.replace('"model":"auto"', '"model":"up-primary"'));
    const stream = '{"model": "auto", "stream": true, "messages": [{"role": "user", "content": "hi"}]}';
    await (await send(stream)).text();
    expect(sims.a.stats().lastRequest?.text).toBe(`{"stream_options":{"include_usage":true},${stream.slice(1).replace('"auto"', '"up-primary"')}`);
    // Duplicate `model` keys: JSON.parse keeps the last, and so does what goes upstream (serialised again, one model).
    const twice = '{"model": "ignored", "messages": [{"role": "user", "content": "hi"}], "model": "auto"}';
    expect((await send(twice)).status).toBe(200);
    expect(sims.a.stats().lastRequest?.text).toBe('{"model":"up-primary","messages":[{"role":"user","content":"hi"}]}');
  });
});

describe('malformed requests and limits', () => {
  it('refuses a body without messages, and one that is not json', async () => {
    const noMessages = await post(proxy.url, '/v1/chat/completions', { model: 'auto' });
    expect(noMessages.status).toBe(400);
    expect((noMessages.body as OpenAIError).error.message).toContain('`messages` must be a list');
    const res = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}` }, body: '{"model": ' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as OpenAIError).error.code).toBe('invalid_request');
  });

  // The body copied upstream (protocol.ts) relies on it: no `__proto__` key ever reaches the copy.
  it('refuses a body with a `__proto__` or `constructor.prototype` key, forwarding nothing', async () => {
    for (const body of [
      '{"model": "auto", "messages": [{"role": "user", "content": "hi"}], "__proto__": {"polluted": true}}',
      '{"model": "auto", "messages": [{"role": "user", "content": "hi"}], "constructor": {"prototype": {"polluted": true}}}',
    ]) {
      for (const stream of [false, true]) {
        const res = await fetch(`${proxy.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}` },
          body: stream ? body.replace('"model"', '"stream": true, "model"') : body,
        });
        expect(res.status).toBe(400);
        expect(((await res.json()) as OpenAIError).error.code).toBe('invalid_request');
      }
    }
    for (const sim of [sims.a, sims.b, sims.eu, sims.c, sims.d]) expect(sim.stats().requests).toBe(0);
    expect(Reflect.get({}, 'polluted')).toBeUndefined();
  });

  it('refuses a zero max_tokens before deciding', async () => {
    const res = await post(proxy.url, '/v1/chat/completions', chat('auto', { max_tokens: 0 }));
    expect(res.status).toBe(400);
    expect((res.body as OpenAIError).error.message).toBe('`max_tokens` must be a positive integer, got `0`');
  });

  // The Messages API requires max_tokens: the outcome must not depend on whether the candidate speaks Anthropic.
  it('refuses /v1/messages without max_tokens before deciding, whichever protocol the route\'s candidate speaks', async () => {
    for (const model of ['claude-fast', 'auto']) {
      for (const extra of [{}, { max_tokens: null }]) {
        const res = await post(proxy.url, '/v1/messages', chat(model, extra), { authorization: '', 'x-api-key': APP_KEY });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'invalid_request: `max_tokens` is required on /v1/messages' } });
        expect(res.headers.get('x-switchyard-route')).toBeNull();
      }
    }
    for (const sim of [sims.a, sims.b, sims.eu, sims.c, sims.d]) expect(sim.stats().requests).toBe(0);
  });

  it('answers 404 in the error shape for an unknown path', async () => {
    const res = await fetch(`${proxy.url}/v1/completions`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as OpenAIError).error.code).toBe('not_found');
  });

  it('refuses a body over the limit with 413 in each endpoint\'s shape', async () => {
    const small = await startProxy(sims, { limits: { bodyLimit: 2_048 } });
    try {
      const big = chat('auto', { messages: [{ role: 'user', content: 'x'.repeat(4_096) }] });
      const openai = await post(small.url, '/v1/chat/completions', big);
      expect(openai.status).toBe(413);
      expect((openai.body as OpenAIError).error.code).toBe('payload_too_large');
      const anthropic = await post(small.url, '/v1/messages', { ...big, max_tokens: 8 });
      expect(anthropic.status).toBe(413);
      expect((anthropic.body as AnthropicError).error.type).toBe('request_too_large');
      expect(sims.a.stats().requests).toBe(0);
      expect((await post(small.url, '/v1/chat/completions', chat('auto'))).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});
