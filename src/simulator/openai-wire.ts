// OpenAI chat-completions shapes. Bodies are assembled from pre-serialised pieces: the answer text for a given
// token count is serialised once, so a non-streaming reply costs a few string concatenations.
import { textOf, tokenAt } from './text.js';
import { cachedJson, type Answer, type FinishReason, type Wire } from './wire.js';

const FINISH: Record<FinishReason, string> = { stop: 'stop', length: 'length', tool: 'tool_calls' };

const ERROR_KIND: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'invalid request' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { type: 'permission_error', code: null, message: 'You are not allowed to make this request.' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist or you do not have access to it.' },
  413: { type: 'invalid_request_error', code: 'request_too_large', message: 'Request too large.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request.' },
  503: { type: 'server_error', code: null, message: 'The server is overloaded or not ready yet.' },
};

function errorKind(status: number): { type: string; code: string | null; message: string } {
  return ERROR_KIND[status] ?? (status >= 500 ? { ...ERROR_KIND[500]!, message: `upstream error ${status}` } : { ...ERROR_KIND[400]!, message: `request failed with status ${status}` });
}

const choicesCache = new Map<string, string>();

function textChoices(tokens: number, finish: FinishReason): string {
  const key = `${tokens}:${finish}`;
  let s = choicesCache.get(key);
  if (s === undefined) {
    s = `"choices":[{"index":0,"message":{"role":"assistant","content":${JSON.stringify(textOf(tokens))},"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"${FINISH[finish]}"}]`;
    if (choicesCache.size < 1024) choicesCache.set(key, s);
  }
  return s;
}

function usageJson(a: Answer): string {
  return `{"prompt_tokens":${a.promptTokens},"completion_tokens":${a.completionTokens},"total_tokens":${a.promptTokens + a.completionTokens}}`;
}

function completion(a: Answer): string {
  let choices: string;
  const c = a.content;
  if (c.kind === 'text') {
    choices = textChoices(c.tokens, a.finish);
  } else {
    const call = `{"id":"${c.id}","type":"function","function":{"name":${JSON.stringify(c.name)},"arguments":${JSON.stringify(c.arguments)}}}`;
    choices = `"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[${call}],"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"tool_calls"}]`;
  }
  const usage = a.usage ? `,"usage":${usageJson(a)}` : '';
  return `{"id":"${a.id}","object":"chat.completion","created":${a.created},"model":${cachedJson(a.model)},${choices}${usage},"system_fingerprint":null}`;
}

function streamFrames(a: Answer): string[] {
  const head = `data: {"id":"${a.id}","object":"chat.completion.chunk","created":${a.created},"model":${cachedJson(a.model)},"system_fingerprint":null,"choices":[{"index":0,"delta":`;
  // With include_usage, OpenAI sends `"usage":null` on every chunk but the last.
  const tail = a.includeUsage ? ',"logprobs":null,"finish_reason":null}],"usage":null}\n\n' : ',"logprobs":null,"finish_reason":null}]}\n\n';
  const frames: string[] = [];
  const c = a.content;
  if (c.kind === 'text') {
    frames.push(`${head}{"role":"assistant","content":"","refusal":null}${tail}`);
    for (let i = 0; i < c.tokens; i++) frames.push(`${head}{"content":${cachedJson(tokenAt(i))}}${tail}`);
  } else {
    frames.push(`${head}{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"${c.id}","type":"function","function":{"name":${JSON.stringify(c.name)},"arguments":""}}],"refusal":null}${tail}`);
    for (const piece of c.pieces) frames.push(`${head}{"tool_calls":[{"index":0,"function":{"arguments":${JSON.stringify(piece)}}}]}${tail}`);
  }
  const finishTail = a.includeUsage ? `,"logprobs":null,"finish_reason":"${FINISH[a.finish]}"}],"usage":null}\n\n` : `,"logprobs":null,"finish_reason":"${FINISH[a.finish]}"}]}\n\n`;
  frames.push(`${head}{}${finishTail}`);
  if (a.includeUsage && a.usage) {
    frames.push(`data: {"id":"${a.id}","object":"chat.completion.chunk","created":${a.created},"model":${cachedJson(a.model)},"system_fingerprint":null,"choices":[],"usage":${usageJson(a)}}\n\n`);
  }
  frames.push('data: [DONE]\n\n');
  return frames;
}

export const openaiWire: Wire = {
  protocol: 'openai',
  requestIdHeader: 'x-request-id',
  errorBody(status, message, code) {
    const kind = errorKind(status);
    return JSON.stringify({ error: { message: message || kind.message, type: kind.type, param: null, code: code === undefined ? kind.code : code } });
  },
  completion,
  streamFrames,
  models(models) {
    return JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'switchyard-simulator' })) });
  },
};
