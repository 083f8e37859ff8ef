// The proxy loads only the parts of undici it uses (src/proxy/undici-parts.ts): they must be the very objects
// the package index exports, work against a real server, and the serve path must not load the index.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as undici from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pool, undiciErrors } from '../../src/proxy/undici-parts.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('undici parts', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => res.writeHead(201, { 'content-type': 'text/plain', 'x-seen': req.method ?? '' }).end(`echo:${body}`));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('are the objects the package index exports', () => {
    expect(Pool).toBe(undici.Pool);
    expect(undiciErrors).toBe(undici.errors);
    expect(new undiciErrors.HeadersTimeoutError()).toBeInstanceOf(undici.errors.UndiciError);
  });

  it('send a request through a Pool and read the answer', async () => {
    const pool = new Pool(origin, { connections: 1 });
    try {
      const answer = await new Promise<{ status: number; seen: unknown; body: string }>((resolve, reject) => {
        let status = 0;
        let seen: unknown;
        const chunks: Buffer[] = [];
        pool.dispatch(
          { method: 'POST', path: '/x', body: 'hello' },
          {
            // undici takes a handler with `onRequestStart` for one of its current API (the proxy's are).
            onRequestStart: () => undefined,
            onResponseStart: (_c, code, headers) => {
              status = code;
              seen = headers['x-seen'];
            },
            onResponseData: (_c, chunk) => {
              chunks.push(chunk);
            },
            onResponseEnd: () => resolve({ status, seen, body: Buffer.concat(chunks).toString() }),
            onResponseError: (_c, err) => reject(err),
          },
        );
      });
      expect(answer).toEqual({ status: 201, seen: 'POST', body: 'echo:hello' });
    } finally {
      await pool.close();
    }
  });

  it('leave the package index unloaded while `switchyard serve` runs (nor ajv’s compilers)', async () => {
    const cli = join(ROOT, 'bin', 'switchyard.js');
    if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    // Loaded first: at exit, reports which of the modules in question the process had loaded.
    const report = `import { createRequire } from 'node:module';
      const cache = createRequire(${JSON.stringify(cli)}).cache;
      const has = (end) => Object.keys(cache).some((k) => k.endsWith(end));
      process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify({ index: has('/undici/index.js'), pool: has('/undici/lib/dispatcher/pool.js'), requestApi: has('/undici/lib/api/api-request.js'), ajv2020: has('/ajv/dist/2020.js'), ajvCompiler: has('/@fastify/ajv-compiler/index.js') }) + '\\n'));`;
    const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(report)}`, cli, 'serve', 'policies', '--port', '0', '--host', '127.0.0.1', '--no-watch', '--ledger', 'sqlite::memory:'], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    let stopped = false;
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      // Once: a second SIGTERM while draining is node's default, an exit without the report.
      if (!stopped && err.includes('listening on http://')) stopped = child.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code, err).toBe(0);
    const loaded = /LOADED (\{.*\})/.exec(err)?.[1];
    // ajv's compiler for request contexts (src/engine/request-validate.ts) is loaded on first use, not with the
    // engine; fastify's schema compilers when a route first has a schema (src/proxy/schema-compilers.ts).
    expect(JSON.parse(loaded ?? '{}')).toEqual({ index: false, pool: true, requestApi: false, ajv2020: false, ajvCompiler: false });
  });
});
