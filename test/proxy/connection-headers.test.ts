// Headers the client's `Connection` header lists are hop-by-hop (RFC 9110 §7.6.1): an allowlisted one is not
// forwarded then. The upstream is a plain HTTP server that records what it received.
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionListed } from '../../src/proxy/upstream.js';
import { APP_KEY, chat, closeSims, startProxy, startSims, type Proxy, type Sims } from './fixture.js';

let sims: Sims;
let proxy: Proxy;
let upstream: Server;
let received: IncomingHttpHeaders = {};

const completion = JSON.stringify({
  id: 'c1', object: 'chat.completion', created: 1, model: 'up-primary',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
});

beforeAll(async () => {
  upstream = createServer((req, res) => {
    received = req.headers;
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(completion));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  sims = await startSims();
  proxy = await startProxy(sims, {}, { SIM_A: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
});
afterAll(async () => {
  await proxy.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  await closeSims(sims);
});

/** POSTs with node:http, which (unlike fetch) sends the `Connection` header it is given. */
function send(headers: Record<string, string>): Promise<number> {
  const body = JSON.stringify(chat('auto'));
  return new Promise((resolve, reject) => {
    const req = request(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}`, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const clientHeaders = { 'user-agent': 'client-agent/1.0', accept: 'application/x-client' };

describe('headers the Connection header lists', () => {
  it('are not forwarded', async () => {
    received = {};
    expect(await send({ connection: 'keep-alive, user-agent, Accept', ...clientHeaders })).toBe(200);
    expect(received['user-agent']).toBeUndefined();
    // The client's accept is dropped; the proxy's own default for a non-streaming request is sent instead.
    expect(received.accept).toBe('application/json');
    expect(received.connection).not.toContain('user-agent');
  });

  it('are forwarded when the Connection header names only keep-alive', async () => {
    received = {};
    expect(await send({ connection: 'keep-alive', ...clientHeaders })).toBe(200);
    expect(received['user-agent']).toBe('client-agent/1.0');
    expect(received.accept).toBe('application/x-client');
  });

  it('are read case-insensitively, ignoring keep-alive, close and empty entries', () => {
    expect(connectionListed(undefined)).toBeUndefined();
    expect(connectionListed('keep-alive')).toBeUndefined();
    expect(connectionListed('Keep-Alive, close,')).toBeUndefined();
    expect(connectionListed(' Keep-Alive , User-Agent,,anthropic-beta ')).toEqual(new Set(['user-agent', 'anthropic-beta']));
  });
});
