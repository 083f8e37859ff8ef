// The wire shapes the translators produce (a typed subset of each API: what Switchyard maps, nothing more), the
// result of a translation, and the small readers shared by both directions. Inputs are client or provider JSON
// and arrive as `unknown`; they are narrowed field by field, and anything a translator does not know how to
// express is reported as unsupported rather than dropped.

/** A translation that could not be done: `field` names what the target protocol cannot express (a JSON path). */
export interface Unsupported {
  readonly ok: false;
  readonly field: string;
  readonly reason: string;
}

export type Translated<T> = { readonly ok: true; readonly value: T } | Unsupported;

/** A class, so that a refusal is never mistaken for client data that happens to look like one. */
export class UnsupportedField implements Unsupported {
  readonly ok = false;
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {}
}

export const unsupported = (field: string, reason: string): Unsupported => new UnsupportedField(field, reason);

/** Narrowing for the `T | Unsupported` returns of the readers. */
export const failed = (v: unknown): v is Unsupported => v instanceof UnsupportedField;

/** Token usage in neutral terms: input counts every prompt token, cached ones included (OpenAI's `prompt_tokens`). */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * What the answer to a translated request needs to know about the request. `jsonTool`: the Anthropic tool that
 * stands in for OpenAI's JSON mode, whose input is the JSON answer.
 */
export interface ResponseMode {
  readonly jsonTool: string | undefined;
}

export const PLAIN: ResponseMode = Object.freeze({ jsonTool: undefined });

/** A request body for the provider, and what its answer's translation needs. */
export interface TranslatedRequest<B> {
  readonly body: B;
  readonly mode: ResponseMode;
}

// ---- OpenAI chat completions ----

export interface OpenAITextPart {
  type: 'text';
  text: string;
}
export interface OpenAIImagePart {
  type: 'image_url';
  image_url: { url: string };
}
export interface OpenAIFilePart {
  type: 'file';
  file: { file_data: string; filename?: string };
}
export type OpenAIUserPart = OpenAITextPart | OpenAIImagePart | OpenAIFilePart;

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type OpenAIMessage =
  | { role: 'system'; content: string | OpenAITextPart[] }
  | { role: 'user'; content: string | OpenAIUserPart[] }
  | { role: 'assistant'; content: string | OpenAITextPart[] | null; tool_calls?: OpenAIToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string | OpenAITextPart[] };

export interface OpenAITool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export type OpenAIToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export interface OpenAIRequest {
  model: string;
  messages: OpenAIMessage[];
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  tools?: OpenAITool[];
  tool_choice?: OpenAIToolChoice;
  parallel_tool_calls?: boolean;
  user?: string;
  stream?: boolean;
  stream_options?: { include_usage: boolean };
}

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
}

export interface OpenAICompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: [
    {
      index: 0;
      message: { role: 'assistant'; content: string | null; refusal: null; tool_calls?: OpenAIToolCall[] };
      logprobs: null;
      finish_reason: OpenAIFinishReason;
    },
  ];
  usage?: OpenAIUsage;
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: null; code: string | null };
}

// ---- Anthropic messages ----

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
}
export interface AnthropicImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
}
export interface AnthropicDocumentBlock {
  type: 'document';
  source: { type: 'base64'; media_type: 'application/pdf'; data: string };
  title?: string;
}
export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}
export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string | AnthropicTextBlock[];
}
export type AnthropicBlock = AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock | AnthropicToolUseBlock | AnthropicToolResultBlock;

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string | AnthropicBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export interface AnthropicRequest {
  model: string;
  max_tokens: number;
  system?: string | AnthropicTextBlock[];
  messages: AnthropicMessage[];
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  metadata?: { user_id: string };
  stream?: boolean;
}

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded';

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
}

export interface AnthropicAnswer {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: (AnthropicTextBlock | AnthropicToolUseBlock)[];
  stop_reason: AnthropicStopReason;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

// ---- readers ----

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A non-negative count, else 0: usage fields are trusted only as far as their type. */
export const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);

/** A short rendering of a value for a reason: `2`, `"high"`, `{…}`. */
export function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** `image/png` and the base64 payload of a `data:` URL, or undefined when it is not one. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const meta = url.slice(5, comma);
  if (!meta.endsWith(';base64')) return undefined;
  return { mediaType: meta.slice(0, -7).toLowerCase(), data: url.slice(comma + 1) };
}

/** The JSON object a tool call's `arguments` string holds, or undefined when it holds something else. */
export function parseArguments(text: string): JsonObject | undefined {
  if (text.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
