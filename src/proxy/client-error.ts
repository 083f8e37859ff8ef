// Errors Node reports before a request reaches a route: the header or request timeout ran out (a client
// trickling its headers or body), or the headers were malformed or too large. The connection is answered on the
// socket and closed; a timeout gets the `request_timeout` error in the API's error shape (the endpoint, and so
// the protocol, may not be known yet: OpenAI's shape, which SDKs of both kinds read as a 408).
import type { Duplex } from 'node:stream';
import { errorBody, proxyError } from './errors.js';

const TIMEOUT_BODY = JSON.stringify(errorBody('openai', proxyError('request_timeout', 'the request was not received in time')));
const OVERSIZED_BODY = JSON.stringify(errorBody('openai', proxyError('invalid_request', 'the request headers are too large')));
const MALFORMED_BODY = JSON.stringify(errorBody('openai', proxyError('invalid_request', 'the request is not valid http')));

function response(status: number, reason: string, body: string): string {
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') socket.write(response(408, 'Request Timeout', TIMEOUT_BODY));
    else if (err.code === 'HPE_HEADER_OVERFLOW') socket.write(response(431, 'Request Header Fields Too Large', OVERSIZED_BODY));
    else socket.write(response(400, 'Bad Request', MALFORMED_BODY));
  }
  socket.destroy(err);
}
