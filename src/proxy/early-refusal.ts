// Refusals of an API request before its handler runs: shed by the in-flight limit, or a body fastify would not
// read or parse (over the limit, not JSON, no JSON content-type). They are settled like the handler's own
// refusals, so that every request to /v1/chat/completions and /v1/messages is seen the same way: the request id
// and policy version headers, the endpoint's error shape, one log line, metrics, the usage hook and an audit
// record (`decided: false`, outcome `rejected`).
import { performance } from 'node:perf_hooks';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from './auth.js';
import type { ProxyCore } from './core.js';
import { errorBody, proxyError, statusOf, type ProxyError } from './errors.js';
import type { Protocol } from './protocol.js';
import { emptyDraft, settler } from './settle.js';

export const JSON_CONTENT_TYPE_MESSAGE = 'the body must be json: send `content-type: application/json`';

/**
 * A body fastify refused before the handler, in our words; undefined for any other error (a bug, which is not
 * the client's doing and may have happened after the handler settled).
 */
export function bodyErrorOf(err: FastifyError, bodyLimit: number): ProxyError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return proxyError('payload_too_large', `the body is larger than the limit of ${bodyLimit} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return proxyError('invalid_request', JSON_CONTENT_TYPE_MESSAGE);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      // The parser refuses a `__proto__` or `constructor.prototype` key the same way (protocol.ts relies on it).
      return proxyError('invalid_request', 'the body is not valid json (or has a `__proto__` or `constructor.prototype` key)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return proxyError('invalid_request', 'the body is empty: send a json object');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return proxyError('invalid_request', 'the body does not match its `content-length`');
    default:
      return undefined;
  }
}

/**
 * Answers and settles a refusal made before the handler. With `checkKey`, the key is authenticated first, as
 * the handler does before it reads the body: the record names the team and key, and an unknown key is
 * `invalid_api_key` whatever its body. Shedding skips it (a refusal under overload stays cheap).
 */
export function refuseEarly(core: ProxyCore, protocol: Protocol, req: FastifyRequest, reply: FastifyReply, refusal: ProxyError, checkKey: boolean): void {
  const started = performance.now();
  const snapshot = core.store.current();
  const requestId = String(req.id);
  const draft = emptyDraft();
  let e = refusal;
  if (checkKey) {
    const auth = authenticate(core.runtimes.of(snapshot).keys, req.headers, protocol === 'anthropic', Date.now());
    if (auth.ok) {
      draft.team = auth.key.team;
      draft.keyId = auth.key.keyId;
    } else e = auth.error;
  }
  const tel = core.telemetry.begin(snapshot, protocol, req.headers);
  const settle = settler(
    { requestId, protocol, policyVersion: snapshot.version, started },
    draft,
    (record) => {
      tel.settled(record);
      core.onSettle?.(record);
    },
    core.requestLog,
  );
  const status = statusOf(e.code);
  const headers: Record<string, string> = { 'x-switchyard-request-id': requestId, 'x-switchyard-policy-version': snapshot.version };
  if (e.retryAfter !== undefined) headers['retry-after'] = String(e.retryAfter);
  void reply.code(status).headers(headers).send(errorBody(protocol, e));
  settle('rejected', status, undefined, e.code);
}
