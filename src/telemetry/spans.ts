// Tracing through `@opentelemetry/api` only: a SERVER span per API request and a CLIENT span per upstream
// attempt, named and attributed per the OpenTelemetry GenAI and HTTP semantic conventions, plus `switchyard.*`
// attributes. Without an SDK (the default) the API hands out non-recording spans with an invalid context:
// `startRequestSpan` then answers undefined and the request does no further tracing work at all. With an SDK
// whose sampler drops the request, spans still carry a valid context (so the provider gets a `traceparent`)
// but no attribute is built (`isRecording()` guards every one).
import type { IncomingHttpHeaders } from 'node:http';
import {
  isSpanContextValid,
  propagation,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { Candidate, Decision } from '../engine/index.js';
import { sentCount } from '../proxy/failover.js';
import type { SettleRecord } from '../proxy/settle.js';
import type { AttemptResult } from '../proxy/upstream.js';
import type { Upstream } from '../proxy/runtime.js';
import type { RequestCost } from './cost.js';
import { safeUrl, type SecretScrubber } from './redact.js';

export const TRACER_NAME = 'switchyard';

let provider: TracerProvider | undefined;
let cached: Tracer | undefined;

/**
 * The tracer of the global provider. The API's proxy tracer finds a provider registered later by itself, but
 * keeps the first one it found; `trace.disable()` (an SDK shut down and replaced) installs a new global proxy,
 * which this notices by identity.
 */
function tracer(): Tracer {
  const current = trace.getTracerProvider();
  if (current !== provider || cached === undefined) {
    provider = current;
    cached = current.getTracer(TRACER_NAME);
  }
  return cached;
}

/** The W3C `traceparent` of a span context (version 00). */
export function traceparentOf(sc: SpanContext): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** GenAI attribute keys (semantic conventions, gen_ai.* as of 1.37). */
export const ATTR = {
  operation: 'gen_ai.operation.name',
  provider: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  route: 'switchyard.route',
  policyVersion: 'switchyard.policy.version',
  decisionOutcome: 'switchyard.decision.outcome',
  team: 'switchyard.team',
  costUsd: 'switchyard.cost_usd',
} as const;

/** `"model": "…"` near the start of an answer or of a stream's first event: the model that answered. */
const MODEL_FIELD = /^"model"\s*:\s*"((?:[^"\\]|\\.){1,200})"/;
const MODEL_KEY = Buffer.from('"model"');

function responseModelOf(result: AttemptResult): string | undefined {
  const head = result.kind === 'answer' ? result.body : result.kind === 'stream' ? result.first : undefined;
  if (head === undefined) return undefined;
  // Only the few bytes after the key are decoded, not the answer.
  const at = head.indexOf(MODEL_KEY);
  if (at < 0 || at > 4096) return undefined;
  return MODEL_FIELD.exec(head.toString('utf8', at, at + 256))?.[1];
}

/** The attributes of an attempt that depend only on where it goes: built once per provider address. */
const upstreamAttributes = new WeakMap<Upstream, Attributes>();

function attributesOf(upstream: Upstream, path: string): Attributes {
  let a = upstreamAttributes.get(upstream);
  if (a === undefined) {
    const url = new URL(upstream.origin);
    a = {
      'http.request.method': 'POST',
      'server.address': url.hostname,
      'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      'url.full': safeUrl(`${upstream.origin}${upstream.basePath}${path}`),
    };
    upstreamAttributes.set(upstream, a);
  }
  return a;
}

/** One upstream attempt's CLIENT span. */
export class AttemptSpan {
  /** The W3C trace context the provider receives; undefined when the span has no valid context. */
  readonly traceparent: string | undefined;
  /** The model the provider says answered (`model` of the answer or of the stream's first event). */
  responseModel: string | undefined;

  constructor(private readonly span: Span) {
    const sc = span.spanContext();
    // A recording span has a valid context; only a non-recording one needs checking.
    this.traceparent = span.isRecording() || isSpanContextValid(sc) ? traceparentOf(sc) : undefined;
  }

  /**
   * The attempt's verdict. A failure ends the span; an answer leaves it open until the request settles (a stream
   * is part of the operation), with the model the provider says answered.
   */
  result(r: AttemptResult, scrubber: SecretScrubber): boolean {
    const span = this.span;
    const recording = span.isRecording();
    switch (r.kind) {
      case 'answer':
      case 'stream': {
        if (recording) {
          span.setAttribute('http.response.status_code', r.status);
          this.responseModel = responseModelOf(r);
          if (this.responseModel !== undefined) span.setAttribute(ATTR.responseModel, this.responseModel);
          if (r.status >= 400) span.setAttribute('error.type', String(r.status));
        }
        return true;
      }
      case 'failed':
        if (recording) {
          if (r.status !== undefined) span.setAttribute('http.response.status_code', r.status);
          span.setAttribute('error.type', r.failure === 'status' && r.status !== undefined ? String(r.status) : r.failure);
          span.setStatus({ code: SpanStatusCode.ERROR, message: scrubber.scrub(r.note) });
        }
        span.end();
        return false;
      case 'aborted':
        if (recording) span.setAttribute('error.type', 'aborted');
        span.end();
        return false;
      default: {
        const unknown: never = r;
        throw new Error(`unknown attempt result ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Ends the answering attempt's span when the request has settled: its usage, and whether its stream broke. */
  finish(record: SettleRecord): void {
    const span = this.span;
    if (span.isRecording()) {
      if (record.usage !== undefined) {
        span.setAttribute(ATTR.inputTokens, record.usage.inputTokens);
        span.setAttribute(ATTR.outputTokens, record.usage.outputTokens);
      }
      if (record.outcome === 'cut') {
        span.setAttribute('error.type', 'stream_broken');
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'the stream broke after it started' });
      } else if (record.outcome === 'aborted') {
        span.setAttribute('error.type', 'aborted');
      }
    }
    span.end();
  }
}

/** The request's SERVER span and the context its attempts are children of. */
export class RequestSpan {
  private readonly ctx: Context;
  private attempts = 0;

  constructor(
    private readonly span: Span,
    parent: Context,
  ) {
    this.ctx = trace.setSpan(parent, span);
  }

  /** A CLIENT span for an attempt about to be sent to `c` at `upstream`. */
  attempt(c: Candidate, upstream: Upstream, path: string): AttemptSpan {
    this.attempts += 1;
    const span = tracer().startSpan(`chat ${c.upstreamModel}`, { kind: SpanKind.CLIENT }, this.ctx);
    if (span.isRecording()) {
      span.setAttributes(attributesOf(upstream, path));
      span.setAttribute(ATTR.operation, 'chat');
      span.setAttribute(ATTR.provider, c.provider);
      span.setAttribute(ATTR.requestModel, c.upstreamModel);
      span.setAttribute('switchyard.model', c.model);
      span.setAttribute('switchyard.attempt', this.attempts);
    }
    return new AttemptSpan(span);
  }

  finish(record: SettleRecord, decision: Decision | undefined, cost: RequestCost | undefined, scrubber: SecretScrubber, responseModel: string | undefined): void {
    const span = this.span;
    if (span.isRecording()) {
      span.setAttributes(serverAttributes(record, decision, cost, responseModel));
      for (const a of record.attempts) {
        if (a.result === 'skipped') span.addEvent('switchyard.candidate.skipped', { 'switchyard.model': a.model, [ATTR.provider]: a.provider, 'switchyard.reason': scrubber.scrub(a.note) });
      }
    }
    if (record.status >= 500 || record.outcome === 'cut') span.setStatus({ code: SpanStatusCode.ERROR, ...(record.errorCode === undefined ? {} : { message: record.errorCode }) });
    span.end();
  }
}

function serverAttributes(record: SettleRecord, decision: Decision | undefined, cost: RequestCost | undefined, responseModel: string | undefined): Attributes {
  // gen_ai.operation.name, the policy version and the route template were set when the span started.
  const a: Attributes = {
    'switchyard.request_id': record.requestId,
    'switchyard.protocol': record.protocol,
    'switchyard.outcome': record.outcome,
    'switchyard.attempts': sentCount(record.attempts),
    'http.response.status_code': record.status,
  };
  if (record.team !== undefined) a[ATTR.team] = record.team;
  if (record.keyId !== undefined) a['switchyard.key_id'] = record.keyId;
  if (record.requestedModel !== undefined) a[ATTR.requestModel] = record.requestedModel;
  if (record.context?.dataClass !== undefined) a['switchyard.data_class'] = record.context.dataClass;
  if (record.context?.task !== undefined) a['switchyard.task'] = record.context.task;
  if (decision !== undefined) {
    a[ATTR.decisionOutcome] = decision.outcome;
    if (decision.deny?.rule !== undefined) a['switchyard.decision.rule'] = decision.deny.rule;
  }
  if (record.route !== undefined) a[ATTR.route] = record.route;
  if (record.provider !== undefined) a[ATTR.provider] = record.provider;
  if (responseModel !== undefined) a[ATTR.responseModel] = responseModel;
  if (record.model !== undefined) a['switchyard.model'] = record.model;
  if (record.usage !== undefined) {
    a[ATTR.inputTokens] = record.usage.inputTokens;
    a[ATTR.outputTokens] = record.usage.outputTokens;
  }
  if (cost !== undefined) a[ATTR.costUsd] = cost.usd;
  if (record.errorCode !== undefined) a['error.type'] = record.errorCode;
  return a;
}

/**
 * The SERVER span of an API request, child of the caller's trace context when the registered propagator finds
 * one; undefined when no tracing SDK is registered (nothing else is traced for the request then).
 */
/** What a global provider delegates to while no SDK is registered (a proxy with no delegate answers it). */
const NO_SDK: TracerProvider = new ProxyTracerProvider().getDelegate();

/**
 * No SDK and no propagator registered: every span would be non-recording with an invalid context, so there is
 * nothing to start (and a request skips the API's layers of proxies, which cost tens of microseconds cold).
 */
function tracingOff(): boolean {
  const current = trace.getTracerProvider();
  return current instanceof ProxyTracerProvider && current.getDelegate() === NO_SDK && propagation.fields().length === 0;
}

export function startRequestSpan(path: string, headers: IncomingHttpHeaders, policyVersion: string): RequestSpan | undefined {
  if (tracingOff()) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer().startSpan(`POST ${path}`, { kind: SpanKind.SERVER }, parent);
  if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return undefined;
  if (span.isRecording()) {
    span.setAttributes({ 'http.request.method': 'POST', 'http.route': path, 'url.path': path, [ATTR.operation]: 'chat', [ATTR.policyVersion]: policyVersion });
  }
  return new RequestSpan(span, parent);
}
