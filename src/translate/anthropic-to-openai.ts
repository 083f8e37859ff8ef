// Anthropic-shaped → OpenAI-shaped: the request of an Anthropic client for an `api: openai` provider, and the
// answer and error bodies of an `api: anthropic` provider for an OpenAI client. As in the other direction, the
// request goes through one table with a rule per Anthropic field, and what OpenAI cannot express is refused
// with the field's name.
import { conversationToOpenAI } from './anthropic-messages.js';
import { applyFields, asLimit, asList, asNumber, asObject, asString, failed, handled, keys, onlyDefault, onlyKeys, type FieldRule } from './fields.js';
import {
  count,
  isObject,
  PLAIN,
  shown,
  unsupported,
  type JsonObject,
  type OpenAICompletion,
  type OpenAIErrorBody,
  type OpenAIRequest,
  type OpenAITool,
  type OpenAIToolCall,
  type OpenAIToolChoice,
  type OpenAIUsage,
  type ResponseMode,
  type TokenUsage,
  type Translated,
  type TranslatedRequest,
  type Unsupported,
} from './types.js';
import { finishOfStop, OPENAI_ERROR_TYPE, OPENAI_MAX_STOP, TOOL_CHOICE_MODE } from './vocabulary.js';

const TARGET = 'openai';

/** The candidate a request is translated for. */
export interface OpenAITarget {
  readonly model: string;
}

interface Draft {
  maxTokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  user?: string;
  stream?: boolean;
}

/** Every Anthropic messages field, and what OpenAI makes of it. */
const REQUEST_FIELDS: Readonly<Record<string, FieldRule<Draft>>> = {
  model: handled,
  messages: handled,
  system: handled,
  tools: handled,
  tool_choice: handled,
  max_tokens: (v, d, f) => {
    const n = asLimit(v, f);
    return failed(n) ? n : void (d.maxTokens = n);
  },
  temperature: (v, d, f) => {
    const t = asNumber(v, f, 0, 1, TARGET);
    return failed(t) ? t : void (d.temperature = t);
  },
  top_p: (v, d, f) => {
    const p = asNumber(v, f, 0, 1, TARGET);
    return failed(p) ? p : void (d.top_p = p);
  },
  stop_sequences: (v, d, f) => {
    const list = asList(v, f);
    if (failed(list)) return list;
    if (list.length > OPENAI_MAX_STOP) return unsupported(f, `${TARGET} takes at most ${OPENAI_MAX_STOP} stop sequences, got ${list.length}`);
    const stop: string[] = [];
    for (let i = 0; i < list.length; i++) {
      const s = asString(list[i], `${f}[${i}]`);
      if (failed(s)) return s;
      stop.push(s);
    }
    d.stop = stop;
    return undefined;
  },
  stream: (v, d, f) => (typeof v === 'boolean' ? void (d.stream = v) : unsupported(f, `\`${f}\` must be true or false`)),
  metadata: (v, d, f) => {
    const o = asObject(v, f);
    if (failed(o)) return o;
    const extra = onlyKeys(o, keys('user_id'), f, TARGET);
    if (extra !== undefined) return extra;
    if (typeof o.user_id === 'string') d.user = o.user_id;
    return undefined;
  },
  // Extended thinking has no counterpart in chat completions.
  thinking: onlyDefault((v) => isObject(v) && v.type === 'disabled', TARGET),
  service_tier: onlyDefault((v) => v === 'auto', TARGET),
};

function tools(v: unknown): OpenAITool[] | Unsupported {
  const list = asList(v, 'tools');
  if (failed(list)) return list;
  const out: OpenAITool[] = [];
  for (let i = 0; i < list.length; i++) {
    const at = `tools[${i}]`;
    const t = asObject(list[i], at);
    if (failed(t)) return t;
    // Server tools (web search, code execution, computer use…) run at Anthropic; only client tools translate.
    if (t.type !== undefined && t.type !== null && t.type !== 'custom') return unsupported(`${at}.type`, `${TARGET} has no \`${shown(t.type)}\` tool`);
    const extra = onlyKeys(t, keys('type', 'name', 'description', 'input_schema', 'cache_control'), at, TARGET);
    if (extra !== undefined) return extra;
    const name = asString(t.name, `${at}.name`);
    if (failed(name)) return name;
    const schema = asObject(t.input_schema, `${at}.input_schema`);
    if (failed(schema)) return schema;
    const fn: OpenAITool['function'] = { name, parameters: schema };
    if (typeof t.description === 'string') fn.description = t.description;
    out.push({ type: 'function', function: fn });
  }
  return out;
}

function toolChoice(v: unknown): { choice: OpenAIToolChoice; parallel: boolean | undefined } | Unsupported {
  const o = asObject(v, 'tool_choice');
  if (failed(o)) return o;
  const extra = onlyKeys(o, keys('type', 'name', 'disable_parallel_tool_use'), 'tool_choice', TARGET);
  if (extra !== undefined) return extra;
  const parallel = o.disable_parallel_tool_use === true ? false : undefined;
  if (o.type === 'tool') {
    const name = asString(o.name, 'tool_choice.name');
    return failed(name) ? name : { choice: { type: 'function', function: { name } }, parallel };
  }
  if (typeof o.type === 'string' && Object.hasOwn(TOOL_CHOICE_MODE, o.type)) return { choice: TOOL_CHOICE_MODE[o.type as keyof typeof TOOL_CHOICE_MODE], parallel };
  return unsupported('tool_choice.type', `${TARGET} has no \`${shown(o.type)}\` tool choice`);
}

/** An Anthropic messages request as an OpenAI chat-completions request for `target`. */
export function anthropicRequestToOpenAI(body: JsonObject, target: OpenAITarget): Translated<TranslatedRequest<OpenAIRequest>> {
  const draft: Draft = {};
  const refused = applyFields(body, REQUEST_FIELDS, draft, '', TARGET);
  if (refused !== undefined) return refused;
  const messages = conversationToOpenAI(body.system, body.messages);
  if (!messages.ok) return messages;
  const out: OpenAIRequest = { model: target.model, messages: messages.value };
  if (draft.maxTokens !== undefined) out.max_completion_tokens = draft.maxTokens;
  if (draft.temperature !== undefined) out.temperature = draft.temperature;
  if (draft.top_p !== undefined) out.top_p = draft.top_p;
  if (draft.stop !== undefined) out.stop = draft.stop;
  if (body.tools !== undefined && body.tools !== null) {
    const list = tools(body.tools);
    if (failed(list)) return list;
    out.tools = list;
  }
  if (body.tool_choice !== undefined && body.tool_choice !== null) {
    const choice = toolChoice(body.tool_choice);
    if (failed(choice)) return choice;
    out.tool_choice = choice.choice;
    if (choice.parallel !== undefined) out.parallel_tool_calls = choice.parallel;
  }
  if (draft.user !== undefined) out.user = draft.user;
  if (draft.stream === true) {
    // Anthropic streams always report usage; an OpenAI stream does only when asked.
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return { ok: true, value: { body: out, mode: PLAIN } };
}

// ---- answers and errors of an Anthropic provider, for an OpenAI client ----

/** Anthropic usage in OpenAI's terms: prompt tokens include cache reads and writes, which Anthropic counts apart. */
export function openaiUsageOf(usage: JsonObject): OpenAIUsage {
  const cached = count(usage.cache_read_input_tokens);
  const prompt = count(usage.input_tokens) + count(usage.cache_creation_input_tokens) + cached;
  const completion = count(usage.output_tokens);
  const out: OpenAIUsage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (cached > 0) out.prompt_tokens_details = { cached_tokens: cached };
  return out;
}

/** Neutral usage of an Anthropic `usage` object. */
export function anthropicTokenUsage(usage: JsonObject): TokenUsage {
  const u = openaiUsageOf(usage);
  return { inputTokens: u.prompt_tokens, outputTokens: u.completion_tokens };
}

/** An Anthropic message as a chat completion, with the provider's usage in neutral terms (undefined: it reported none). */
export function anthropicAnswerToOpenAI(answer: unknown, mode: ResponseMode, created: number): Translated<{ body: OpenAICompletion; usage: TokenUsage | undefined }> {
  if (!isObject(answer) || !Array.isArray(answer.content)) return unsupported('content', 'the answer is not an anthropic message');
  let text = '';
  let json: string | undefined;
  const calls: OpenAIToolCall[] = [];
  for (const block of answer.content) {
    if (!isObject(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'tool_use') {
      const args = JSON.stringify(block.input ?? {});
      if (mode.jsonTool !== undefined && block.name === mode.jsonTool) json = args;
      else calls.push({ id: String(block.id ?? ''), type: 'function', function: { name: String(block.name ?? ''), arguments: args } });
    }
    // Thinking blocks come only when asked for, and a translated request never asks.
  }
  const message: OpenAICompletion['choices'][0]['message'] = { role: 'assistant', content: json ?? (text === '' && calls.length > 0 ? null : text), refusal: null };
  if (calls.length > 0) message.tool_calls = calls;
  // The answer tool stands in for JSON mode: calling it is how the answer ends, not a tool call.
  const finish = json !== undefined && calls.length === 0 ? 'stop' : finishOfStop(answer.stop_reason);
  const usage = isObject(answer.usage) ? answer.usage : undefined;
  const body: OpenAICompletion = {
    id: String(answer.id ?? ''),
    object: 'chat.completion',
    created,
    model: String(answer.model ?? ''),
    choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
  };
  if (usage !== undefined) body.usage = openaiUsageOf(usage);
  return { ok: true, value: { body, usage: usage === undefined ? undefined : anthropicTokenUsage(usage) } };
}

/** An Anthropic error body (parsed JSON, or the raw text when it was not JSON) as OpenAI's, for the same status. */
export function anthropicErrorToOpenAI(status: number, body: unknown): OpenAIErrorBody {
  const error = isObject(body) && isObject(body.error) ? body.error : undefined;
  const type = typeof error?.type === 'string' ? error.type : undefined;
  const fallback = typeof body === 'string' && body.trim() !== '' ? body.trim().slice(0, 500) : `provider error ${status}`;
  return {
    error: {
      message: typeof error?.message === 'string' ? error.message : fallback,
      type: (type === undefined ? undefined : OPENAI_ERROR_TYPE[type]) ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
      param: null,
      code: type ?? null,
    },
  };
}
