// A streaming client that stops reading (issue 9, abuse): the proxy holds at most 1 MiB for its response — the
// SSE relay stops reading the provider while the client's socket buffer is full — and once the client reads
// again the stream finishes whole. A provider that sends one endless event is cut instead of buffered.
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PENDING_EVENT_CHARS, SseScanner } from '../../src/proxy/sse.js';
import { APP_KEY, closeSims, resetSims, startProxy, startSims, type Proxy, type Sims } from '../proxy/fixture.js';
import { atScale, report } from './scale.js';
import { until } from './support.js';

const MiB = 1024 * 1024;

/** The body of a raw HTTP/1.1 response with chunked transfer encoding. */
function dechunk(raw: Buffer): string {
  let at = raw.indexOf('\r\n\r\n') + 4;
  const parts: Buffer[] = [];
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    const size = Number.parseInt(raw.subarray(at, eol).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts).toString('utf8');
}
let sims: Sims;

beforeAll(async () => {
  sims = await startSims();
});
afterAll(async () => {
  await closeSims(sims);
});

/** The proxy, with each API response object kept, to read how much it holds. */
async function instrumentedProxy(urls: Record<string, string> = {}): Promise<{ proxy: Proxy; responses: ServerResponse[] }> {
  const proxy = await startProxy(sims, { circuit: { failureThreshold: 1_000 } }, urls);
  const responses: ServerResponse[] = [];
  proxy.app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/v1/') === true) responses.push(res);
  });
  return { proxy, responses };
}

describe('a stalled streaming client', () => {
  // ~150 bytes per event: well beyond what the kernel's socket buffers on both hops can absorb.
  const TOKENS = atScale(60_000, 100_000);

  it('makes the proxy hold at most 1 MiB and stop reading the provider, then completes when the client reads again', { timeout: 60_000 }, async () => {
    resetSims(sims);
    sims.a.configure({ tokens: TOKENS, tokenIntervalMs: 0 });
    const { proxy, responses } = await instrumentedProxy();
    const port = Number(new URL(proxy.url).port);
    const socket = connect(port, '127.0.0.1');
    try {
      const body = JSON.stringify({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'Write at length.' }] });
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nauthorization: Bearer ${APP_KEY}\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      const received: Buffer[] = [];
      let receivedBytes = 0;
      let stalled = true;
      socket.on('data', (d: Buffer) => {
        received.push(d);
        receivedBytes += d.length;
        // The client reads the head and the first events, then stops reading altogether.
        if (stalled) socket.pause();
      });
      await until('the stream to start', () => responses.length === 1 && receivedBytes > 0, 5_000);
      const res = responses[0]!;

      // Stalled: the bytes the proxy hands to the kernel stop growing. Sample what the response holds meanwhile.
      let held = 0;
      let lastWritten = -1;
      let steady = 0;
      await until(
        'the proxy to stop sending',
        () => {
          held = Math.max(held, res.writableLength);
          const written = res.socket?.bytesWritten ?? 0;
          steady = written === lastWritten ? steady + 1 : 0;
          lastWritten = written;
          return steady >= 20;
        },
        20_000,
        25,
      );
      expect(held).toBeLessThanOrEqual(MiB);
      // The provider is held back, not drained into the proxy: its stream has not finished.
      expect(sims.a.stats().inFlight).toBe(1);
      const stalledAt = res.socket?.bytesWritten ?? 0;

      stalled = false;
      socket.resume();
      await until('the stream to finish', () => received.at(-1)?.toString('latin1').endsWith('0\r\n\r\n') === true, 30_000);
      const text = dechunk(Buffer.concat(received));
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
      const contentEvents = text.split('"delta":{"content":').length - 1;
      expect(contentEvents).toBe(TOKENS);
      expect(text).not.toContain('"error"');
      report('stalled client', { events: TOKENS, streamMiB: (receivedBytes / MiB).toFixed(1), sentBeforeStallMiB: (stalledAt / MiB).toFixed(1), maxHeldKiB: (held / 1024).toFixed(1) });
    } finally {
      socket.destroy();
      sims.a.configure({ tokens: 8 });
      await proxy.close();
    }
  });
});

describe('a provider sending an event without end', () => {
  let upstream: Server;
  let url = '';

  beforeAll(async () => {
    // An OpenAI-style stream: one proper event, then data without the blank line that would end an event.
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n');
        const piece = `data: ${'x'.repeat(64 * 1024)}\n`;
        let sent = 0;
        const pump = (): void => {
          while (sent < 64 && !res.destroyed) {
            sent += 1;
            if (!res.write(piece)) return void res.once('drain', pump);
          }
        };
        pump();
      });
    });
    await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
    const address = upstream.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    url = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    upstream.closeAllConnections();
    await new Promise((done) => upstream.close(done));
  });

  it('flags the scanner once the unfinished event passes the cap', () => {
    const scanner = new SseScanner('openai', false);
    expect(scanner.push(Buffer.from('data: {"a":1}\n\n'))).toBe('data: {"a":1}\n\n');
    scanner.push(Buffer.from(`data: ${'y'.repeat(MAX_PENDING_EVENT_CHARS)}`));
    expect(scanner.oversized).toBe(true);
    expect(scanner.push(Buffer.from('\n\n'))).toContain('yyy');
    expect(scanner.oversized).toBe(false);
  });

  it('cuts the stream with an error event instead of buffering the event', { timeout: 30_000 }, async () => {
    const { proxy } = await instrumentedProxy({ SIM_A: url });
    try {
      const res = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}` },
        body: JSON.stringify({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(text.startsWith('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n')).toBe(true);
      expect(text).toContain('"code":"upstream_error"');
      expect(text).toContain(`an event grew past ${MAX_PENDING_EVENT_CHARS} characters without its end`);
      expect(text.length).toBeLessThan(4096);
    } finally {
      await proxy.close();
    }
  });
});
