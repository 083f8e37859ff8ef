// Abuse (issue 9): clients that trickle their headers are cut off within the header timeout while others are
// served; 10 MiB bodies are refused with 413 without the process growing; a burst beyond the in-flight limit is
// shed with 503 `overloaded` + `retry-after` instead of queueing without bound. The stalled streaming client is
// in stalled-stream.test.ts.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettleRecord } from '../../src/proxy/index.js';
import { APP_KEY, chat, closeSims, CREDENTIALS, fixtureSources, post, resetSims, startProxy, startSims, type Proxy, type Sims } from '../proxy/fixture.js';
import { atScale, ms, report, SCALE } from './scale.js';
import { killHard, maxOf, rssKiB, startServe, until, writeFiles, type ServeProcess } from './support.js';

let sims: Sims;

beforeAll(async () => {
  sims = await startSims();
});
afterAll(async () => {
  await closeSims(sims);
});

const simEnv = (): Record<string, string> => ({ SIM_A: sims.a.url, SIM_B: sims.b.url, SIM_EU: sims.eu.url, SIM_C: sims.c.url, SIM_D: sims.d.url });

describe('slowloris', () => {
  const HEADERS_TIMEOUT_MS = 1_000;
  const CONNECTIONS = atScale(20, 200);
  const TRICKLE_MS = 150;

  it(`closes ${CONNECTIONS} connections that trickle their headers within the header timeout, and serves others meanwhile`, { timeout: 60_000 }, async () => {
    const proxy = await startProxy(sims, { limits: { headersTimeoutMs: HEADERS_TIMEOUT_MS } });
    const port = Number(new URL(proxy.url).port);
    interface Loris {
      socket: Socket;
      opened: number;
      closedAfterMs: number | undefined;
      trickled: number;
      received: string;
    }
    const lorises: Loris[] = [];
    const timers: NodeJS.Timeout[] = [];
    try {
      for (let i = 0; i < CONNECTIONS; i++) {
        const socket = connect(port, '127.0.0.1');
        const loris: Loris = { socket, opened: Date.now(), closedAfterMs: undefined, trickled: 0, received: '' };
        socket.on('data', (d: Buffer) => void (loris.received += String(d)));
        socket.on('error', () => undefined);
        socket.on('close', () => void (loris.closedAfterMs = Date.now() - loris.opened));
        socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${APP_KEY}\r\n`);
        // One more header line every TRICKLE_MS, never the blank line that ends them: never idle, never done.
        timers.push(
          setInterval(() => {
            if (loris.closedAfterMs !== undefined || socket.destroyed) return;
            loris.trickled += 1;
            socket.write(`x-trickle-${loris.trickled}: ${'a'.repeat(8)}\r\n`);
          }, TRICKLE_MS),
        );
        lorises.push(loris);
      }
      // While they trickle, a well-behaved client is served.
      const served = await post(proxy.url, '/v1/chat/completions', chat('auto'));
      expect(served.status).toBe(200);

      await until('every trickling connection to be closed by the proxy', () => lorises.every((l) => l.closedAfterMs !== undefined), 10 * HEADERS_TIMEOUT_MS + 5_000);
      const closedAfter = lorises.map((l) => l.closedAfterMs ?? Infinity);
      // Each was still sending when it was cut: the header timeout did it, not an idle timeout.
      expect(lorises.filter((l) => l.trickled < Math.floor(HEADERS_TIMEOUT_MS / TRICKLE_MS) - 1)).toEqual([]);
      // Told why, in the API's error shape.
      expect(lorises.filter((l) => !(l.received.startsWith('HTTP/1.1 408') && l.received.includes('"code":"request_timeout"')))).toEqual([]);
      expect(Math.min(...closedAfter)).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
      // Timed-out connections are swept every quarter of the header timeout (at most every second); a second of
      // slack for a busy machine.
      if (SCALE === 'full') expect(maxOf(closedAfter)).toBeLessThan(HEADERS_TIMEOUT_MS * 1.25 + 1_000);
      report('slowloris', { connections: CONNECTIONS, headersTimeout: ms(HEADERS_TIMEOUT_MS), closedAfterMin: ms(Math.min(...closedAfter)), closedAfterMax: ms(maxOf(closedAfter)) });
    } finally {
      for (const t of timers) clearInterval(t);
      for (const l of lorises) l.socket.destroy();
      await proxy.close();
    }
  });
});

/** Writes raw bytes to the server and resolves with everything it answered before closing. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => void (received += String(d)));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(received));
    socket.write(bytes);
  });
}

describe('malformed requests', () => {
  it('answers headers that are too large or not HTTP in the API error shape and closes', { timeout: 30_000 }, async () => {
    const proxy = await startProxy(sims);
    try {
      const port = Number(new URL(proxy.url).port);
      const huge = await rawExchange(port, `GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
      expect(huge.startsWith('HTTP/1.1 431')).toBe(true);
      expect(huge).toContain('"code":"invalid_request"');
      const garbage = await rawExchange(port, 'NOT-HTTP \u0001\u0002\r\n\r\n');
      expect(garbage.startsWith('HTTP/1.1 400')).toBe(true);
      expect(garbage).toContain('"code":"invalid_request"');
      expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
    } finally {
      await proxy.close();
    }
  });
});

/**
 * Sends a body of `bytes`, declared (`content-length`) or chunked, and resolves with the answer. The proxy
 * answers before the body is through; the client keeps sending, as HTTP clients do, and reads the answer.
 */
function sendHuge(url: string, bytes: number, declared: boolean): Promise<{ status: number; body: string }> {
  const u = new URL('/v1/chat/completions', url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}` };
    if (declared) headers['content-length'] = String(bytes);
    let failure: Error | undefined;
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => void (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (err) => void (failure = err));
    // Without an answer by the time the connection is gone, the client saw only an error (e.g. a reset).
    req.on('close', () => setImmediate(() => reject(failure ?? new Error('the connection closed without an answer'))));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const source = new Readable({
      read() {
        if (sent >= bytes) return void this.push(null);
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      },
    });
    source.pipe(req);
  });
}

describe('oversized bodies', () => {
  const BODIES = atScale(6, 40);
  const TEN_MIB = 10 * 1024 * 1024;
  let dir: string;
  let proc: ServeProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-abuse-'));
    writeFiles(dir, fixtureSources());
  });
  afterAll(async () => {
    if (proc !== undefined) await killHard(proc);
    rmSync(dir, { recursive: true, force: true });
  });

  it(`answers ${BODIES} bodies of 10 MiB with 413 and the process does not grow by 50 MB`, { timeout: 60_000 }, async () => {
    proc = await startServe(['policies', '--port', '0', '--no-watch', '--ledger', 'sqlite::memory:'], { cwd: dir, env: { ...CREDENTIALS, ...simEnv() } });
    const url = proc.url;
    // Warm up both paths first (the heap grows to its working size on first use): what is measured is what the
    // bodies add, not the first use of the code.
    expect((await post(url, '/v1/chat/completions', chat('auto'))).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await sendHuge(url, TEN_MIB, i % 2 === 0)).status).toBe(413);
    const before = rssKiB(proc.pid);
    let peak = before;
    for (let i = 0; i < BODIES; i++) {
      const answer = await sendHuge(url, TEN_MIB, i % 2 === 0);
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'payload_too_large' } });
      peak = Math.max(peak, rssKiB(proc.pid));
    }
    // Still serving after the abuse.
    expect((await post(url, '/v1/chat/completions', chat('auto'))).status).toBe(200);
    const growthMiB = (peak - before) / 1024;
    const afterMiB = (rssKiB(proc.pid) - before) / 1024;
    report('10 MiB bodies', { bodies: BODIES, rssBeforeMiB: (before / 1024).toFixed(1), rssPeakGrowthMiB: growthMiB.toFixed(1), rssGrowthAfterMiB: afterMiB.toFixed(1) });
    expect(growthMiB).toBeLessThan(50);
  });
});

/** One chat completion through `agent`, so the test can close every connection it opened. */
async function chatVia(agent: Agent, url: string, signal?: AbortSignal): Promise<{ status: number; retryAfter: string | undefined; body: unknown }> {
  const res = await undiciRequest(`${url}/v1/chat/completions`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}` },
    body: JSON.stringify(chat('auto')),
    ...(signal === undefined ? {} : { signal }),
  });
  const retryAfter = res.headers['retry-after'];
  return { status: res.statusCode, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined, body: await res.body.json() };
}

describe('overload', () => {
  const LIMIT = 8;
  const BURST = atScale(120, 1_000);

  it(`sheds a burst of ${BURST} beyond ${LIMIT} in flight with 503 overloaded and retry-after, and frees every slot`, { timeout: 60_000 }, async () => {
    resetSims(sims);
    const settled: SettleRecord[] = [];
    const proxy = await startProxy(sims, { limits: { maxInFlight: LIMIT }, onSettle: (r) => settled.push(r) });
    const agent = new Agent({ connections: BURST });
    let upstreamPeak = 0;
    const sampler = setInterval(() => {
      upstreamPeak = Math.max(upstreamPeak, sims.a.stats().inFlight + sims.b.stats().inFlight);
    }, 1);
    try {
      sims.a.configure({ latencyMs: 300 });
      const burst = Array.from({ length: BURST }, () => chatVia(agent, proxy.url));
      // Probes are never shed, even at the limit.
      await sleep(50);
      const [health, ready] = await Promise.all([fetch(`${proxy.url}/healthz`), fetch(`${proxy.url}/readyz`)]);
      expect([health.status, ready.status]).toEqual([200, 200]);
      const results = await Promise.all(burst);
      clearInterval(sampler);

      const ok = results.filter((r) => r.status === 200);
      const shed = results.filter((r) => r.status === 503);
      expect(ok.length + shed.length).toBe(BURST);
      expect(ok.length).toBeGreaterThanOrEqual(LIMIT);
      expect(shed.length).toBeGreaterThan(0);
      for (const r of shed) {
        expect(r.retryAfter).toBe('1');
        expect(r.body).toMatchObject({ error: { code: 'overloaded', type: 'server_error' } });
      }
      expect(upstreamPeak).toBeLessThanOrEqual(LIMIT);
      expect(sims.a.stats().requests + sims.b.stats().requests).toBe(ok.length);
      // Shed requests are settled like any other refusal: once each.
      expect(settled).toHaveLength(BURST);
      expect(settled.filter((r) => r.errorCode === 'overloaded' && r.outcome === 'rejected' && r.status === 503)).toHaveLength(shed.length);

      // Clients that leave mid-request free their slots too: afterwards a full set of requests is admitted.
      sims.a.configure({ latencyMs: 2_000 });
      const leaving = Array.from({ length: LIMIT }, () => new AbortController());
      const abandoned = leaving.map((c) => chatVia(agent, proxy.url, c.signal).catch(() => undefined));
      await until('the abandoned requests to reach the provider', () => sims.a.stats().inFlight === LIMIT, 5_000);
      for (const c of leaving) c.abort();
      await Promise.all(abandoned);
      sims.a.configure({ latencyMs: 0 });
      await until('the abandoned slots to be freed', () => settled.length === BURST + LIMIT, 5_000);
      const after = await Promise.all(Array.from({ length: LIMIT }, () => chatVia(agent, proxy.url)));
      expect(after.map((r) => r.status)).toEqual(Array.from({ length: LIMIT }, () => 200));
      report('overload', { burst: BURST, limit: LIMIT, served: ok.length, shed: shed.length, upstreamPeak });
    } finally {
      clearInterval(sampler);
      sims.a.configure({ latencyMs: 0 });
      // Connections the client opened and never used would hold the close until the header timeout.
      await agent.destroy();
      await proxy.close();
    }
  });
});
