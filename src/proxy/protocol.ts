// The two wire protocols the proxy speaks: what a client request must look like, where it goes upstream, and
// where usage sits in an answer. A candidate of the other protocol gets the request translated (translation.ts).
import { estimatePromptTokens } from '../classify/tokens.js';
import { scanRawBody, withModel, withModelAndUsage, type RawBody } from './raw-body.js';

export type Protocol = 'openai' | 'anthropic';

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** A validated API request body and what the decision needs from it. */
export interface ApiRequest {
  readonly protocol: Protocol;
  readonly body: Readonly<Record<string, unknown>>;
  readonly model: string;
  readonly stream: boolean;
  readonly maxTokens: number | undefined;
  /** OpenAI: the client asked for the usage chunk (`stream_options.include_usage`). */
  readonly clientWantsUsage: boolean;
  readonly promptTokens: number;
  /** The client's JSON text, when it is known and can be forwarded with only its `model` replaced. */
  readonly raw: RawBody | undefined;
}

export type ParseResult = { ok: true; value: ApiRequest } | { ok: false; message: string };

/**
 * Path appended to a provider's `baseUrl`, following each SDK's convention: OpenAI base URLs end in `/v1`
 * (`https://api.openai.com/v1`), Anthropic's do not (`https://api.anthropic.com`).
 */
export const UPSTREAM_PATH: Readonly<Record<Protocol, string>> = { openai: '/chat/completions', anthropic: '/v1/messages' };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const show = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
};

function tokenField(body: Record<string, unknown>, field: string): { ok: true; value: number | undefined } | { ok: false; message: string } {
  const v = body[field];
  if (v === undefined || v === null) return { ok: true, value: undefined };
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) return { ok: false, message: `\`${field}\` must be a positive integer, got \`${show(v)}\`` };
  return { ok: true, value: v };
}

/** `text`: the JSON text `body` was parsed from, when known (forwarded as text, see raw-body.ts). */
export function parseApiRequest(protocol: Protocol, body: unknown, text?: string): ParseResult {
  if (!isObject(body)) return { ok: false, message: 'the request body must be a JSON object' };
  const model = body.model;
  if (typeof model !== 'string' || model === '') return { ok: false, message: `\`model\` must be a non-empty string, got \`${show(model)}\`` };
  if (!Array.isArray(body.messages)) return { ok: false, message: `\`messages\` must be a list, got \`${show(body.messages)}\`` };
  const stream = body.stream;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') return { ok: false, message: `\`stream\` must be true or false, got \`${show(stream)}\`` };
  let maxTokens: number | undefined;
  // OpenAI's newer field wins over the deprecated one, as the API does.
  for (const field of protocol === 'openai' ? ['max_completion_tokens', 'max_tokens'] : ['max_tokens']) {
    const r = tokenField(body, field);
    if (!r.ok) return r;
    maxTokens ??= r.value;
  }
  // Anthropic's Messages API requires it: refused here, whichever protocol the chosen candidate speaks, so the
  // outcome does not depend on the route (a translated candidate would otherwise get its Model's limit).
  if (protocol === 'anthropic' && maxTokens === undefined) return { ok: false, message: '`max_tokens` is required on /v1/messages' };
  const options = body.stream_options;
  const clientWantsUsage = isObject(options) && options.include_usage === true;
  const raw = text === undefined || text === '' ? undefined : scanRawBody(text);
  return { ok: true, value: { protocol, body, model, stream: stream === true, maxTokens, clientWantsUsage, promptTokens: estimatePromptTokens(body), raw } };
}

/**
 * The body sent upstream: the client's, with the upstream model and (OpenAI streams) usage requested. The client's
 * own text when it is known (only its `model` value replaced, and usage asked for by a member put first); else the
 * parsed body serialised again.
 */
export function upstreamBody(req: ApiRequest, upstreamModel: string): string {
  const asksUsage = req.protocol === 'openai' && req.stream && !req.clientWantsUsage;
  const raw = req.raw;
  if (raw !== undefined && !asksUsage) return withModel(raw, upstreamModel);
  if (raw !== undefined && !raw.streamOptions) return withModelAndUsage(raw, upstreamModel);
  if (asksUsage) {
    const options = isObject(req.body.stream_options) ? req.body.stream_options : {};
    // Object.assign, not `{ ...body, stream_options }`: a spread copy that gains a property costs a fresh hidden
    // class per request on Node 20's V8 (test/support/hidden-class.ts). Assigning is safe here: the JSON parser
    // refuses a body with a `__proto__` key (test/proxy/requests.test.ts).
    return JSON.stringify(Object.assign({}, req.body, { model: upstreamModel, stream_options: Object.assign({}, options, { include_usage: true }) }));
  }
  return JSON.stringify(Object.assign({}, req.body, { model: upstreamModel }));
}

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);

/** Usage from a non-streaming answer body (already parsed), or undefined when the provider reported none. */
export function usageOf(protocol: Protocol, answer: unknown): Usage | undefined {
  if (!isObject(answer) || !isObject(answer.usage)) return undefined;
  const u = answer.usage;
  return protocol === 'openai'
    ? { inputTokens: count(u.prompt_tokens), outputTokens: count(u.completion_tokens) }
    : // Cache reads and writes are prompt tokens too (OpenAI's prompt_tokens include cached ones).
      { inputTokens: count(u.input_tokens) + count(u.cache_creation_input_tokens) + count(u.cache_read_input_tokens), outputTokens: count(u.output_tokens) };
}

const textOf = (v: unknown): number => (typeof v === 'string' ? v.length : 0);

/**
 * Characters of answer text in a non-streaming answer (OpenAI `choices[].message.content` and tool-call
 * arguments; Anthropic `content[].text`): what it is billed by when the provider reported no usage.
 */
export function answerTextChars(protocol: Protocol, answer: unknown): number {
  if (!isObject(answer)) return 0;
  let n = 0;
  if (protocol === 'openai') {
    for (const choice of Array.isArray(answer.choices) ? answer.choices : []) {
      const message = isObject(choice) ? choice.message : undefined;
      if (!isObject(message)) continue;
      n += textOf(message.content);
      for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
        if (isObject(call) && isObject(call.function)) n += textOf(call.function.arguments);
      }
    }
    return n;
  }
  for (const block of Array.isArray(answer.content) ? answer.content : []) {
    if (!isObject(block)) continue;
    n += textOf(block.text) + textOf(block.thinking);
    if (block.input !== undefined) n += JSON.stringify(block.input).length;
  }
  return n;
}
