// The value tables both directions read: stop reasons, tool choices, error types, media types. Each is total
// over the values the source API documents (`satisfies Record<…>`), so a value added to one side's type
// without a counterpart fails the build instead of being mapped to nothing.
import type { AnthropicStopReason, OpenAIFinishReason } from './types.js';

/** Anthropic `stop_reason` → OpenAI `finish_reason`. */
export const FINISH_OF_STOP = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
  // Only server tools pause a turn, and translated requests carry none; the turn ends as far as the client knows.
  pause_turn: 'stop',
} as const satisfies Record<AnthropicStopReason, OpenAIFinishReason>;

/** OpenAI `finish_reason` → Anthropic `stop_reason`. OpenAI does not say whether a stop sequence ended the text. */
export const STOP_OF_FINISH = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
} as const satisfies Record<OpenAIFinishReason, AnthropicStopReason>;

export const finishOfStop = (v: unknown): OpenAIFinishReason =>
  typeof v === 'string' && Object.hasOwn(FINISH_OF_STOP, v) ? FINISH_OF_STOP[v as AnthropicStopReason] : 'stop';

export const stopOfFinish = (v: unknown): AnthropicStopReason =>
  typeof v === 'string' && Object.hasOwn(STOP_OF_FINISH, v) ? STOP_OF_FINISH[v as OpenAIFinishReason] : 'end_turn';

/** OpenAI's string `tool_choice` values → Anthropic's `tool_choice.type`. */
export const TOOL_CHOICE_TYPE = { auto: 'auto', none: 'none', required: 'any' } as const satisfies Record<string, 'auto' | 'none' | 'any'>;

/** Anthropic's `tool_choice.type` (other than `tool`) → OpenAI's string `tool_choice`. */
export const TOOL_CHOICE_MODE = { auto: 'auto', none: 'none', any: 'required' } as const satisfies Record<string, 'auto' | 'none' | 'required'>;

/** Anthropic error `type` → OpenAI error `type` (the OpenAI SDK picks its exception from the status; the type is informative). */
export const OPENAI_ERROR_TYPE: Readonly<Record<string, string>> = {
  invalid_request_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'not_found_error',
  request_too_large: 'invalid_request_error',
  rate_limit_error: 'rate_limit_error',
  api_error: 'server_error',
  overloaded_error: 'server_error',
  timeout_error: 'server_error',
};

/** Anthropic's error `type` for an HTTP status, as Anthropic itself answers it. */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
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
    case 529:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** Image media types Anthropic accepts in a base64 source. */
export const ANTHROPIC_IMAGE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** The media type documents travel as in both APIs (OpenAI `file` parts, Anthropic `document` blocks). */
export const PDF = 'application/pdf';

/** Name of the Anthropic tool that carries an OpenAI `json_object` answer (a `json_schema` one uses the schema's name). */
export const JSON_TOOL = 'json_response';

/** OpenAI accepts at most this many stop sequences. */
export const OPENAI_MAX_STOP = 4;
