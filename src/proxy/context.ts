// The request context the engine decides on, built from the authenticated key, the body and the
// `x-switchyard-*` headers. Values are passed as sent: `decide` rejects anything outside the vocabulary.
// Features of the body are computed here, once per request, and travel in the context: `decide` classifies
// from them, and the audit log records them so that `dry-run` and `diff` classify the same way.
import type { IncomingHttpHeaders } from 'node:http';
import { classifierFor } from '../classify/index.js';
import type { RequestContext } from '../engine/index.js';
import type { PolicySet } from '../policy/index.js';
import type { KeyRecord } from './auth.js';
import type { ApiRequest } from './protocol.js';
import { DEFAULT_STICKY_HEADER } from './runtime.js';

export const DATA_CLASS_HEADER = 'x-switchyard-data-class';
export const TASK_HEADER = 'x-switchyard-task';

const headerValue = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined ? undefined : s.trim();
};

/**
 * The context for one request. A team with `allowTaskHeader: false` has its task header ignored (the
 * Classifier or the Organization default decides), as if it had not been sent.
 */
export function buildContext(policy: PolicySet, key: KeyRecord, request: ApiRequest, headers: IncomingHttpHeaders, requestId: string): RequestContext {
  const ctx: RequestContext = { team: key.team, model: request.model, promptTokens: request.promptTokens, stream: request.stream, keyId: key.keyId, requestId };
  const dataClass = headerValue(headers, DATA_CLASS_HEADER);
  if (dataClass !== undefined) ctx.dataClass = dataClass;
  const task = headerValue(headers, TASK_HEADER);
  if (task !== undefined && policy.teams.get(key.team)?.spec.allowTaskHeader !== false) ctx.task = task;
  if (request.maxTokens !== undefined) ctx.maxTokens = request.maxTokens;
  const sticky = headerValue(headers, DEFAULT_STICKY_HEADER);
  if (sticky !== undefined && sticky !== '') ctx.stickyKey = sticky;
  ctx.features = classifierFor(policy).extract(request.body, request.protocol);
  return ctx;
}

/** The context with the sticky key a route reads from its own header (`stickyKey`), absent when not sent. */
export function withStickyHeader(ctx: RequestContext, headers: IncomingHttpHeaders, header: string): RequestContext {
  const value = headerValue(headers, header);
  const { stickyKey: _ignored, ...rest } = ctx;
  return value === undefined || value === '' ? rest : Object.assign(rest, { stickyKey: value });
}
