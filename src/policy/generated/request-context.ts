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
   * Request complexity.
   */
  complexity?: 'low' | 'medium' | 'high';
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
  promptTokens?: number;
  messages?: number;
  turns?: number;
  maxTokens?: number;
  systemKeywords?: string[];
  userKeywords?: string[];
  codeDensity?: number;
  tools?: boolean;
  images?: boolean;
  jsonMode?: boolean;
  [k: string]: unknown | undefined;
}
