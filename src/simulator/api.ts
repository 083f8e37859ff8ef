// Answers `POST /v1/chat/completions` and `POST /v1/messages`: record, authenticate, validate, pick a fault,
// wait, then answer (or fail) in the protocol's own shape.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { assertNever, type Fault, type FaultAction } from './faults.js';
import { parseRequest, type SimRequest } from './request.js';
import { pause, resetConnection, sendJson, sendStream, sendTruncatedJson } from './respond.js';
import type { SimulatorState } from './state.js';
import { argumentPieces } from './text.js';
import type { Answer, Wire } from './wire.js';

const NORMAL: FaultAction = Object.freeze({ kind: 'respond', cutAfterChunks: null, noUsage: false });

/** The key presented: Anthropic clients send `x-api-key`, OpenAI clients `authorization: Bearer`; either is read. */
export function apiKeyOf(req: IncomingMessage, wire: Wire): string {
  const auth = req.headers.authorization;
  const bearer = typeof auth === 'string' && /^bearer /i.test(auth) ? auth.slice(7).trim() : '';
  const header = req.headers['x-api-key'];
  const xKey = typeof header === 'string' ? header : '';
  return wire.protocol === 'anthropic' ? xKey || bearer : bearer || xKey;
}

function tokenOverride(req: IncomingMessage): number | null {
  const h = req.headers['x-sim-tokens'];
  if (typeof h !== 'string' || !/^\d{1,6}$/.test(h)) return null;
  return Number(h);
}

function buildAnswer(request: SimRequest, seq: number, tokens: number, noUsage: boolean): Answer {
  const openai = request.protocol === 'openai';
  const base = {
    id: openai ? `chatcmpl-sim${seq}` : `msg_sim${seq}`,
    model: request.model,
    created: Math.floor(Date.now() / 1000),
    promptTokens: request.promptTokens,
    usage: !noUsage,
    includeUsage: request.includeUsage,
  };
  if (request.toolCall !== null) {
    const pieces = argumentPieces(request.toolCall.arguments);
    return {
      ...base,
      content: { kind: 'tool', id: openai ? `call_sim${seq}` : `toolu_sim${seq}`, name: request.toolCall.name, arguments: request.toolCall.arguments, pieces },
      finish: 'tool',
      completionTokens: pieces.length,
    };
  }
  const bounded = request.maxTokens !== null && request.maxTokens < tokens;
  const n = bounded ? (request.maxTokens ?? tokens) : tokens;
  return { ...base, content: { kind: 'text', tokens: n }, finish: bounded ? 'length' : 'stop', completionTokens: n };
}

function statusBody(wire: Wire, status: number, body: unknown): { text: string; type: string } {
  if (body === undefined) return { text: wire.errorBody(status, ''), type: 'application/json' };
  if (typeof body === 'string') return { text: body, type: 'text/plain; charset=utf-8' };
  return { text: JSON.stringify(body), type: 'application/json' };
}

export async function handleApi(
  state: SimulatorState,
  wire: Wire,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  rawBody: string,
): Promise<void> {
  const apiKey = apiKeyOf(req, wire);
  let body: unknown = rawBody;
  let json = true;
  try {
    body = JSON.parse(rawBody);
  } catch {
    json = false;
  }
  const { stats } = state;
  stats.seen({ method: req.method ?? 'POST', path, headers: req.headers, body, text: rawBody, apiKey });
  const config = state.config;
  const seq = state.nextSeq();
  const headers: OutgoingHttpHeaders = { [wire.requestIdHeader]: `req_sim${seq}` };

  if (config.requireKey !== null && apiKey !== config.requireKey) {
    sendJson(res, 401, wire.errorBody(401, apiKey === '' ? 'missing api key' : 'invalid api key'), headers);
    return;
  }
  if (!json) {
    sendJson(res, 400, wire.errorBody(400, 'the request body is not valid json'), headers);
    return;
  }
  const parsed = parseRequest(wire.protocol, body, req.headers['x-sim-tool-call'] === '1');
  if (!parsed.ok) {
    sendJson(res, 400, wire.errorBody(400, parsed.message), headers);
    return;
  }
  const request = parsed.value;
  stats.model(request.model);

  const fault: Fault | null = state.queue.take(path, request.model, apiKey) ?? state.random.pick(config);
  if (fault !== null) {
    stats.fault(fault.label);
    Object.assign(headers, fault.headers);
    headers['x-sim-fault'] = fault.label;
  }
  stats.inFlight += 1;
  try {
    const delay = config.latencyMs + (fault?.delayMs ?? 0);
    if (delay > 0 && !(await pause(delay, res))) return;
    const action = fault?.action ?? NORMAL;
    switch (action.kind) {
      case 'reset':
        resetConnection(req);
        return;
      case 'status': {
        if (action.retryAfter !== null) headers['retry-after'] = String(action.retryAfter);
        const { text, type } = statusBody(wire, action.status, action.body);
        sendJson(res, action.status, text, headers, type);
        return;
      }
      case 'respond': {
        const answer = buildAnswer(request, seq, tokenOverride(req) ?? config.tokens, action.noUsage);
        if (!request.stream) {
          const text = wire.completion(answer);
          if (action.cutAfterChunks !== null) sendTruncatedJson(res, 200, text, headers);
          else sendJson(res, 200, text, headers);
          return;
        }
        stats.streams += 1;
        const outcome = await sendStream(res, wire.streamFrames(answer), headers, config.tokenIntervalMs, action.cutAfterChunks);
        if (outcome === 'cut') stats.streamsCut += 1;
        else if (outcome === 'aborted') stats.streamsAborted += 1;
        return;
      }
      default:
        assertNever(action);
    }
  } finally {
    stats.inFlight -= 1;
  }
}
