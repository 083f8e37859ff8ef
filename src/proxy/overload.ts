// Overload shedding: a bound on API requests in flight, from arrival to the end of their answer (streams
// included). A request over the bound is refused at once — 503 `overloaded` with `retry-after` — before its
// body is read, decided or forwarded, so a burst costs a short answer per refused request instead of a body
// buffer, a ledger call and an upstream connection each, and memory stays bounded by the limit. Health,
// readiness, metrics and admin endpoints are never shed: a load balancer must still see the process as alive.
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { ProxyCore } from './core.js';
import { refuseEarly } from './early-refusal.js';
import { proxyError } from './errors.js';
import type { Protocol } from './protocol.js';

export const DEFAULT_MAX_IN_FLIGHT = 1024;
/** Seconds a shed client is asked to wait: slots free up as answers end, usually within a second. */
export const OVERLOAD_RETRY_AFTER_SEC = 1;

export class RequestGate {
  private inFlight = 0;

  /** `max`: requests in flight at once (at least 1; `Infinity` for no bound). */
  constructor(readonly max: number) {
    if (!(max >= 1)) throw new RangeError(`the in-flight limit must be at least 1, got ${max}`);
  }

  /** API requests admitted and not yet answered in full. */
  get current(): number {
    return this.inFlight;
  }

  /** The `onRequest` hook of an API endpoint: admits the request into a slot, or answers 503 `overloaded`. */
  hook(core: ProxyCore, protocol: Protocol): onRequestHookHandler {
    return (req, reply, done) => {
      if (this.inFlight >= this.max) {
        shed(core, protocol, req, reply, this.max);
        return;
      }
      this.inFlight += 1;
      // `close` follows the end of every answer, and a client that leaves early: the slot is freed once either way.
      reply.raw.on('close', () => {
        this.inFlight -= 1;
      });
      done();
    };
  }
}

/** The refusal, settled like any other refused request (usage hook, metrics, audit record, one log line). */
function shed(core: ProxyCore, protocol: Protocol, req: FastifyRequest, reply: FastifyReply, max: number): void {
  const e = proxyError('overloaded', `the proxy has ${max} requests in flight, its limit; retry after ${OVERLOAD_RETRY_AFTER_SEC} s`);
  refuseEarly(core, protocol, req, reply, { ...e, retryAfter: OVERLOAD_RETRY_AFTER_SEC }, false);
}
