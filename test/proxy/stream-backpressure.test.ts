// A stream relayed to a client that stops reading: the proxy stops reading from the provider too (the provider's
// writes back up), and once the client reads again the whole stream arrives, in order.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, chat, closeSims, startProxy, startSims, type Proxy, type Sims } from './fixture.js';

const EVENTS = 2_000;
const PAD = 'x'.repeat(16 * 1024);
const event = (i: number): string => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: `${i}:${PAD}` } }] })}\n\n`;
const TOTAL = Array.from({ length: EVENTS }, (_, i) => Buffer.byteLength(event(i))).reduce((a, b) => a + b, 0);

let sims: Sims;
let proxy: Proxy;
let upstream: Server;
/** Bytes the provider has handed to its socket so far. */
let written = 0;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      const more = (): void => {
        while (i < EVENTS) {
          const chunk = event(i++);
          written += Buffer.byteLength(chunk);
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end('data: [DONE]\n\n');
      };
      more();
    });
  });
  await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
  sims = await startSims();
  proxy = await startProxy(sims, {}, { SIM_A: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
});
afterAll(async () => {
  await proxy.close();
  await closeSims(sims);
  await new Promise<void>((done) => upstream.close(() => done()));
});

describe('stream backpressure', () => {
  it('pauses the provider while the client does not read, and relays everything once it does', async () => {
    const res = await request(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}` },
      body: JSON.stringify(chat('auto', { stream: true })),
      highWaterMark: 16 * 1024,
    });
    expect(res.statusCode).toBe(200);
    // The client reads nothing for a while: the provider can fill the sockets' buffers and the proxy's queue,
    // not write the whole stream (~33 MB).
    await sleep(800);
    const stalled = written;
    expect(stalled).toBeLessThan(TOTAL / 2);
    let text = '';
    for await (const part of res.body) text += part.toString();
    expect(written).toBe(TOTAL);
    const seen = [...text.matchAll(/"content":"(\d+):/g)].map((m) => Number(m[1]));
    expect(seen).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });
});
