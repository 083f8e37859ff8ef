/* Generated from schema/ by `npm run gen:types` (json-schema-to-typescript). Do not edit. */

/**
 * What the engine decides on: the shape taken by `explain --request`, traffic files for `dry-run`/`diff`, the audit log and Test requests.
 */
export interface RequestContext {
  /**
   * Calling team (Team name).
   */
  team: string;
  /**
   * Declared data class; default: the team's default.
   */
  dataClass?: string;
  /**
   * Task; default: the Organization's default.
   */
  task?: string;
  /**
   * Request complexity: `low`, `medium` or `high`. Another value is decided as a request outside the vocabulary (invalid_request), as an unknown data class or task is.
   */
  complexity?: string;
  /**
   * The model the client asked for (Model name or alias).
   */
  model: string;
  /**
   * Estimated prompt tokens; default 0.
   */
  promptTokens?: number;
  /**
   * Requested max_tokens; default: each model's maxOutputTokens.
   */
  maxTokens?: number;
  /**
   * Whether the request streams; default false.
   */
  stream?: boolean;
  /**
   * Id of the API key used (for per-key budgets).
   */
  keyId?: string;
  /**
   * Key of the sticky weighted pick; default: requestId.
   */
  stickyKey?: string;
  /**
   * Request id.
   */
  requestId?: string;
  features?: RequestFeatures;
  [k: string]: unknown | undefined;
}
/**
 * Features computed from the request body (never its content).
 */
export interface RequestFeatures {
  /**
   * Estimated prompt tokens; default: the context's `promptTokens`.
   */
  promptTokens?: number;
  /**
   * Conversation messages (system and developer messages not counted).
   */
  messages?: number;
  /**
   * User messages (Anthropic messages carrying only tool results not counted).
   */
  turns?: number;
  /**
   * Requested max_tokens; default: the context's `maxTokens`.
   */
  maxTokens?: number;
  /**
   * The Classifier keywords (normalized: lowercase words) that appear in the system prompt; never the text itself.
   */
  systemKeywords?: string[];
  /**
   * The Classifier keywords (normalized) that appear in the last user message; never the text itself.
   */
  userKeywords?: string[];
  /**
   * Share (thousandths) of the last user message's characters on code lines.
   */
  codeDensity?: number;
  /**
   * The request offers tools.
   */
  tools?: boolean;
  /**
   * The request contains an image.
   */
  images?: boolean;
  /**
   * The request asks for JSON output.
   */
  jsonMode?: boolean;
  [k: string]: unknown | undefined;
}
