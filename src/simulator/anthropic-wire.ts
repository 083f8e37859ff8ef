// Anthropic messages shapes: `{type: "message", content: [blocks]}` and the named SSE events of a stream.
import { textOf, tokenAt } from './text.js';
import { cachedJson, type Answer, type FinishReason, type Wire } from './wire.js';

const STOP: Record<FinishReason, string> = { stop: 'end_turn', length: 'max_tokens', tool: 'tool_use' };

const ERROR_TYPE: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  503: 'overloaded_error',
  529: 'overloaded_error',
};

const DEFAULT_MESSAGE: Record<string, string> = {
  invalid_request_error: 'invalid request',
  authentication_error: 'invalid x-api-key',
  permission_error: 'your api key does not have permission to use the specified resource',
  not_found_error: 'the requested resource could not be found',
  request_too_large: 'request exceeds the maximum allowed number of bytes',
  rate_limit_error: 'number of requests has exceeded your rate limit',
  api_error: 'internal server error',
  overloaded_error: 'overloaded',
};

function errorType(status: number): string {
  return ERROR_TYPE[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function event(name: string, data: string): string {
  return `event: ${name}\ndata: ${data}\n\n`;
}

function completion(a: Answer): string {
  const c = a.content;
  const content = c.kind === 'text'
    ? `[{"type":"text","text":${JSON.stringify(textOf(c.tokens))}}]`
    : `[{"type":"tool_use","id":"${c.id}","name":${JSON.stringify(c.name)},"input":${c.arguments}}]`;
  const usage = a.usage ? `,"usage":{"input_tokens":${a.promptTokens},"output_tokens":${a.completionTokens}}` : '';
  return `{"id":"${a.id}","type":"message","role":"assistant","model":${cachedJson(a.model)},"content":${content},"stop_reason":"${STOP[a.finish]}","stop_sequence":null${usage}}`;
}

function streamFrames(a: Answer): string[] {
  const startUsage = a.usage ? `,"usage":{"input_tokens":${a.promptTokens},"output_tokens":0}` : '';
  const frames = [
    event('message_start', `{"type":"message_start","message":{"id":"${a.id}","type":"message","role":"assistant","model":${cachedJson(a.model)},"content":[],"stop_reason":null,"stop_sequence":null${startUsage}}}`),
  ];
  const c = a.content;
  if (c.kind === 'text') {
    frames.push(event('content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'));
    for (let i = 0; i < c.tokens; i++) {
      frames.push(event('content_block_delta', `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${cachedJson(tokenAt(i))}}}`));
    }
  } else {
    frames.push(event('content_block_start', `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"${c.id}","name":${JSON.stringify(c.name)},"input":{}}}`));
    for (const piece of c.pieces) {
      frames.push(event('content_block_delta', `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":${JSON.stringify(piece)}}}`));
    }
  }
  frames.push(event('content_block_stop', '{"type":"content_block_stop","index":0}'));
  const endUsage = a.usage ? `,"usage":{"output_tokens":${a.completionTokens}}` : '';
  frames.push(event('message_delta', `{"type":"message_delta","delta":{"stop_reason":"${STOP[a.finish]}","stop_sequence":null}${endUsage}}`));
  frames.push(event('message_stop', '{"type":"message_stop"}'));
  return frames;
}

export const anthropicWire: Wire = {
  protocol: 'anthropic',
  requestIdHeader: 'request-id',
  errorBody(status, message) {
    const type = errorType(status);
    return JSON.stringify({ type: 'error', error: { type, message: message || (DEFAULT_MESSAGE[type] ?? 'error') } });
  },
  completion,
  streamFrames,
  models(models) {
    const data = models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' }));
    return JSON.stringify({ data, has_more: false, first_id: models[0] ?? null, last_id: models.at(-1) ?? null });
  },
};
