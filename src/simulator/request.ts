// Narrows a request body (unknown JSON) to what the simulator needs to answer it, per wire protocol.
import { contentText, estimatePromptTokens, sampleFromSchema } from './text.js';

export type Protocol = 'openai' | 'anthropic';

export interface ToolCall {
  readonly name: string;
  /** The arguments as a JSON string. */
  readonly arguments: string;
}

export interface SimRequest {
  readonly protocol: Protocol;
  readonly model: string;
  readonly stream: boolean;
  /** OpenAI streams carry usage only when `stream_options.include_usage` is true; Anthropic streams always do. */
  readonly includeUsage: boolean;
  readonly maxTokens: number | null;
  readonly promptTokens: number;
  /** Set when the request is to be answered with a tool call rather than text. */
  readonly toolCall: ToolCall | null;
}

export type ParseResult = { ok: true; value: SimRequest } | { ok: false; message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const WEATHER = /\bweather\b/i;

interface ToolDef {
  readonly name: string;
  readonly schema: unknown;
}

function toolDefs(protocol: Protocol, tools: unknown): ToolDef[] {
  if (!Array.isArray(tools)) return [];
  const out: ToolDef[] = [];
  for (const t of tools) {
    if (!isRecord(t)) continue;
    if (protocol === 'openai') {
      const fn = t.function;
      if (isRecord(fn) && typeof fn.name === 'string') out.push({ name: fn.name, schema: fn.parameters });
    } else if (typeof t.name === 'string') {
      out.push({ name: t.name, schema: t.input_schema });
    }
  }
  return out;
}

/** The tool to call, if the request offers tools and its last message is a user turn asking about the weather. */
function chooseToolCall(protocol: Protocol, body: Record<string, unknown>, messages: readonly unknown[], forced: boolean): ToolCall | null {
  const tools = toolDefs(protocol, body.tools);
  if (tools.length === 0) return null;
  if (!forced) {
    const last = messages.at(-1);
    if (!isRecord(last) || last.role !== 'user' || !WEATHER.test(contentText(last.content))) return null;
  }
  const tool = tools.find((t) => /weather/i.test(t.name)) ?? tools[0];
  if (tool === undefined) return null;
  return { name: tool.name, arguments: JSON.stringify(sampleFromSchema(tool.schema)) };
}

function positiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/**
 * Reads the fields both protocols share. Anthropic requires `max_tokens` as its API does, so a proxy that
 * translates a request and forgets it fails here, not in production.
 */
export function parseRequest(protocol: Protocol, body: unknown, forceToolCall: boolean): ParseResult {
  if (!isRecord(body)) return { ok: false, message: 'the request body must be a json object' };
  const { model, messages } = body;
  if (typeof model !== 'string' || model === '') return { ok: false, message: '`model` is required and must be a string' };
  if (!Array.isArray(messages)) return { ok: false, message: '`messages` is required and must be a list' };

  const rawMax = protocol === 'openai' ? (body.max_completion_tokens ?? body.max_tokens) : body.max_tokens;
  if (rawMax !== undefined && rawMax !== null && !positiveInt(rawMax)) {
    return { ok: false, message: `\`max_tokens\` must be a positive integer, got \`${JSON.stringify(rawMax)}\`` };
  }
  if (protocol === 'anthropic' && rawMax === undefined) return { ok: false, message: '`max_tokens` is required' };
  const maxTokens = positiveInt(rawMax) ? rawMax : null;

  const stream = body.stream === true;
  const streamOptions = body.stream_options;
  const includeUsage = protocol === 'anthropic' || (isRecord(streamOptions) && streamOptions.include_usage === true);
  const system = protocol === 'anthropic' ? body.system : undefined;

  return {
    ok: true,
    value: {
      protocol,
      model,
      stream,
      includeUsage,
      maxTokens,
      promptTokens: estimatePromptTokens(system, messages),
      toolCall: chooseToolCall(protocol, body, messages, forceToolCall),
    },
  };
}
