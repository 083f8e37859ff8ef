/* Generated from schema/ by `npm run gen:types` (json-schema-to-typescript). Do not edit. */

/**
 * One line of a traffic file for `dry-run` and `diff` (JSON Lines), besides the request context itself. A line is either a request context (request-context.schema.json, `team` and `model` at the top level, optionally with `usage` and `time`) or an audit record that carries the context under `context`. Every other field is ignored, so audit log records are accepted as they are.
 */
export interface TrafficRecord {
  /**
   * The request context as decided (request-context.schema.json). Its presence makes the line an audit record.
   */
  context?: {
    [k: string]: unknown | undefined;
  };
  usage?: TrafficUsage;
  /**
   * When the request was made: an ISO 8601 timestamp with a time zone, or milliseconds since the Unix epoch. The span of the file's times turns totals into per-day figures.
   */
  time?: string | number;
  /**
   * Request id; fills the context's `requestId` (the sticky pick of weighted routes) when it has none.
   */
  requestId?: string;
  /**
   * Id of the API key; fills the context's `keyId` when it has none.
   */
  keyId?: string;
  /**
   * Audit records: the recorded outcome.
   */
  outcome?: 'route' | 'deny';
  /**
   * Audit records: the recorded route.
   */
  route?: string;
  /**
   * Audit records: the recorded primary model (on a request context line it is the requested model).
   */
  model?: string;
  /**
   * Audit records: the recorded candidates; the first is the primary when `model` is absent.
   */
  candidates?: {
    model?: string;
    [k: string]: unknown | undefined;
  }[];
  /**
   * Audit records: false for a request refused before it was decided (an unknown key, a malformed body, a team rate limit). Such a line has no `context` and nothing to replay: traffic readers skip it like a blank line.
   */
  decided?: boolean;
  /**
   * Audit records: the recorded denial.
   */
  deny?: {
    code?: string;
    [k: string]: unknown | undefined;
  };
  [k: string]: unknown | undefined;
}
/**
 * Token counts the provider reported. Cost estimates use them before `promptTokens` and `maxTokens`.
 */
export interface TrafficUsage {
  inputTokens?: number;
  outputTokens?: number;
  [k: string]: unknown | undefined;
}
