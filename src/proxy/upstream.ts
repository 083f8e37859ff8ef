// One upstream attempt: the outbound request (allowlisted headers, the provider's credential, the policy's
// base URL only) and a verdict the failover loop can act on. A non-streaming answer is read to the end here,
// so a body that breaks half-way is still a failed attempt (nothing has reached the client yet); a stream is
// read up to its first chunk for the same reason.
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Cancel } from './cancel.js';
import type { UpstreamPools } from './pools.js';
import { undiciErrors } from './undici-parts.js';
import { UPSTREAM_PATH, type Protocol, type Usage } from './protocol.js';
import type { Upstream, UpstreamTimeouts } from './runtime.js';
import { upstreamDeadlines, type Timed } from './deadlines.js';

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
 * The header names the client's `Connection` header lists besides `keep-alive` and `close`, lowercased; undefined
 * when it lists none (nearly every request: nothing is split for them). RFC 9110 §7.6.1: those headers are
 * hop-by-hop, meant for the proxy's connection only, and are not forwarded.
 */
export function connectionListed(value: string | string[] | undefined): ReadonlySet<string> | undefined {
  if (value === undefined || value === 'keep-alive' || value === 'close') return undefined;
  let listed: Set<string> | undefined;
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const name = part.trim().toLowerCase();
    if (name !== '' && name !== 'keep-alive' && name !== 'close') (listed ??= new Set()).add(name);
  }
  return listed;
}

/** An allowlisted client header's value, unless the client's `Connection` header made it hop-by-hop. */
const pass = (client: IncomingHttpHeaders, hop: ReadonlySet<string> | undefined, name: 'accept' | 'user-agent' | 'anthropic-version' | 'anthropic-beta'): string | undefined =>
  hop?.has(name) === true ? undefined : headerValue(client[name]);

/**
 * Outbound headers, built from an allowlist: nothing else the client sent (its key, cookies, tracing, hop-by-hop
 * headers, `openai-organization`) reaches the provider, nor an allowlisted header its `Connection` header lists.
 * `traceparent` is the proxy's own attempt span.
 */
export function outboundHeaders(protocol: Protocol, client: IncomingHttpHeaders, credential: string, stream: boolean, traceparent?: string): Record<string, string> {
  const hop = connectionListed(client.connection);
  const h: Record<string, string> = {
    'content-type': 'application/json',
    accept: pass(client, hop, 'accept') ?? (stream ? 'text/event-stream' : 'application/json'),
  };
  if (traceparent !== undefined) h.traceparent = traceparent;
  const ua = pass(client, hop, 'user-agent');
  if (ua !== undefined) h['user-agent'] = ua;
  if (protocol === 'anthropic') {
    h['x-api-key'] = credential;
    h['anthropic-version'] = pass(client, hop, 'anthropic-version') ?? DEFAULT_ANTHROPIC_VERSION;
    const beta = pass(client, hop, 'anthropic-beta');
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

/** Bytes of a refused answer read (and dropped) so its connection stays reusable; a longer one closes it. */
const DISCARD_BYTES = 128 * 1024;

type Opened =
  | { kind: 'stream'; status: number; headers: UpstreamHeaders; first: Buffer; rest: AsyncIterator<Buffer> }
  /** A status `refusedStatus` turns away, with its verdict; its body was read and dropped. */
  | { kind: 'refused'; verdict: AttemptResult }
  /** Any other answer (a non-streaming request's, or an error status), with its body. */
  | { kind: 'whole'; status: number; headers: UpstreamHeaders; body: Buffer }
  /** A 2xx that ended without a byte of body. */
  | { kind: 'empty'; status: number }
  | { kind: 'error'; error: unknown; status: number | undefined };

/** Bytes a stream may hold unread (the client's socket is full) before the provider is asked to pause. */
const STREAM_HIGH_WATER = 64 * 1024;

/**
 * The rest of an upstream stream after its first chunk, fed by undici's dispatch callbacks: a queue the relay
 * reads with `next()`. While it holds more than `STREAM_HIGH_WATER` bytes (the relay waits on a full client
 * socket) the provider's connection is paused. `return()` abandons the stream.
 */
class UpstreamStream implements AsyncIterator<Buffer> {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private error: unknown;
  private waiting: { resolve: (r: IteratorResult<Buffer>) => void; reject: (err: unknown) => void } | undefined;
  private paused = false;

  constructor(private readonly flow: StreamFlow) {}

  push(chunk: Buffer): void {
    if (this.ended) return;
    const w = this.waiting;
    if (w !== undefined) {
      this.waiting = undefined;
      w.resolve({ done: false, value: chunk });
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (!this.paused && this.queued > STREAM_HIGH_WATER) {
      this.paused = true;
      this.flow.pause();
    }
  }

  end(): void {
    this.ended = true;
    const w = this.waiting;
    this.waiting = undefined;
    w?.resolve({ done: true, value: undefined });
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(error);
  }

  next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.queue.shift();
    if (chunk !== undefined) {
      this.queued -= chunk.length;
      if (this.paused && this.queued <= STREAM_HIGH_WATER / 2) {
        this.paused = false;
        this.flow.resume();
      }
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<Buffer>> {
    if (!this.ended) {
      this.ended = true;
      this.flow.abort(new Error('the stream was abandoned'));
    }
    this.queue.length = 0;
    this.queued = 0;
    const w = this.waiting;
    this.waiting = undefined;
    w?.resolve({ done: true, value: undefined });
    return Promise.resolve({ done: true, value: undefined });
  }
}

/** What a stream asks of its attempt: pause and resume the provider's connection, or abandon it. */
interface StreamFlow {
  pause(): void;
  resume(): void;
  abort(reason: Error): void;
}

/**
 * One attempt's answer from undici's dispatch callbacks, with no body stream or async iterator of undici's per
 * request. A 2xx to a streaming request resolves with its first chunk and the rest to come; a refused status
 * (`refusedStatus`) once its body is drained (up to `DISCARD_BYTES`); any other answer with its whole body.
 * The first-byte and idle timeouts are kept here, on the shared `upstreamDeadlines` (undici's are off).
 */
class AttemptDispatch implements Dispatcher.DispatchHandler, Timed, StreamFlow {
  deadlineSlot = -1;
  deadlineAt = 0;
  private controller: Dispatcher.DispatchController | undefined;
  private stopCancel: (() => void) | undefined;
  private status: number | undefined;
  private headers: UpstreamHeaders = {};
  private refused: AttemptResult | undefined;
  private mode: 'stream' | 'refused' | 'whole' = 'stream';
  private rest: UpstreamStream | undefined;
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly resolve: (opened: Opened) => void,
    private readonly signal: Cancel,
    private readonly failoverStatus: ReadonlySet<number>,
    private readonly stream: boolean,
    private readonly timeouts: UpstreamTimeouts,
  ) {}

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.controller = c;
    if (this.signal.aborted) return c.abort(new Error('the client went away'));
    this.stopCancel ??= this.signal.onAbort(() => c.abort(new Error('the client went away')));
    // From the request being written (connecting is `connectMs`'s), as undici's headersTimeout counted.
    if (this.timeouts.firstByteMs > 0) upstreamDeadlines.start(this, this.timeouts.firstByteMs);
  }

  onResponseStart(_c: Dispatcher.DispatchController, code: number, received: UpstreamHeaders): void {
    this.status = code;
    this.headers = received;
    this.refused = refusedStatus(code, received, this.failoverStatus);
    this.mode = this.refused !== undefined ? 'refused' : this.stream && code >= 200 && code < 300 ? 'stream' : 'whole';
    this.chunks = [];
    this.size = 0;
    if (this.timeouts.idleMs > 0) upstreamDeadlines.start(this, this.timeouts.idleMs);
    else upstreamDeadlines.stop(this);
  }

  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    upstreamDeadlines.extend(this, this.timeouts.idleMs);
    if (this.mode === 'stream') {
      if (this.rest !== undefined) this.rest.push(chunk);
      else {
        this.rest = new UpstreamStream(this);
        // INVARIANT: undici calls onResponseStart before any data.
        this.resolve({ kind: 'stream', status: this.status!, headers: this.headers, first: chunk, rest: this.rest });
      }
      return;
    }
    this.size += chunk.length;
    if (this.mode === 'whole') {
      if (this.size > MAX_ANSWER_BYTES) c.abort(new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`));
      else this.chunks.push(chunk);
    } else if (this.size > DISCARD_BYTES) c.abort(new Error('refused answer too large to drain'));
  }

  onResponseEnd(): void {
    this.finish();
    if (this.rest !== undefined) return this.rest.end();
    // INVARIANT: undici calls onResponseStart before onResponseEnd.
    if (this.mode === 'stream') this.resolve({ kind: 'empty', status: this.status! });
    else if (this.refused !== undefined) this.resolve({ kind: 'refused', verdict: this.refused });
    else this.resolve({ kind: 'whole', status: this.status!, headers: this.headers, body: this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size) });
  }

  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    this.finish();
    if (this.rest !== undefined) return this.rest.fail(error);
    // A refused answer cut while draining is still the status it answered.
    if (this.refused !== undefined && !this.signal.aborted) this.resolve({ kind: 'refused', verdict: this.refused });
    else this.resolve({ kind: 'error', error, status: this.status });
  }

  /** The wait for the first byte, or for the next chunk, is over: cut the attempt as undici's timeouts would. */
  onDeadline(): void {
    this.controller?.abort(this.status === undefined ? new undiciErrors.HeadersTimeoutError() : new undiciErrors.BodyTimeoutError());
  }

  // A client that reads slowly is not an idle provider: no idle timeout while paused, a fresh one on resuming.
  pause(): void {
    upstreamDeadlines.stop(this);
    this.controller?.pause();
  }

  resume(): void {
    this.controller?.resume();
    if (this.timeouts.idleMs > 0 && this.controller?.aborted === false) upstreamDeadlines.start(this, this.timeouts.idleMs);
  }

  abort(reason: Error): void {
    this.controller?.abort(reason);
  }

  private finish(): void {
    upstreamDeadlines.stop(this);
    this.stopCancel?.();
    this.stopCancel = undefined;
  }
}

function dispatchAttempt(pool: Dispatcher, options: Dispatcher.DispatchOptions, signal: Cancel, failoverStatus: ReadonlySet<number>, stream: boolean, timeouts: UpstreamTimeouts): Promise<Opened> {
  return new Promise((resolve) => {
    pool.dispatch(options, new AttemptDispatch(resolve, signal, failoverStatus, stream, timeouts));
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

export function attempt(pools: UpstreamPools, input: AttemptInput): Promise<AttemptResult> {
  const { upstream, signal } = input;
  if (signal.aborted) return Promise.resolve(ABORTED);
  const pool = pools.get(upstream.origin, upstream.timeouts.connectMs);
  const options: Dispatcher.DispatchOptions = {
    method: 'POST',
    path: input.protocol === upstream.api ? upstream.path : upstream.basePath + UPSTREAM_PATH[input.protocol],
    headers: outboundHeaders(input.protocol, input.clientHeaders, input.credential, input.stream, input.traceparent),
    body: input.body,
    // undici's timeouts are checked on a coarse tick (see deadlines.ts); AttemptDispatch keeps them instead.
    headersTimeout: 0,
    bodyTimeout: 0,
  };
  // A plain chain, not an async function: one promise fewer per attempt.
  return dispatchAttempt(pool, options, signal, input.failoverStatus, input.stream, upstream.timeouts).then((opened) => resultOf(opened, upstream, signal));
}

const ABORTED: AttemptResult = Object.freeze({ kind: 'aborted' });

function resultOf(opened: Opened, upstream: Upstream, signal: Cancel): AttemptResult {
  if (opened.kind === 'error') {
    if (signal.aborted) return ABORTED;
    const failed = describeError(opened.error, upstream);
    return opened.status === undefined ? { kind: 'failed', ...failed } : { kind: 'failed', ...failed, status: opened.status };
  }
  if (opened.kind === 'refused') return opened.verdict;
  // A non-streaming answer, or an error status on a streaming request: relayed whole.
  if (opened.kind === 'whole') return { kind: 'answer', status: opened.status, headers: opened.headers, body: opened.body };
  if (opened.kind === 'empty') return { kind: 'failed', failure: 'connection', status: opened.status, note: 'the stream ended before its first event' };
  return { kind: 'stream', status: opened.status, headers: opened.headers, first: opened.first, rest: opened.rest };
}
