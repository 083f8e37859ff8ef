// One upstream attempt: the outbound request (allowlisted headers, the provider's credential, the policy's
// base URL only) and a verdict the failover loop can act on. A non-streaming answer is read to the end here,
// so a body that breaks half-way is still a failed attempt (nothing has reached the client yet); a stream is
// read up to its first chunk for the same reason.
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Cancel } from './cancel.js';
import type { UpstreamPools } from './pools.js';
import { request, undiciErrors } from './undici-parts.js';
import { UPSTREAM_PATH, type Protocol, type Usage } from './protocol.js';
import type { Upstream } from './runtime.js';

export type UpstreamHeaders = Readonly<Record<string, string | string[] | undefined>>;

export type AttemptResult =
  /** A complete answer to relay: a success, or an error status the route does not fail over on. */
  | { kind: 'answer'; status: number; headers: UpstreamHeaders; body: Buffer; providerUsage?: UsageSource }
  /** A stream whose first chunk arrived; `rest` yields the others. */
  | { kind: 'stream'; status: number; headers: UpstreamHeaders; first: Buffer; rest: AsyncIterator<Buffer>; providerUsage?: UsageSource }
  | { kind: 'failed'; failure: FailureKind; status?: number; retryAfterMs?: number; note: string }
  /** The client went away. */
  | { kind: 'aborted' };

/**
 * Set on an answer translated from the provider's protocol: the usage the provider reported (read when the
 * request settles, so a stream's is complete), undefined when it reported none. The translated body must
 * carry usage fields the client's SDK expects even then, so usage is not read back from it.
 */
export interface UsageSource {
  readonly usage: Usage | undefined;
}

/** `status`: a failover status; `timeout`: connect, first-byte or idle; `connection`: refused, reset, cut. */
export type FailureKind = 'status' | 'timeout' | 'connection';

export interface AttemptInput {
  readonly upstream: Upstream;
  readonly protocol: Protocol;
  readonly credential: string;
  readonly body: string;
  readonly stream: boolean;
  readonly clientHeaders: IncomingHttpHeaders;
  readonly failoverStatus: ReadonlySet<number>;
  readonly signal: Cancel;
  /** W3C trace context of this attempt's span (ours, never the client's); absent when not tracing. */
  readonly traceparent?: string | undefined;
}

const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

const headerValue = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(', ') : v);

/**
 * Outbound headers, built from an allowlist: nothing else the client sent (its key, cookies, tracing, hop-by-hop
 * headers, `openai-organization`) reaches the provider. `traceparent` is the proxy's own attempt span.
 */
export function outboundHeaders(protocol: Protocol, client: IncomingHttpHeaders, credential: string, stream: boolean, traceparent?: string): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': 'application/json',
    accept: headerValue(client.accept) ?? (stream ? 'text/event-stream' : 'application/json'),
  };
  if (traceparent !== undefined) h.traceparent = traceparent;
  const ua = headerValue(client['user-agent']);
  if (ua !== undefined) h['user-agent'] = ua;
  if (protocol === 'anthropic') {
    h['x-api-key'] = credential;
    h['anthropic-version'] = headerValue(client['anthropic-version']) ?? DEFAULT_ANTHROPIC_VERSION;
    const beta = headerValue(client['anthropic-beta']);
    if (beta !== undefined) h['anthropic-beta'] = beta;
  } else {
    h.authorization = `Bearer ${credential}`;
  }
  return h;
}

/** `retry-after` in ms (seconds or an HTTP date), or undefined. */
export function retryAfterMs(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const v = headerValue(value)?.trim();
  if (v === undefined || v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function describeError(err: unknown, upstream: Upstream): { failure: FailureKind; note: string } {
  if (err instanceof undiciErrors.HeadersTimeoutError) return { failure: 'timeout', note: `no first byte within ${upstream.timeouts.firstByteMs} ms` };
  if (err instanceof undiciErrors.ConnectTimeoutError) return { failure: 'timeout', note: `no connection within ${upstream.timeouts.connectMs} ms` };
  if (err instanceof undiciErrors.BodyTimeoutError) return { failure: 'timeout', note: `idle for ${upstream.timeouts.idleMs} ms` };
  const code = (err as { code?: unknown }).code;
  const cause = (err as { cause?: { code?: unknown } }).cause?.code;
  const label = typeof cause === 'string' ? cause : typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
  return { failure: 'connection', note: `connection failed (${label})` };
}

async function readAll(body: Dispatcher.ResponseData['body']): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) throw new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/** Bytes of a refused answer read (and dropped) so its connection stays reusable; a longer one closes it. */
const DISCARD_BYTES = 128 * 1024;

type Whole = { ok: true; status: number; headers: UpstreamHeaders; body: Buffer } | { ok: false; error: unknown; status: number | undefined };

/**
 * A complete non-streaming answer, read straight from undici's dispatch callbacks into one buffer: no body
 * stream, async iterator or end-of-stream listeners per request. The body of a refused status (`refusedStatus`)
 * is read and dropped, up to `DISCARD_BYTES`.
 */
function readWhole(pool: Dispatcher, options: Dispatcher.DispatchOptions, signal: Cancel, failoverStatus: ReadonlySet<number>): Promise<Whole> {
  return new Promise((resolve) => {
    let status: number | undefined;
    let headers: UpstreamHeaders = {};
    let keep = true;
    let chunks: Buffer[] = [];
    let size = 0;
    let controller: Dispatcher.DispatchController | undefined;
    let stop: (() => void) | undefined;
    const finish = (result: Whole): void => {
      stop?.();
      stop = undefined;
      resolve(result);
    };
    pool.dispatch(options, {
      onRequestStart(c) {
        controller = c;
        if (signal.aborted) c.abort(new Error('the client went away'));
        else stop ??= signal.onAbort(() => controller?.abort(new Error('the client went away')));
      },
      onResponseStart(_c, code, received) {
        status = code;
        headers = received;
        keep = refusedStatus(code, received, failoverStatus) === undefined;
        chunks = [];
        size = 0;
      },
      onResponseData(c, chunk) {
        size += chunk.length;
        if (keep) {
          if (size > MAX_ANSWER_BYTES) c.abort(new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(chunk);
        } else if (size > DISCARD_BYTES) c.abort(new Error('refused answer too large to drain'));
      },
      onResponseEnd() {
        // INVARIANT: undici calls onResponseStart before onResponseEnd.
        finish({ ok: true, status: status!, headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, keep ? size : 0) });
      },
      onResponseError(_c, error) {
        // A refused answer cut while draining is still the status it answered.
        if (status !== undefined && !keep && !signal.aborted) finish({ ok: true, status, headers, body: Buffer.alloc(0) });
        else finish({ ok: false, error, status });
      },
    });
  });
}

/**
 * The verdict on a status that is not relayed — a failover status of the route, a refused credential or a
 * redirect; undefined for one that is.
 */
function refusedStatus(status: number, headers: UpstreamHeaders, failoverStatus: ReadonlySet<number>): AttemptResult | undefined {
  if (failoverStatus.has(status)) {
    const wait = status === 429 ? retryAfterMs(headers['retry-after']) : undefined;
    return { kind: 'failed', failure: 'status', status, ...(wait === undefined ? {} : { retryAfterMs: wait }), note: `answered ${status}` };
  }
  // The provider refused our credential: the client's request is fine, another provider may serve it.
  if (status === 401 || status === 403) return { kind: 'failed', failure: 'status', status, note: `refused the proxy's credential (${status})` };
  if (status >= 300 && status < 400) return { kind: 'failed', failure: 'status', status, note: `answered a redirect (${status}); redirects are not followed` };
  return undefined;
}

export async function attempt(pools: UpstreamPools, input: AttemptInput): Promise<AttemptResult> {
  const { upstream, signal } = input;
  const pool = pools.get(upstream.origin, upstream.timeouts.connectMs);
  const options: Dispatcher.DispatchOptions = {
    method: 'POST',
    path: upstream.basePath + UPSTREAM_PATH[input.protocol],
    headers: outboundHeaders(input.protocol, input.clientHeaders, input.credential, input.stream, input.traceparent),
    body: input.body,
    headersTimeout: upstream.timeouts.firstByteMs,
    bodyTimeout: upstream.timeouts.idleMs,
  };
  if (!input.stream) {
    if (signal.aborted) return { kind: 'aborted' };
    const whole = await readWhole(pool, options, signal, input.failoverStatus);
    if (!whole.ok) {
      if (signal.aborted) return { kind: 'aborted' };
      const failed = describeError(whole.error, upstream);
      return whole.status === undefined ? { kind: 'failed', ...failed } : { kind: 'failed', ...failed, status: whole.status };
    }
    return refusedStatus(whole.status, whole.headers, input.failoverStatus) ?? { kind: 'answer', status: whole.status, headers: whole.headers, body: whole.body };
  }
  let res: Dispatcher.ResponseData;
  try {
    res = await request(pool, { ...options, signal: signal.signal() });
  } catch (err) {
    return signal.aborted ? { kind: 'aborted' } : { kind: 'failed', ...describeError(err, upstream) };
  }
  const status = res.statusCode;
  const headers = res.headers;
  try {
    const refused = refusedStatus(status, headers, input.failoverStatus);
    if (refused !== undefined) {
      await res.body.dump();
      return refused;
    }
    if (status >= 200 && status < 300) {
      const rest = (res.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      const first = await rest.next();
      if (first.done === true) return { kind: 'failed', failure: 'connection', status, note: 'the stream ended before its first event' };
      return { kind: 'stream', status, headers, first: first.value, rest };
    }
    // An error status on a streaming request: relayed whole, like any answer.
    return { kind: 'answer', status, headers, body: await readAll(res.body) };
  } catch (err) {
    if (signal.aborted) return { kind: 'aborted' };
    res.body.destroy();
    return { kind: 'failed', ...describeError(err, upstream), status };
  }
}
