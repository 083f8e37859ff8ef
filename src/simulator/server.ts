// The simulator's HTTP server. Plain node:http rather than fastify: faults need the raw socket (resets, cuts)
// and, as the benchmarks' upstream, it should cost as little per request as a server can.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicWire } from './anthropic-wire.js';
import { apiKeyOf, handleApi } from './api.js';
import { validateConfigPatch, type SimulatorConfig } from './config.js';
import { handleControl } from './control.js';
import type { FaultInput, FaultMatch } from './faults.js';
import { sendJson } from './respond.js';
import { SimulatorState } from './state.js';
import type { SimulatorStats } from './stats.js';
import { openaiWire } from './openai-wire.js';

export interface SimulatorOptions extends Partial<SimulatorConfig> {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** Largest accepted request body in bytes (default 16 MiB); larger ones get 413. */
  readonly bodyLimit?: number;
}

export interface Simulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly config: SimulatorConfig;
  stats(): SimulatorStats;
  /** Queues faults as `POST /_sim/faults` does; all or none are queued. Returns how many are pending. */
  queueFaults(faults: readonly FaultInput[], match?: FaultMatch): { ok: true; value: number } | { ok: false; error: string };
  clearFaults(): number;
  /** Changes the config as `PUT /_sim/config` does; throws RangeError on an invalid patch. */
  configure(patch: Partial<SimulatorConfig>): SimulatorConfig;
  /** Clears stats and faults, restarting random faults from the seed. */
  reset(): void;
  /** Stops listening and destroys open connections, including requests held by delays. */
  close(): Promise<void>;
}

const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;

function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] ?? Buffer.alloc(0)).toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

async function route(state: SimulatorState, bodyLimit: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const method = req.method ?? 'GET';
  // The endpoint decides the protocol; elsewhere (models, unknown paths) the anthropic-version header does.
  const wire = path === '/v1/messages' || (path !== '/v1/chat/completions' && req.headers['anthropic-version'] !== undefined) ? anthropicWire : openaiWire;
  const raw = await readBody(req, bodyLimit);
  if (raw === null) {
    sendJson(res, 413, wire.errorBody(413, `the request body exceeds ${bodyLimit} bytes`), { connection: 'close' });
    return;
  }
  if (path.startsWith('/_sim/')) return handleControl(state, method, path, raw, res);
  if (method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/messages')) {
    return handleApi(state, wire, req, res, path, raw);
  }
  const apiKey = apiKeyOf(req, wire);
  state.stats.seen({ method, path, headers: req.headers, body: raw, text: raw, apiKey });
  const { requireKey, models } = state.config;
  if (requireKey !== null && apiKey !== requireKey) {
    sendJson(res, 401, wire.errorBody(401, apiKey === '' ? 'missing api key' : 'invalid api key'), {});
  } else if (method === 'GET' && path === '/v1/models') {
    sendJson(res, 200, wire.models(models), {});
  } else {
    sendJson(res, 404, wire.errorBody(404, `unknown endpoint \`${method} ${path}\``, null), {});
  }
}

function checked(patch: Partial<SimulatorConfig>): Partial<SimulatorConfig> {
  const result = validateConfigPatch(patch);
  if (!result.ok) throw new RangeError(`invalid simulator config: ${result.error}`);
  return result.value;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const { host = '127.0.0.1', port = 0, bodyLimit = DEFAULT_BODY_LIMIT, ...config } = options;
  const state = new SimulatorState(checked(config));
  // Longer than any client's idle timeout, so a pooled connection is never closed under a request in flight.
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    route(state, bodyLimit, req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      sendJson(res, 500, openaiWire.errorBody(500, `simulator internal error: ${message}`), {});
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    get config() {
      return state.config;
    },
    stats: () => state.stats.snapshot(),
    queueFaults: (faults, match) => state.queue.push(faults, match),
    clearFaults: () => state.queue.clear(),
    configure: (patch) => state.configure(checked(patch)),
    reset: () => state.reset(),
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
