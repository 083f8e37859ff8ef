// OpenAI-shaped → Anthropic-shaped: the request of an OpenAI client for an `api: anthropic` provider, and the
// answer and error bodies of an `api: openai` provider for an Anthropic client. The request is read through one
// table with a rule per OpenAI field; a field without a rule, or with a value Anthropic cannot express, makes
// the translation unsupported and names the field.
import { applyFields, asLimit, asList, asNumber, asObject, asString, failed, handled, keys, onlyDefault, onlyKeys, type FieldRule } from './fields.js';
import { conversationToAnthropic } from './openai-messages.js';
import {
  count,
  isObject,
  parseArguments,
  PLAIN,
  shown,
  unsupported,
  type AnthropicAnswer,
  type AnthropicErrorBody,
  type AnthropicRequest,
  type AnthropicTextBlock,
  type AnthropicTool,
  type AnthropicToolChoice,
  type AnthropicToolUseBlock,
  type JsonObject,
  type TokenUsage,
  type Translated,
  type TranslatedRequest,
  type Unsupported,
} from './types.js';
import { anthropicErrorType, JSON_TOOL, stopOfFinish, TOOL_CHOICE_TYPE } from './vocabulary.js';

const TARGET = 'anthropic';

/** The candidate a request is translated for. */
export interface AnthropicTarget {
  readonly model: string;
  /** The Model's `maxOutputTokens`: Anthropic requires `max_tokens`, OpenAI clients often send none. */
  readonly maxOutputTokens: number;
}

interface Draft {
  temperature?: number;
  top_p?: number;
  stop?: string[];
  userId?: string;
  stream?: boolean;
}

const emptyObject = (v: unknown): boolean => isObject(v) && Object.keys(v).length === 0;

function stopList(v: unknown, field: string): string[] | Unsupported {
  if (typeof v === 'string') return [v];
  const list = asList(v, field);
  if (failed(list)) return list;
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const s = asString(list[i], `${field}[${i}]`);
    if (failed(s)) return s;
    out.push(s);
  }
  return out;
}

function userId(v: unknown, d: Draft, field: string): Unsupported | undefined {
  const id = asString(v, field);
  if (failed(id)) return id;
  // `user` and `safety_identifier` both identify the end user; Anthropic has one field for it.
  if (d.userId !== undefined && d.userId !== id) return unsupported(field, `${TARGET} takes one end-user id, got \`user\` and \`safety_identifier\` differing`);
  d.userId = id;
  return undefined;
}

/** Every OpenAI chat-completions field, and what Anthropic makes of it. */
const REQUEST_FIELDS: Readonly<Record<string, FieldRule<Draft>>> = {
  model: handled,
  messages: handled,
  max_tokens: handled,
  max_completion_tokens: handled,
  tools: handled,
  tool_choice: handled,
  parallel_tool_calls: handled,
  response_format: handled,
  stream: (v, d, f) => (typeof v === 'boolean' ? void (d.stream = v) : unsupported(f, `\`${f}\` must be true or false`)),
  // The translated stream always ends with usage; the proxy removes it when the client did not ask.
  stream_options: (v, _d, f) => {
    const o = asObject(v, f);
    return failed(o) ? o : onlyKeys(o, keys('include_usage', 'include_obfuscation'), f, TARGET);
  },
  // OpenAI's range is 0–2; Anthropic's is 0–1, and rescaling would change what the client asked for.
  temperature: (v, d, f) => {
    const t = asNumber(v, f, 0, 1, TARGET);
    return failed(t) ? t : void (d.temperature = t);
  },
  top_p: (v, d, f) => {
    const p = asNumber(v, f, 0, 1, TARGET);
    return failed(p) ? p : void (d.top_p = p);
  },
  stop: (v, d, f) => {
    const s = stopList(v, f);
    return failed(s) ? s : void (d.stop = s);
  },
  user: userId,
  safety_identifier: userId,
  n: onlyDefault((v) => v === 1, TARGET),
  logprobs: onlyDefault((v) => v === false, TARGET),
  top_logprobs: onlyDefault((v) => v === 0, TARGET),
  presence_penalty: onlyDefault((v) => v === 0, TARGET),
  frequency_penalty: onlyDefault((v) => v === 0, TARGET),
  logit_bias: onlyDefault(emptyObject, TARGET),
  metadata: onlyDefault(emptyObject, TARGET),
  store: onlyDefault((v) => v === false, TARGET),
  modalities: onlyDefault((v) => Array.isArray(v) && v.length === 1 && v[0] === 'text', TARGET),
  service_tier: onlyDefault((v) => v === 'auto' || v === 'default', TARGET),
};

function tools(v: unknown): AnthropicTool[] | Unsupported {
  const list = asList(v, 'tools');
  if (failed(list)) return list;
  const out: AnthropicTool[] = [];
  for (let i = 0; i < list.length; i++) {
    const at = `tools[${i}]`;
    const t = asObject(list[i], at);
    if (failed(t)) return t;
    if (t.type !== 'function') return unsupported(`${at}.type`, `${TARGET} tools are functions, not \`${shown(t.type)}\``);
    const extra = onlyKeys(t, keys('type', 'function'), at, TARGET);
    if (extra !== undefined) return extra;
    const fn = asObject(t.function, `${at}.function`);
    if (failed(fn)) return fn;
    // Strict mode guarantees arguments that match the schema; Anthropic tools make no such promise.
    const inner = onlyKeys(fn, keys('name', 'description', 'parameters', 'strict'), `${at}.function`, TARGET);
    if (inner !== undefined) return inner;
    if (fn.strict === true) return unsupported(`${at}.function.strict`, `${TARGET} tools have no strict schema mode`);
    const name = asString(fn.name, `${at}.function.name`);
    if (failed(name)) return name;
    const tool: AnthropicTool = { name, input_schema: { type: 'object', properties: {} } };
    if (typeof fn.description === 'string') tool.description = fn.description;
    if (fn.parameters !== undefined && fn.parameters !== null) {
      const schema = asObject(fn.parameters, `${at}.function.parameters`);
      if (failed(schema)) return schema;
      tool.input_schema = schema;
    }
    out.push(tool);
  }
  return out;
}

function toolChoice(v: unknown, parallel: unknown): AnthropicToolChoice | Unsupported {
  let choice: AnthropicToolChoice;
  if (typeof v === 'string' && Object.hasOwn(TOOL_CHOICE_TYPE, v)) {
    choice = { type: TOOL_CHOICE_TYPE[v as keyof typeof TOOL_CHOICE_TYPE] };
  } else if (v === undefined || v === null) {
    choice = { type: 'auto' };
  } else {
    const o = asObject(v, 'tool_choice');
    if (failed(o)) return o;
    if (o.type !== 'function') return unsupported('tool_choice.type', `${TARGET} cannot force a \`${shown(o.type)}\` tool choice`);
    const fn = asObject(o.function, 'tool_choice.function');
    if (failed(fn)) return fn;
    const name = asString(fn.name, 'tool_choice.function.name');
    if (failed(name)) return name;
    choice = { type: 'tool', name };
  }
  if (parallel === false && choice.type !== 'none') choice.disable_parallel_tool_use = true;
  else if (parallel !== undefined && parallel !== null && typeof parallel !== 'boolean') return unsupported('parallel_tool_calls', '`parallel_tool_calls` must be true or false');
  return choice;
}

/** OpenAI JSON mode as a tool Anthropic must call, whose input is the JSON answer; undefined for plain text. */
function jsonTool(v: unknown, hasTools: boolean): AnthropicTool | undefined | Unsupported {
  if (v === undefined || v === null) return undefined;
  const rf = asObject(v, 'response_format');
  if (failed(rf)) return rf;
  if (rf.type === 'text') return undefined;
  if (rf.type !== 'json_object' && rf.type !== 'json_schema') return unsupported('response_format.type', `${TARGET} has no \`${shown(rf.type)}\` response format`);
  // The answer tool must be forced, which would stop the model from calling the client's own tools.
  if (hasTools) return unsupported('response_format', `${TARGET} cannot combine JSON mode with tools`);
  if (rf.type === 'json_object') return { name: JSON_TOOL, description: 'Answer with a JSON object.', input_schema: { type: 'object' } };
  const js = asObject(rf.json_schema, 'response_format.json_schema');
  if (failed(js)) return js;
  const extra = onlyKeys(js, keys('name', 'description', 'schema', 'strict'), 'response_format.json_schema', TARGET);
  if (extra !== undefined) return extra;
  if (js.strict === true) return unsupported('response_format.json_schema.strict', `${TARGET} cannot guarantee an answer that matches a schema`);
  const name = asString(js.name, 'response_format.json_schema.name');
  if (failed(name)) return name;
  const schema = js.schema === undefined || js.schema === null ? { type: 'object' } : asObject(js.schema, 'response_format.json_schema.schema');
  if (failed(schema)) return schema;
  if (schema.type !== 'object') return unsupported('response_format.json_schema.schema.type', `${TARGET} can only produce a JSON object answer`);
  return { name, description: typeof js.description === 'string' ? js.description : 'Answer with JSON matching this schema.', input_schema: schema };
}

/** An OpenAI chat-completions request as an Anthropic messages request for `target`. */
export function openaiRequestToAnthropic(body: JsonObject, target: AnthropicTarget): Translated<TranslatedRequest<AnthropicRequest>> {
  const draft: Draft = {};
  const refused = applyFields(body, REQUEST_FIELDS, draft, '', TARGET);
  if (refused !== undefined) return refused;
  const conversation = conversationToAnthropic(body.messages);
  if (!conversation.ok) return conversation;
  const limitField = body.max_completion_tokens !== undefined && body.max_completion_tokens !== null ? 'max_completion_tokens' : 'max_tokens';
  const limit = body[limitField] === undefined || body[limitField] === null ? target.maxOutputTokens : asLimit(body[limitField], limitField);
  if (failed(limit)) return limit;

  const out: AnthropicRequest = { model: target.model, max_tokens: limit, messages: conversation.value.messages };
  const system = conversation.value.system;
  if (system.length > 0) out.system = system.length === 1 ? system[0]!.text : system;
  if (draft.stop !== undefined) out.stop_sequences = draft.stop;
  if (draft.temperature !== undefined) out.temperature = draft.temperature;
  if (draft.top_p !== undefined) out.top_p = draft.top_p;
  const hasTools = body.tools !== undefined && body.tools !== null;
  if (hasTools) {
    const list = tools(body.tools);
    if (failed(list)) return list;
    out.tools = list;
  }
  if (hasTools || (body.tool_choice !== undefined && body.tool_choice !== null)) {
    const choice = toolChoice(body.tool_choice, body.parallel_tool_calls);
    if (failed(choice)) return choice;
    out.tool_choice = choice;
  }
  const json = jsonTool(body.response_format, hasTools);
  if (failed(json)) return json;
  if (json !== undefined) {
    out.tools = [json];
    out.tool_choice = { type: 'tool', name: json.name };
  }
  if (draft.userId !== undefined) out.metadata = { user_id: draft.userId };
  if (draft.stream === true) out.stream = true;
  return { ok: true, value: { body: out, mode: json === undefined ? PLAIN : { jsonTool: json.name } } };
}

// ---- answers and errors of an OpenAI provider, for an Anthropic client ----

/** OpenAI usage in Anthropic's terms: cached prompt tokens are reported apart from `input_tokens`, as Anthropic does. */
export function anthropicUsageOf(usage: JsonObject): { input_tokens: number; output_tokens: number; cache_read_input_tokens?: number } {
  const details = isObject(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  const cached = count(details.cached_tokens);
  const prompt = count(usage.prompt_tokens);
  const out: { input_tokens: number; output_tokens: number; cache_read_input_tokens?: number } = {
    input_tokens: Math.max(0, prompt - cached),
    output_tokens: count(usage.completion_tokens),
  };
  if (cached > 0) out.cache_read_input_tokens = cached;
  return out;
}

/** Neutral usage of an OpenAI `usage` object (prompt tokens include cached ones). */
export const openaiTokenUsage = (usage: JsonObject): TokenUsage => ({ inputTokens: count(usage.prompt_tokens), outputTokens: count(usage.completion_tokens) });

/** A chat completion as an Anthropic message, with the provider's usage in neutral terms (undefined: it reported none). */
export function openaiAnswerToAnthropic(answer: unknown): Translated<{ body: AnthropicAnswer; usage: TokenUsage | undefined }> {
  if (!isObject(answer) || !Array.isArray(answer.choices)) return unsupported('choices', 'the answer is not a chat completion');
  const choice = answer.choices[0];
  if (!isObject(choice) || !isObject(choice.message)) return unsupported('choices[0].message', 'the answer has no message');
  const message = choice.message;
  const content: (AnthropicTextBlock | AnthropicToolUseBlock)[] = [];
  if (typeof message.content === 'string' && message.content !== '') content.push({ type: 'text', text: message.content });
  const refusal = typeof message.refusal === 'string' && message.refusal !== '' ? message.refusal : undefined;
  if (refusal !== undefined) content.push({ type: 'text', text: refusal });
  for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
    if (!isObject(call) || !isObject(call.function)) continue;
    const args = typeof call.function.arguments === 'string' ? call.function.arguments : '';
    // Anthropic clients read `input` as an object; arguments that are not one (a model's malformed output) become {}.
    content.push({ type: 'tool_use', id: String(call.id ?? ''), name: String(call.function.name ?? ''), input: parseArguments(args) ?? {} });
  }
  const usage = isObject(answer.usage) ? answer.usage : undefined;
  const body: AnthropicAnswer = {
    id: String(answer.id ?? ''),
    type: 'message',
    role: 'assistant',
    model: String(answer.model ?? ''),
    content,
    stop_reason: refusal !== undefined ? 'refusal' : stopOfFinish(choice.finish_reason),
    stop_sequence: null,
    usage: usage === undefined ? { input_tokens: 0, output_tokens: 0 } : anthropicUsageOf(usage),
  };
  return { ok: true, value: { body, usage: usage === undefined ? undefined : openaiTokenUsage(usage) } };
}

/** An OpenAI error body (parsed JSON, or the raw text when it was not JSON) as Anthropic's, for the same status. */
export function openaiErrorToAnthropic(status: number, body: unknown): AnthropicErrorBody {
  const error = isObject(body) && isObject(body.error) ? body.error : undefined;
  let message: string;
  if (error !== undefined) {
    message = typeof error.message === 'string' ? error.message : `provider error ${status}`;
    if (typeof error.code === 'string' && error.code !== '' && !message.includes(error.code)) message = `${message} (${error.code})`;
  } else {
    message = typeof body === 'string' && body.trim() !== '' ? body.trim().slice(0, 500) : `provider error ${status}`;
  }
  return { type: 'error', error: { type: anthropicErrorType(status), message } };
}
