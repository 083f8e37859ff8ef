// The candidate loop: try the decision's candidates in order until one answers, per the route's `fallback`.
// A candidate whose provider speaks the other protocol gets the request translated (and its answer translated
// back). A candidate is skipped (and the attempt list says why) when its protocol cannot express the request,
// its provider lacks its credential, has an open circuit, or asked to be left alone (retry-after) for longer
// than the cap, or when the `admit` hook (budgets and rate limits) refuses it.
import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Candidate } from '../engine/index.js';
import { waitUnlessCancelled, type Cancel } from './cancel.js';
import type { CircuitBreakers } from './circuit.js';
import { proxyError, type ProxyError } from './errors.js';
import type { UpstreamPools } from './pools.js';
import { upstreamBody, type ApiRequest } from './protocol.js';
import type { Failover, SnapshotRuntime, Upstream } from './runtime.js';
import { crossingFor, translateResult, UNSUPPORTED_NOTE, type Crossing } from './translation.js';
import { attempt, type AttemptResult, type FailureKind } from './upstream.js';

export interface AttemptRecord {
  readonly model: string;
  readonly provider: string;
  /** `sent` attempts reached the provider's address; `skipped` ones did not. */
  readonly result: 'ok' | 'failed' | 'skipped' | 'aborted';
  readonly status?: number;
  readonly note: string;
  readonly ms?: number;
}

export type ForwardOutcome =
  | { kind: 'answer'; candidate: Candidate; result: Extract<AttemptResult, { kind: 'answer' }>; attempts: AttemptRecord[] }
  | { kind: 'stream'; candidate: Candidate; result: Extract<AttemptResult, { kind: 'stream' }>; attempts: AttemptRecord[] }
  | { kind: 'error'; error: ProxyError; attempts: AttemptRecord[] }
  | { kind: 'aborted'; attempts: AttemptRecord[] };

export interface ForwardDeps {
  readonly pools: UpstreamPools;
  readonly breakers: CircuitBreakers;
  /** Longest wait honoured for a 429's `retry-after` before retrying the same provider (default 2 s). */
  readonly retryAfterCapMs: number;
}

/** A candidate's admission by budgets and rate limits, just before it is sent. */
export type AdmitResult = { readonly ok: true } | { readonly ok: false; readonly error: ProxyError };

/** Telemetry's view of one attempt: the trace context to send, and the result (a stream may come back wrapped). */
export interface AttemptObserver {
  readonly traceparent: string | undefined;
  result(r: AttemptResult): AttemptResult;
}

export interface ForwardInput {
  readonly request: ApiRequest;
  readonly route: string;
  readonly candidates: readonly Candidate[];
  readonly runtime: SnapshotRuntime;
  readonly failover: Failover;
  readonly clientHeaders: IncomingHttpHeaders;
  readonly signal: Cancel;
  /** Called for each candidate about to be sent; a refusal skips it (absent: every candidate is admitted). */
  readonly admit?: ((candidate: Candidate) => AdmitResult | Promise<AdmitResult>) | undefined;
  /** Called for each candidate as it is sent (tracing, content capture); absent: attempts are not observed. */
  readonly observe?: ((candidate: Candidate, upstream: Upstream) => AttemptObserver) | undefined;
}

/** Records a candidate that was not sent, and why. */
const skip = (attempts: AttemptRecord[], c: Candidate, note: string): void => void attempts.push({ model: c.model, provider: c.provider, result: 'skipped', note });

/** Upstream requests actually sent (skipped candidates do not count). */
export const sentCount = (attempts: readonly AttemptRecord[]): number => attempts.reduce((n, a) => (a.result === 'skipped' ? n : n + 1), 0);

const summary = (attempts: readonly AttemptRecord[]): string => attempts.map((a) => `\`${a.model}\` (${a.provider}): ${a.note}`).join('; ');

/** Wait assumed for a 429 that carried no `retry-after`: the proxy's own hint for a brief overload. */
const UNSTATED_RETRY_AFTER_MS = 1_000;

/**
 * `retryAt`: per provider that answered 429, when its latest answer said it may accept again (ms since the epoch).
 * `upstream_rate_limited` carries the soonest as `retry-after`, in whole seconds rounded up, at least 1.
 */
function finalError(route: string, attempts: readonly AttemptRecord[], last: FailureKind | undefined, retryAt: ReadonlyMap<string, number> | undefined): ProxyError {
  const rule = `Route/${route}`;
  const sent = attempts.filter((a) => a.result === 'failed');
  if (sent.length === 0) {
    // Only when the request itself is what no candidate can take: a client can fix it by leaving the field out.
    if (attempts.length > 0 && attempts.every((a) => a.note.startsWith(UNSUPPORTED_NOTE))) {
      return proxyError('unsupported_feature', `no candidate can express the request: ${summary(attempts)}`, rule);
    }
    return proxyError('upstream_unavailable', `no candidate could be tried: ${summary(attempts)}`, rule);
  }
  if (last === 'timeout') return proxyError('upstream_timeout', `every candidate failed: ${summary(attempts)}`, rule);
  if (sent.every((a) => a.status === 429)) {
    const e = proxyError('upstream_rate_limited', `every candidate is rate limited: ${summary(attempts)}`, rule);
    let soonestMs = Number.POSITIVE_INFINITY;
    for (const at of retryAt?.values() ?? []) if (at < soonestMs) soonestMs = at;
    return { ...e, retryAfter: Number.isFinite(soonestMs) ? Math.max(1, Math.ceil((soonestMs - Date.now()) / 1000)) : UNSTATED_RETRY_AFTER_MS / 1000 };
  }
  return proxyError('upstream_error', `every candidate failed: ${summary(attempts)}`, rule);
}

export async function forward(deps: ForwardDeps, input: ForwardInput): Promise<ForwardOutcome> {
  const { request, failover, signal } = input;
  const protocol = request.protocol;
  const attempts: AttemptRecord[] = [];
  // Made on first use: most requests need no translation and no wait, and are answered by their first candidate.
  let firstModel: string | undefined;
  let firstBody: string | undefined;
  let bodies: Map<string, string> | undefined;
  let crossings: Map<string, Crossing | string> | undefined;
  let limitedUntil: Map<string, number> | undefined;
  let retryAtByProvider: Map<string, number> | undefined;
  let sent = 0;
  let last: FailureKind | undefined;
  let refused: ProxyError | undefined;
  for (const c of input.candidates) {
    if (sent >= failover.maxAttempts) break;
    // INVARIANT: every candidate's provider is in the snapshot the candidates were decided on.
    const upstream = input.runtime.upstreams.get(c.provider)!;
    let crossing: Crossing | undefined;
    if (upstream.api !== protocol) {
      // One translation per upstream model and output limit; a refusal is remembered as its note.
      const maxOutputTokens = input.runtime.maxOutputTokens.get(c.model) ?? 0;
      const key = `${c.upstreamModel}\0${maxOutputTokens}`;
      crossings ??= new Map();
      let known = crossings.get(key);
      if (known === undefined) {
        const r = crossingFor(request, c.upstreamModel, maxOutputTokens);
        known = r.ok ? r.crossing : r.note;
        crossings.set(key, known);
      }
      if (typeof known === 'string') {
        skip(attempts, c, known);
        continue;
      }
      crossing = known;
    }
    const credential = upstream.credential;
    if (credential === undefined || credential === '') {
      skip(attempts, c, `credential \`${upstream.credentialEnv}\` is not set`);
      continue;
    }
    const until = limitedUntil?.get(c.provider);
    if (until !== undefined) {
      const wait = until - Date.now();
      if (wait > deps.retryAfterCapMs) {
        skip(attempts, c, `rate limited for another ${Math.ceil(wait / 1000)} s`);
        continue;
      }
      if (wait > 0 && !(await waitUnlessCancelled(wait, signal))) return { kind: 'aborted', attempts };
    }
    const admission = deps.breakers.admit(c.provider);
    if (admission === 'open') {
      skip(attempts, c, 'circuit open after repeated failures');
      continue;
    }
    if (input.admit !== undefined) {
      // An admission answered at once (the embedded ledger) costs the request no turn.
      const admitting = input.admit(c);
      const admitted = admitting instanceof Promise ? await admitting : admitting;
      if (!admitted.ok) {
        if (admission === 'probe') deps.breakers.release(c.provider);
        refused = soonest(refused, admitted.error);
        skip(attempts, c, admitted.error.message);
        continue;
      }
      if (signal.aborted) {
        if (admission === 'probe') deps.breakers.release(c.provider);
        return { kind: 'aborted', attempts };
      }
    }
    // The first body made is kept aside; a Map only once a second upstream model needs its own.
    let body = crossing?.body ?? (c.upstreamModel === firstModel ? firstBody : bodies?.get(c.upstreamModel));
    if (body === undefined) {
      body = upstreamBody(request, c.upstreamModel);
      if (firstModel === undefined) {
        firstModel = c.upstreamModel;
        firstBody = body;
      } else (bodies ??= new Map()).set(c.upstreamModel, body);
    }
    sent += 1;
    const started = performance.now();
    const observer = input.observe?.(c, upstream);
    const answered = await attempt(deps.pools, {
      upstream,
      protocol: upstream.api,
      credential,
      body,
      stream: request.stream,
      clientHeaders: input.clientHeaders,
      failoverStatus: failover.onStatus,
      signal,
      traceparent: observer?.traceparent,
    });
    const sentResult = crossing === undefined ? answered : translateResult(answered, upstream.api, crossing.mode, Math.floor(Date.now() / 1000));
    const r = observer === undefined ? sentResult : observer.result(sentResult);
    const ms = Math.round((performance.now() - started) * 100) / 100;
    switch (r.kind) {
      case 'aborted':
        deps.breakers.release(c.provider);
        attempts.push({ model: c.model, provider: c.provider, result: 'aborted', note: 'the client went away', ms });
        return { kind: 'aborted', attempts };
      case 'answer':
      case 'stream':
        if (r.status >= 500) deps.breakers.failure(c.provider);
        else deps.breakers.success(c.provider);
        attempts.push({ model: c.model, provider: c.provider, result: 'ok', status: r.status, note: `answered ${r.status}`, ms });
        return r.kind === 'answer' ? { kind: 'answer', candidate: c, result: r, attempts } : { kind: 'stream', candidate: c, result: r, attempts };
      case 'failed': {
        const status = r.status;
        // A 4xx (429, a refused credential) means the provider is up; 5xx, redirects, timeouts and broken connections do not.
        const healthy = r.failure === 'status' && status !== undefined && status >= 400 && status < 500;
        if (healthy) deps.breakers.success(c.provider);
        else deps.breakers.failure(c.provider);
        if (status === 429) {
          const until = Date.now() + (r.retryAfterMs ?? UNSTATED_RETRY_AFTER_MS);
          if (r.retryAfterMs !== undefined) (limitedUntil ??= new Map()).set(c.provider, until);
          // A provider's latest answer replaces its earlier one (a retried provider may ask for longer).
          (retryAtByProvider ??= new Map()).set(c.provider, until);
        }
        attempts.push({ model: c.model, provider: c.provider, result: 'failed', ...(status === undefined ? {} : { status }), note: r.note, ms });
        last = r.failure;
        if (r.failure !== 'status' && !failover.onTimeout) return { kind: 'error', error: finalError(input.route, attempts, last, retryAtByProvider), attempts };
        break;
      }
      default: {
        const unknown: never = r;
        throw new Error(`unknown attempt result ${JSON.stringify(unknown)}`);
      }
    }
  }
  if (refused !== undefined && sent === 0) return { kind: 'error', error: { ...refused, message: `no candidate was admitted: ${summary(attempts)}` }, attempts };
  return { kind: 'error', error: finalError(input.route, attempts, last, retryAtByProvider), attempts };
}

/** Of two refusals, the one a client can retry sooner (its code, rule and `retry-after` answer the request). */
const soonest = (a: ProxyError | undefined, b: ProxyError): ProxyError =>
  a === undefined || (b.retryAfter ?? Infinity) < (a.retryAfter ?? Infinity) ? b : a;
