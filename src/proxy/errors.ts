// Errors as callers see them: OpenAI-shaped `{error: {type, code, message}}`, or Anthropic-shaped
// `{type: "error", error: {type, message}}` on /v1/messages, with the status from the one registry.
import { REQUEST_ERRORS, type RequestErrorCode } from '../errors.js';
import type { Protocol } from './protocol.js';

/** An error answer before it is shaped for a protocol. `rule` names the policy rule that decided, if any. */
export interface ProxyError {
  readonly code: RequestErrorCode;
  readonly message: string;
  readonly rule?: string | undefined;
  /** Seconds a client should wait before retrying: sent as `retry-after` (budget and rate-limit refusals). */
  readonly retryAfter?: number | undefined;
}

export const proxyError = (code: RequestErrorCode, message: string, rule?: string): ProxyError => ({ code, message, rule });

export const statusOf = (code: RequestErrorCode): number => REQUEST_ERRORS[code].status;

/** Anthropic's error `type` for a status (its SDK picks the exception class from the status). */
function anthropicType(status: number): string {
  switch (status) {
    case 400:
    case 408:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** The message with the code and the rule, for shapes that have no field for them. */
function fullMessage(e: ProxyError): string {
  return e.rule === undefined ? `${e.code}: ${e.message}` : `${e.code}: ${e.message}; decided by \`${e.rule}\``;
}

export function errorBody(protocol: Protocol, e: ProxyError): Record<string, unknown> {
  const spec = REQUEST_ERRORS[e.code];
  if (protocol === 'anthropic') return { type: 'error', error: { type: anthropicType(spec.status), message: fullMessage(e) } };
  const error: Record<string, unknown> = { type: spec.type, code: e.code, message: e.rule === undefined ? e.message : `${e.message}; decided by \`${e.rule}\``, param: null };
  if (e.rule !== undefined) error.rule = e.rule;
  return { error };
}

/** The SSE event that ends a stream which broke after its first byte reached the client. */
export function streamErrorEvent(protocol: Protocol, e: ProxyError): string {
  if (protocol === 'anthropic') return `event: error\ndata: ${JSON.stringify(errorBody('anthropic', e))}\n\n`;
  return `data: ${JSON.stringify(errorBody('openai', e))}\n\n`;
}

/** The endpoint's protocol, from its URL: /v1/messages speaks Anthropic, everything else OpenAI. */
export const protocolOfUrl = (url: string): Protocol => (url.startsWith('/v1/messages') ? 'anthropic' : 'openai');
