/* Generated from schema/ by `npm run gen:types` (json-schema-to-typescript). Do not edit. */

/**
 * One Switchyard policy document (apiVersion switchyard.dev/v1). A YAML file may hold several, separated by `---`.
 */
export type PolicyDocument =
  | OrganizationDocument
  | ProviderDocument
  | ModelDocument
  | TeamDocument
  | RouteDocument
  | VettingDocument
  | ResidencyDocument
  | BudgetDocument
  | ClassifierDocument
  | TestDocument
  | InvariantDocument;
/**
 * Version of the policy language. Always `switchyard.dev/v1`.
 */
export type ApiVersion = 'switchyard.dev/v1';
/**
 * Unique name of this document within its kind (a DNS label).
 */
export type Name = string;
/**
 * Every data class a request may carry (e.g. public, internal, confidential, pii-eu, phi).
 *
 * @minItems 1
 */
export type NameList = [Name1, ...Name1[]];
/**
 * A DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.
 */
export type Name1 = string;
/**
 * Every task a request may carry (e.g. general, chat, summarize, code, classify).
 *
 * @minItems 1
 */
export type NameList1 = [Name1, ...Name1[]];
/**
 * Model names a client may ask for that are not Model documents (e.g. `auto`); routes match them with `match.models`. Default: [auto].
 *
 * @minItems 1
 */
export type NameList2 = [Name1, ...Name1[]];
/**
 * A DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.
 */
export type Name2 = string;
/**
 * A DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.
 */
export type Name3 = string;
/**
 * A glob pattern: `*` matches any run of characters, `?` one character. No regular expressions.
 */
export type Glob = string;
/**
 * A DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.
 */
export type Name4 = string;
/**
 * Capability tier of a model, ordered small < medium < large < frontier.
 */
export type Tier = 'small' | 'medium' | 'large' | 'frontier';
/**
 * Something a model can do: call tools, read images, emit JSON, reason at length.
 */
export type Capability = 'tools' | 'vision' | 'json' | 'reasoning';
/**
 * Data classes the team may declare (x-switchyard-data-class).
 *
 * @minItems 1
 */
export type NameList3 = [Name1, ...Name1[]];
/**
 * A DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.
 */
export type Name5 = string;
/**
 * Teams (Team names) whose requests match.
 *
 * @minItems 1
 */
export type NameList4 = [Name1, ...Name1[]];
/**
 * Data classes (from the Organization vocabulary) that match.
 *
 * @minItems 1
 */
export type NameList5 = [Name1, ...Name1[]];
/**
 * Tasks (from the Organization vocabulary) that match.
 *
 * @minItems 1
 */
export type NameList6 = [Name1, ...Name1[]];
/**
 * Difficulty of a request, set by a Classifier or by the caller.
 */
export type Complexity = 'low' | 'medium' | 'high';
/**
 * A DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.
 */
export type Name6 = string;
/**
 * Only these providers are allowed.
 *
 * @minItems 1
 */
export type NameList7 = [Name1, ...Name1[]];
/**
 * These providers are removed.
 *
 * @minItems 1
 */
export type NameList8 = [Name1, ...Name1[]];
/**
 * Only these models are allowed.
 *
 * @minItems 1
 */
export type NameList9 = [Name1, ...Name1[]];
/**
 * These models are removed.
 *
 * @minItems 1
 */
export type NameList10 = [Name1, ...Name1[]];
/**
 * Capability tier of a model, ordered small < medium < large < frontier.
 */
export type Tier1 = 'small' | 'medium' | 'large' | 'frontier';
/**
 * `enforce` applies the rule; `monitor` only records in the trace what the rule would have done.
 */
export type Enforcement = 'enforce' | 'monitor';
/**
 * Teams whose spend counts.
 *
 * @minItems 1
 */
export type NameList11 = [Name1, ...Name1[]];
/**
 * Models (Model names) whose spend counts.
 *
 * @minItems 1
 */
export type NameList12 = [Name1, ...Name1[]];
/**
 * Providers whose spend counts.
 *
 * @minItems 1
 */
export type NameList13 = [Name1, ...Name1[]];
/**
 * Capability tier of a model, ordered small < medium < large < frontier.
 */
export type Tier2 = 'small' | 'medium' | 'large' | 'frontier';
/**
 * A DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.
 */
export type Name7 = string;
/**
 * A DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.
 */
export type Name8 = string;
/**
 * A DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.
 */
export type Name9 = string;
/**
 * A DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.
 */
export type Name10 = string;
/**
 * A DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.
 */
export type Name11 = string;
/**
 * A DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.
 */
export type Name12 = string;
/**
 * A DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.
 */
export type Name13 = string;
/**
 * A DNS label: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.
 */
export type Name14 = string;
/**
 * Every candidate's provider is one of these.
 *
 * @minItems 1
 */
export type NameList14 = [Name1, ...Name1[]];
/**
 * No candidate's provider is one of these.
 *
 * @minItems 1
 */
export type NameList15 = [Name1, ...Name1[]];
/**
 * Capability tier of a model, ordered small < medium < large < frontier.
 */
export type Tier3 = 'small' | 'medium' | 'large' | 'frontier';

/**
 * The organisation's vocabularies and defaults. Exactly one per policy.
 */
export interface OrganizationDocument {
  apiVersion: ApiVersion;
  kind: 'Organization';
  metadata: Metadata;
  spec: OrganizationSpec;
}
/**
 * Identity of a document. `name` is unique per kind.
 */
export interface Metadata {
  name: Name;
  /**
   * Free-form key/value labels. Team labels can be matched by `teamLabels` conditions.
   */
  labels?: {
    [k: string]: string | undefined;
  };
  /**
   * Human-readable description of the document.
   */
  description?: string;
}
export interface OrganizationSpec {
  dataClasses: NameList;
  tasks: NameList1;
  modelAliases?: NameList2;
  /**
   * Values used when neither the caller nor the team sets them.
   */
  defaults: {
    dataClass: Name2;
    task: Name3;
  };
  /**
   * What the audit log may contain.
   */
  logging?: {
    /**
     * Log prompt and completion content. Default false (zero data retention).
     */
    content?: boolean;
    /**
     * Glob patterns whose matches are replaced with `[REDACTED]` in logged content.
     */
    redact?: Glob[];
  };
}
/**
 * An upstream API endpoint and what it does with data.
 */
export interface ProviderDocument {
  apiVersion: ApiVersion;
  kind: 'Provider';
  metadata: Metadata;
  spec: ProviderSpec;
}
export interface ProviderSpec {
  /**
   * Wire protocol the provider speaks.
   */
  api: 'openai' | 'anthropic';
  /**
   * Base URL of the API (e.g. https://api.openai.com/v1). Supports `${VAR}` and `${VAR:-default}` from the environment.
   */
  baseUrl: string;
  /**
   * Where the API key comes from. Never a literal key.
   */
  credentials: {
    /**
     * Name of the environment variable holding the key.
     */
    env: string;
  };
  /**
   * Regions where this provider processes data (e.g. us-east-1, eu-west-1).
   *
   * @minItems 1
   */
  regions: [string, ...string[]];
  /**
   * What the provider contractually does with request data.
   */
  dataPolicy: {
    /**
     * Whether prompts and completions are not retained at all.
     */
    zeroDataRetention: boolean;
    /**
     * Whether the provider trains on request data.
     */
    trainsOnData: boolean;
    /**
     * Days data is retained (0 with zero data retention).
     */
    retentionDays?: number;
  };
  /**
   * Attestations the provider holds (e.g. soc2, hipaa-baa, gdpr-dpa).
   */
  certifications?: Name1[];
  /**
   * Upstream timeouts in milliseconds.
   */
  timeouts?: {
    /**
     * TCP/TLS connect timeout.
     */
    connectMs?: number;
    /**
     * Time to the first response byte.
     */
    firstByteMs?: number;
    /**
     * Longest pause between response bytes.
     */
    idleMs?: number;
  };
}
/**
 * A model served by a Provider, with its price and limits.
 */
export interface ModelDocument {
  apiVersion: ApiVersion;
  kind: 'Model';
  metadata: Metadata;
  spec: ModelSpec;
}
export interface ModelSpec {
  provider: Name4;
  /**
   * Model id sent to the provider (e.g. gpt-4o-mini).
   */
  upstreamModel: string;
  /**
   * Price in USD per million tokens.
   */
  pricing: {
    /**
     * USD per million input (prompt) tokens.
     */
    inputPerMTok: number;
    /**
     * USD per million output (completion) tokens.
     */
    outputPerMTok: number;
  };
  /**
   * Maximum prompt + output tokens.
   */
  contextWindow: number;
  /**
   * Maximum output tokens; used for worst-case cost when a request sets no max_tokens.
   */
  maxOutputTokens: number;
  tier: Tier;
  /**
   * What the model supports.
   */
  capabilities?: Capability[];
}
/**
 * A team of callers: its API key hashes and the data classes it may declare.
 */
export interface TeamDocument {
  apiVersion: ApiVersion;
  kind: 'Team';
  metadata: Metadata;
  spec: TeamSpec;
}
export interface TeamSpec {
  /**
   * API keys of the team, as SHA-256 hashes (create with `switchyard keys create --team NAME`).
   */
  keys?: TeamKey[];
  /**
   * Data classes the team's callers may declare, and the default.
   */
  dataClasses: {
    allowed: NameList3;
    default: Name5;
  };
  /**
   * Whether callers may set the task with `x-switchyard-task`. Default true.
   */
  allowTaskHeader?: boolean;
  rateLimits?: RateLimits;
}
export interface TeamKey {
  /**
   * Identifier of the key, recorded in the audit log.
   */
  id: string;
  /**
   * Hex SHA-256 of the key.
   */
  sha256: string;
  /**
   * Date or date-time (ISO 8601, UTC) after which the key is refused.
   */
  expires?: string;
}
/**
 * Token-bucket rate limits: on a Team, for all its requests (checked before deciding); on a Budget, per bucket (team, key or shared), for requests sent to targets it applies to (checked before forwarding). The full allowance may be used at once and refills evenly over a minute; a refused request gets 429 `rate_limited` with `retry-after`.
 */
export interface RateLimits {
  /**
   * Requests per minute.
   */
  rpm?: number;
  /**
   * Tokens per minute: estimated prompt tokens plus `max_tokens` of each request.
   */
  tpm?: number;
}
/**
 * Where matching requests go. The highest-priority matching route owns a request.
 */
export interface RouteDocument {
  apiVersion: ApiVersion;
  kind: 'Route';
  metadata: Metadata;
  spec: RouteSpec;
}
export interface RouteSpec {
  /**
   * Higher wins among matching routes. Equal priorities must not overlap.
   */
  priority: number;
  match?: RequestMatch;
  /**
   * Order of the targets: as declared (`ordered`), sticky weighted pick first (`weighted`), or by price (`cheapest`).
   */
  strategy?: 'ordered' | 'weighted' | 'cheapest';
  /**
   * Models this route may send to; the first eligible one is primary, the rest are fallbacks.
   *
   * @minItems 1
   */
  targets: [RouteTarget, ...RouteTarget[]];
  /**
   * What a target must support to be eligible.
   */
  requires?: {
    /**
     * Capabilities every target must have.
     */
    capabilities?: Capability[];
  };
  /**
   * When the proxy moves on to the next candidate (before the first byte reaches the client).
   */
  fallback?: {
    /**
     * Upstream HTTP statuses that trigger failover. Default: 429 and every 5xx (500–599).
     */
    onStatus?: number[];
    /**
     * Fail over on connect and first-byte timeouts and connection errors. Default true.
     */
    onTimeout?: boolean;
    /**
     * Most candidates tried for one request. Default: every candidate.
     */
    maxAttempts?: number;
  };
  /**
   * Where the weighted pick's key comes from: a request header name (lowercase). Default: `x-switchyard-sticky-key`, else the request id.
   */
  stickyKey?: string;
}
/**
 * Requests this route owns. Omitted: every request.
 */
export interface RequestMatch {
  teams?: NameList4;
  teamLabels?: TeamLabelSelector;
  dataClasses?: NameList5;
  tasks?: NameList6;
  /**
   * Request complexities that match.
   *
   * @minItems 1
   */
  complexity?: [Complexity, ...Complexity[]];
  /**
   * The model the client asked for: a Model name or an alias declared in the Organization (e.g. `auto`).
   *
   * @minItems 1
   */
  models?: [string, ...string[]];
  promptTokens?: TokenRange;
  /**
   * Whether the request streams (SSE).
   */
  stream?: boolean;
}
/**
 * Labels the caller's team must carry.
 */
export interface TeamLabelSelector {
  [k: string]: string | [string, ...string[]] | undefined;
}
/**
 * Bounds on the estimated prompt tokens.
 */
export interface TokenRange {
  /**
   * Less than.
   */
  lt?: number;
  /**
   * Less than or equal.
   */
  lte?: number;
  /**
   * Greater than.
   */
  gt?: number;
  /**
   * Greater than or equal.
   */
  gte?: number;
}
export interface RouteTarget {
  model: Name6;
  /**
   * Share of traffic with `strategy: weighted`.
   */
  weight?: number;
}
/**
 * Which providers and models matching requests may reach.
 */
export interface VettingDocument {
  apiVersion: ApiVersion;
  kind: 'Vetting';
  metadata: Metadata;
  spec: VettingSpec;
}
export interface VettingSpec {
  match?: RequestMatch1;
  /**
   * What the provider's data policy and certifications must satisfy.
   */
  require?: {
    /**
     * Provider's `dataPolicy.zeroDataRetention` must equal this.
     */
    zeroDataRetention?: boolean;
    /**
     * Provider's `dataPolicy.trainsOnData` must equal this.
     */
    trainsOnData?: boolean;
    /**
     * Provider's `dataPolicy.retentionDays` must be at most this (unknown retention fails).
     */
    maxRetentionDays?: number;
    /**
     * Certifications the provider must all hold.
     */
    certifications?: Name1[];
  };
  allowProviders?: NameList7;
  denyProviders?: NameList8;
  allowModels?: NameList9;
  denyModels?: NameList10;
  maxTier?: Tier1;
  enforcement?: Enforcement;
}
/**
 * Requests this rule applies to. Omitted: every request.
 */
export interface RequestMatch1 {
  teams?: NameList4;
  teamLabels?: TeamLabelSelector;
  dataClasses?: NameList5;
  tasks?: NameList6;
  /**
   * Request complexities that match.
   *
   * @minItems 1
   */
  complexity?: [Complexity, ...Complexity[]];
  /**
   * The model the client asked for: a Model name or an alias declared in the Organization (e.g. `auto`).
   *
   * @minItems 1
   */
  models?: [string, ...string[]];
  promptTokens?: TokenRange;
  /**
   * Whether the request streams (SSE).
   */
  stream?: boolean;
}
/**
 * Where matching requests' data may be processed.
 */
export interface ResidencyDocument {
  apiVersion: ApiVersion;
  kind: 'Residency';
  metadata: Metadata;
  spec: ResidencySpec;
}
export interface ResidencySpec {
  match?: RequestMatch2;
  /**
   * Region globs (e.g. `eu-*`). A provider is allowed only when every one of its regions matches one of them.
   *
   * @minItems 1
   */
  allowRegions: [Glob, ...Glob[]];
  enforcement?: Enforcement;
}
/**
 * Requests this rule applies to. Omitted: every request.
 */
export interface RequestMatch2 {
  teams?: NameList4;
  teamLabels?: TeamLabelSelector;
  dataClasses?: NameList5;
  tasks?: NameList6;
  /**
   * Request complexities that match.
   *
   * @minItems 1
   */
  complexity?: [Complexity, ...Complexity[]];
  /**
   * The model the client asked for: a Model name or an alias declared in the Organization (e.g. `auto`).
   *
   * @minItems 1
   */
  models?: [string, ...string[]];
  promptTokens?: TokenRange;
  /**
   * Whether the request streams (SSE).
   */
  stream?: boolean;
}
/**
 * A spending limit over a UTC calendar window, with thresholds.
 */
export interface BudgetDocument {
  apiVersion: ApiVersion;
  kind: 'Budget';
  metadata: Metadata;
  spec: BudgetSpec;
}
export interface BudgetSpec {
  /**
   * Spend this budget counts: requests of these teams, sent to these models or providers. Omitted: all spend.
   */
  match?: {
    teams?: NameList11;
    teamLabels?: TeamLabelSelector1;
    models?: NameList12;
    providers?: NameList13;
  };
  /**
   * One limit per team, per API key, or one shared by all matching spend.
   */
  per: 'team' | 'key' | 'shared';
  /**
   * UTC calendar window the limit applies to.
   */
  window: 'hour' | 'day' | 'week' | 'month';
  /**
   * Limit in USD per window.
   */
  limitUsd: number;
  /**
   * Actions at percentages of the limit; the strongest crossed one applies. Default: deny at 100.
   *
   * @minItems 1
   */
  thresholds?: [BudgetThreshold, ...BudgetThreshold[]];
  enforcement?: Enforcement;
  rateLimits?: RateLimits;
}
/**
 * Labels of teams whose spend counts.
 */
export interface TeamLabelSelector1 {
  [k: string]: string | [string, ...string[]] | undefined;
}
export interface BudgetThreshold {
  /**
   * Percent of the limit used at which the action starts.
   */
  atPercent: number;
  /**
   * `alert` records an event; `downgrade` keeps targets of tier ≤ maxTier; `deny` refuses with budget_exhausted.
   */
  action: 'alert' | 'downgrade' | 'deny';
  maxTier?: Tier2;
}
/**
 * Ordered rules that set a request's task and complexity from its features; first match wins.
 */
export interface ClassifierDocument {
  apiVersion: ApiVersion;
  kind: 'Classifier';
  metadata: Metadata;
  spec: ClassifierSpec;
}
export interface ClassifierSpec {
  /**
   * Rules tried in order; the first whose `when` holds sets task and complexity.
   */
  rules: ClassifierRule[];
  /**
   * Task and complexity when no rule matches.
   */
  default?: {
    task?: Name1;
    complexity?: Complexity;
  };
}
export interface ClassifierRule {
  name?: Name7;
  when: FeatureMatch;
  task?: Name8;
  complexity?: Complexity;
}
/**
 * Conditions on request features; all present must hold.
 */
export interface FeatureMatch {
  promptTokens?: TokenRange1;
  messages?: TokenRange2;
  turns?: TokenRange3;
  maxTokens?: TokenRange4;
  /**
   * Words, phrases or globs of which any appears in the system prompt (case-insensitive).
   *
   * @minItems 1
   */
  systemKeywords?: [Glob, ...Glob[]];
  /**
   * Words, phrases or globs of which any appears in the last user message (case-insensitive).
   *
   * @minItems 1
   */
  userKeywords?: [Glob, ...Glob[]];
  /**
   * Bounds on the share (0–1) of the last user message that looks like code.
   */
  codeDensity?: {
    lt?: number;
    lte?: number;
    gt?: number;
    gte?: number;
  };
  /**
   * Whether the request offers tools.
   */
  tools?: boolean;
  /**
   * Whether the request contains images.
   */
  images?: boolean;
  /**
   * Whether the request asks for JSON output.
   */
  jsonMode?: boolean;
}
/**
 * A numeric condition on the estimated prompt tokens; every bound given must hold.
 */
export interface TokenRange1 {
  /**
   * Less than.
   */
  lt?: number;
  /**
   * Less than or equal.
   */
  lte?: number;
  /**
   * Greater than.
   */
  gt?: number;
  /**
   * Greater than or equal.
   */
  gte?: number;
}
/**
 * A numeric condition on the estimated prompt tokens; every bound given must hold.
 */
export interface TokenRange2 {
  /**
   * Less than.
   */
  lt?: number;
  /**
   * Less than or equal.
   */
  lte?: number;
  /**
   * Greater than.
   */
  gt?: number;
  /**
   * Greater than or equal.
   */
  gte?: number;
}
/**
 * A numeric condition on the estimated prompt tokens; every bound given must hold.
 */
export interface TokenRange3 {
  /**
   * Less than.
   */
  lt?: number;
  /**
   * Less than or equal.
   */
  lte?: number;
  /**
   * Greater than.
   */
  gt?: number;
  /**
   * Greater than or equal.
   */
  gte?: number;
}
/**
 * A numeric condition on the estimated prompt tokens; every bound given must hold.
 */
export interface TokenRange4 {
  /**
   * Less than.
   */
  lt?: number;
  /**
   * Less than or equal.
   */
  lte?: number;
  /**
   * Greater than.
   */
  gt?: number;
  /**
   * Greater than or equal.
   */
  gte?: number;
}
/**
 * A policy unit test: a request (and budget state) and the expected decision.
 */
export interface TestDocument {
  apiVersion: ApiVersion;
  kind: 'Test';
  metadata: Metadata;
  spec: TestSpec;
}
export interface TestSpec {
  request: TestRequest;
  /**
   * Percent of each named Budget already used, for this test.
   */
  budgets?: {
    [k: string]: number | undefined;
  };
  expect: TestExpectation;
}
/**
 * The request context to decide.
 */
export interface TestRequest {
  team: Name9;
  dataClass?: Name10;
  task?: Name11;
  complexity?: Complexity;
  /**
   * Model the client asks for (a Model name or alias).
   */
  model: string;
  /**
   * Estimated prompt tokens.
   */
  promptTokens?: number;
  /**
   * Requested max_tokens.
   */
  maxTokens?: number;
  stream?: boolean;
  features?: TestFeatures;
}
/**
 * Features of the request's body, as the proxy computes them and the audit log records them: the Classifier classifies the request from them when it declares no task (or no complexity). `promptTokens` and `maxTokens` default to the request's.
 */
export interface TestFeatures {
  /**
   * Estimated prompt tokens.
   */
  promptTokens?: number;
  /**
   * Conversation messages (system prompts not counted).
   */
  messages?: number;
  /**
   * User turns.
   */
  turns?: number;
  /**
   * Requested max_tokens.
   */
  maxTokens?: number;
  /**
   * Classifier keywords that appear in the system prompt.
   */
  systemKeywords?: Glob[];
  /**
   * Classifier keywords that appear in the last user message.
   */
  userKeywords?: Glob[];
  /**
   * Share of the last user message that looks like code.
   */
  codeDensity?: number;
  /**
   * The request offers tools.
   */
  tools?: boolean;
  /**
   * The request contains images.
   */
  images?: boolean;
  /**
   * The request asks for JSON output.
   */
  jsonMode?: boolean;
}
/**
 * What the decision must be; every field given must hold.
 */
export interface TestExpectation {
  model?: Name12;
  provider?: Name13;
  route?: Name14;
  /**
   * Models after the primary, in order.
   */
  fallbacks?: Name1[];
  /**
   * The request is denied with this code.
   */
  deny?: 'invalid_request' | 'data_class_not_allowed' | 'no_route' | 'no_eligible_model' | 'budget_exhausted';
}
/**
 * A property every decision over a part of the request space must satisfy, in every budget state.
 */
export interface InvariantDocument {
  apiVersion: ApiVersion;
  kind: 'Invariant';
  metadata: Metadata;
  spec: InvariantSpec;
}
export interface InvariantSpec {
  forAll?: RequestMatch3;
  assert: InvariantAssertion;
}
/**
 * The requests the invariant covers. Omitted: every request.
 */
export interface RequestMatch3 {
  teams?: NameList4;
  teamLabels?: TeamLabelSelector;
  dataClasses?: NameList5;
  tasks?: NameList6;
  /**
   * Request complexities that match.
   *
   * @minItems 1
   */
  complexity?: [Complexity, ...Complexity[]];
  /**
   * The model the client asked for: a Model name or an alias declared in the Organization (e.g. `auto`).
   *
   * @minItems 1
   */
  models?: [string, ...string[]];
  promptTokens?: TokenRange;
  /**
   * Whether the request streams (SSE).
   */
  stream?: boolean;
}
/**
 * What must hold for every candidate of every covered decision (or that every covered request is denied).
 */
export interface InvariantAssertion {
  providers?: NameList14;
  notProviders?: NameList15;
  /**
   * Every region of every candidate's provider matches one of these globs.
   *
   * @minItems 1
   */
  regions?: [Glob, ...Glob[]];
  maxTier?: Tier3;
  /**
   * Every candidate's provider holds all of these.
   *
   * @minItems 1
   */
  certifications?: [Name1, ...Name1[]];
  /**
   * Every candidate's provider has this zero-data-retention setting.
   */
  zeroDataRetention?: boolean;
  /**
   * No candidate's input or output price per million tokens exceeds this.
   */
  maxPricePerMTok?: number;
  /**
   * Every covered request is denied.
   */
  deny?: true;
}
