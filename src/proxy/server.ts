// The proxy's HTTP server: fastify routes, limits and timeouts, the error shape for everything that goes
// wrong before a handler runs (body too large, bad JSON, unknown path), and the shared upstream state.
import type { BudgetRuntime } from '../budget/budget-runtime.js';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { NO_SPEND, type BudgetState } from '../engine/index.js';
import { authenticate, parseAdminHash } from './auth.js';
import { answerClientError } from './client-error.js';
import { registerAdmin } from './admin.js';
import { bodyErrorOf, refuseEarly } from './early-refusal.js';
import { CircuitBreakers, type CircuitOptions } from './circuit.js';
import type { ProxyCore } from './core.js';
import { errorBody, protocolOfUrl, proxyError, statusOf, type ProxyError } from './errors.js';
import { handleApi } from './handler.js';
import { DEFAULT_MAX_IN_FLIGHT, RequestGate } from './overload.js';
import { createProxyLogger, requestLogOf } from './logger.js';
import { anthropicModelList, openaiModelList, reachableModels } from './models.js';
import type { PolicyStore } from './policy-snapshot.js';
import type { Protocol } from './protocol.js';
import { UpstreamPools, type PoolOptions } from './pools.js';
import { newRequestId } from './request-id.js';
import { lazyChildLogger } from './request-logger.js';
import { lazySchemaCompilers } from './schema-compilers.js';
import { DEFAULT_UPSTREAM_TIMEOUTS, RuntimeCache, type UpstreamTimeouts } from './runtime.js';
import type { SettleHook } from './settle.js';
import { ProxyTelemetry, type AuditLog } from '../telemetry/index.js';
import { registerMetricsEndpoint, type MetricsAccess } from '../telemetry/endpoint.js';
import { ProxyMetrics } from '../telemetry/metrics.js';

export interface ServerLimits {
  /** Largest request body in bytes (default 4 MiB); larger ones get 413 `payload_too_large`. */
  readonly bodyLimit?: number;
  /** Time to receive request headers (default 10 s): slow-header clients are cut off. */
  readonly headersTimeoutMs?: number;
  /** Time to receive the whole request (default 30 s): slow-body clients are cut off. */
  readonly requestTimeoutMs?: number;
  /** Idle keep-alive socket lifetime (default 72 s, above common load balancers' 60 s). */
  readonly keepAliveTimeoutMs?: number;
  /** Socket inactivity limit in either direction (default 10 min, above any failover chain of first-byte waits). */
  readonly connectionTimeoutMs?: number;
  /**
   * API requests in flight at once, from arrival to the end of the answer (default 1024; `Infinity` for no
   * bound). Over it, requests get 503 `overloaded` with `retry-after` before their body is read.
   */
  readonly maxInFlight?: number;
}

export interface ServerOptions {
  /** Default: pino JSON lines on stdout at LOG_LEVEL (info). */
  readonly logger?: FastifyBaseLogger;
  /** Where provider credentials (and the admin key hash) are read; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Hex SHA-256 of the admin key; default `env.SWITCHYARD_ADMIN_KEY_SHA256`; none disables /admin/*. */
  readonly adminKeySha256?: string;
  readonly limits?: ServerLimits;
  /** Timeouts of providers that set none. */
  readonly upstreamTimeouts?: Partial<UpstreamTimeouts>;
  readonly circuit?: CircuitOptions;
  /** Longest `retry-after` honoured before retrying the same provider (default 2000 ms). */
  readonly retryAfterCapMs?: number;
  readonly pools?: PoolOptions;
  /** Spend state for budget decisions when there is no `budgetRuntime`; default: nothing spent. */
  readonly budgets?: BudgetState;
  /**
   * Budgets against a ledger: spend read before deciding, reservations before forwarding, settlement after,
   * rate limits, `/admin/spend`. The caller owns it (closes it after the server); closing the server waits for
   * its settlements in flight.
   */
  readonly budgetRuntime?: BudgetRuntime;
  /** Called exactly once per API request with what happened (usage, attempts, outcome). */
  readonly onSettle?: SettleHook;
  /**
   * Metrics served at `GET /metrics` (Prometheus text) and mirrored over OTLP when configured; `false` for none.
   * Default: a new `ProxyMetrics`. Pass one to count policy reloads too (the store's `onReload`).
   */
  readonly metrics?: ProxyMetrics | false;
  /** `GET /metrics` access: `open` (default) or `admin` (the admin key). */
  readonly metricsAccess?: MetricsAccess;
  /** One audit record per API request. The caller owns it (closes it after the server). */
  readonly audit?: AuditLog;
}

export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    /** The JSON text the body was parsed from ('' when there was none): forwarded upstream as text. */
    jsonText: string;
  }
}

/** fastify's own failures outside the API endpoints (admin, metrics), in our error shape. */
function errorOf(err: FastifyError, bodyLimit: number): ProxyError {
  const body = bodyErrorOf(err, bodyLimit);
  if (body !== undefined) return body;
  if (err.statusCode === 408) return proxyError('request_timeout', 'the request was not received in time');
  if (err.statusCode === 400) return proxyError('invalid_request', 'the request is malformed');
  return proxyError('internal_error', 'the proxy failed to handle the request');
}

// fastify closes the connection after refusing a body it has not read; closing while the client still sends
// resets the connection, and the client often never reads the 413. Kept open, the rest of the body is read
// and discarded (never buffered; the request timeout bounds it) and the client gets its answer.
const keepOpenAfter = (e: ProxyError, reply: FastifyReply): void => {
  if (e.code === 'payload_too_large') reply.removeHeader('connection');
};

/** Builds the proxy (not listening: call `listen`). Closing it drains in-flight requests, then closes the upstream pools. */
export function buildServer(store: PolicyStore, options: ServerOptions = {}): FastifyInstance {
  const env = options.env ?? process.env;
  const admin = parseAdminHash(options.adminKeySha256 ?? env.SWITCHYARD_ADMIN_KEY_SHA256);
  if (!admin.ok) throw new RangeError(admin.message);
  const limits = options.limits ?? {};
  const headersTimeoutMs = limits.headersTimeoutMs ?? 10_000;
  const bodyLimit = limits.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const gate = new RequestGate(limits.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
  const breakers = new CircuitBreakers(options.circuit);
  const pools = new UpstreamPools(options.pools);
  const logger = options.logger ?? createProxyLogger(env.LOG_LEVEL);
  const metrics = options.metrics === false ? undefined : (options.metrics ?? new ProxyMetrics());
  const core: ProxyCore = {
    store,
    runtimes: new RuntimeCache({ ...DEFAULT_UPSTREAM_TIMEOUTS, ...options.upstreamTimeouts }, env),
    forward: { pools, breakers, retryAfterCapMs: options.retryAfterCapMs ?? 2_000 },
    breakers,
    budgets: options.budgets ?? NO_SPEND,
    budgetRuntime: options.budgetRuntime,
    onSettle: options.onSettle,
    telemetry: new ProxyTelemetry({ metrics, audit: options.audit, env, log: logger }),
    adminHash: admin.hash,
    requestLog: requestLogOf(logger),
    lifecycle: { draining: false },
  };

  const app = Fastify({
    loggerInstance: logger,
    // One line per API request comes from the settle step instead.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => newRequestId(),
    childLoggerFactory: lazyChildLogger,
    bodyLimit,
    requestTimeout: limits.requestTimeoutMs ?? 30_000,
    keepAliveTimeout: limits.keepAliveTimeoutMs ?? 72_000,
    connectionTimeout: limits.connectionTimeoutMs ?? 600_000,
    return503OnClosing: true,
    schemaController: { compilersFactory: lazySchemaCompilers() },
    clientErrorHandler: answerClientError,
    // Node enforces the header and request timeouts from a periodic sweep (30 s by default): a slow-header
    // client would hold its socket up to that much longer than `headersTimeoutMs`. A quarter of it, at most 1 s.
    http: { connectionsCheckingInterval: Math.min(1_000, Math.max(50, Math.floor(headersTimeoutMs / 4))) },
  });
  app.server.headersTimeout = headersTimeoutMs;

  const onError = (err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const e = errorOf(err, bodyLimit);
    keepOpenAfter(e, reply);
    if (e.code === 'internal_error') req.log.error({ err }, 'request failed');
    return reply.code(statusOf(e.code)).send(errorBody(protocolOfUrl(req.url), e));
  };
  app.setErrorHandler(onError);
  // A body refused before the handler is a refused request like any other: recorded the same way.
  const apiErrors = (protocol: Protocol) => (err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    const e = bodyErrorOf(err, bodyLimit);
    if (e === undefined) return onError(err, req, reply);
    keepOpenAfter(e, reply);
    refuseEarly(core, protocol, req, reply, e, true);
    return reply;
  };
  app.setNotFoundHandler((req, reply) => {
    const e = proxyError('not_found', `no endpoint \`${req.method} ${req.url.split('?')[0] ?? ''}\``);
    return reply.code(404).send(errorBody(protocolOfUrl(req.url), e));
  });

  // No `text/plain` parser: a JSON body sent as text is refused for its content type, as one without any is.
  app.removeContentTypeParser('text/plain');
  // fastify's own JSON parser (prototype-poisoning keys refused), keeping the text it parsed.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.decorateRequest('jsonText', '');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser<string>('application/json', { parseAs: 'string' }, (req, text, done) => {
    req.jsonText = text;
    parseJson(req, text, done);
  });
  app.post('/v1/chat/completions', { onRequest: gate.hook(core, 'openai'), errorHandler: apiErrors('openai') }, (req, reply) => handleApi(core, 'openai', req, reply));
  app.post('/v1/messages', { onRequest: gate.hook(core, 'anthropic'), errorHandler: apiErrors('anthropic') }, (req, reply) => handleApi(core, 'anthropic', req, reply));

  app.get('/v1/models', async (req, reply) => {
    const snapshot = store.current();
    const rt = core.runtimes.of(snapshot);
    const anthropic = req.headers['anthropic-version'] !== undefined;
    const auth = authenticate(rt.keys, req.headers, anthropic, Date.now());
    if (!auth.ok) return reply.code(statusOf(auth.error.code)).send(errorBody(anthropic ? 'anthropic' : 'openai', auth.error));
    const models = await reachableModels(snapshot, rt, auth.key.team);
    void reply.header('x-switchyard-policy-version', snapshot.version);
    return anthropic ? anthropicModelList(models, snapshot.loadedAt.toISOString()) : openaiModelList(models, Math.floor(snapshot.loadedAt.getTime() / 1000));
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  // The store only ever holds a valid, compiled policy; while closing, fastify answers 503 before this runs.
  app.get('/readyz', async () => ({ status: 'ready', policyVersion: store.current().version }));

  registerAdmin(app, core, env);
  if (metrics !== undefined) {
    metrics.observe({ store, breakers, budgetRuntime: options.budgetRuntime });
    registerMetricsEndpoint(app, metrics, options.metricsAccess ?? 'open', admin.hash);
  }
  // Closing waits for every connection to end; keep-alive connections of requests in flight at that moment
  // would otherwise idle on until keepAliveTimeout. Answers the handler writes itself do the same there.
  app.addHook('preClose', async () => {
    core.lifecycle.draining = true;
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (core.lifecycle.draining) void reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onClose', async () => {
    await pools.close();
    await options.budgetRuntime?.drain();
  });
  return app;
}
