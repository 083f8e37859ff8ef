// The one registry of every code Switchyard reports: policy diagnostics (validate, test) and request errors
// (decide, proxy). Codes are never reused or renamed. `test/errors.test.ts` keeps this file and docs/errors.md in step.

export type Severity = 'error' | 'warning';

export interface DiagnosticSpec {
  readonly severity: Severity;
  /** One line: what the code means, for docs/errors.md. */
  readonly summary: string;
}

/** Codes of policy diagnostics. */
export const DIAGNOSTICS = {
  // load: files and YAML
  yaml_syntax: { severity: 'error', summary: 'the file is not well-formed YAML' },
  yaml_tag: { severity: 'error', summary: 'a YAML tag (`!name`, `!!type`) is used; policies are plain YAML without tags' },
  yaml_unknown_alias: { severity: 'error', summary: 'an alias (`*name`) refers to no earlier anchor (`&name`)' },
  yaml_alias_limit: { severity: 'error', summary: 'aliases expand to too much data (at most 100 expansions and 10,000 nodes per document)' },
  yaml_depth: { severity: 'error', summary: 'collections are nested more than 64 levels deep' },
  duplicate_key: { severity: 'error', summary: 'a mapping repeats a key' },
  forbidden_key: { severity: 'error', summary: 'a key is `__proto__`, `constructor` or `prototype`' },
  invalid_key: { severity: 'error', summary: 'a mapping key is not a plain scalar (empty, a list, a mapping or an alias)' },
  not_a_mapping: { severity: 'error', summary: 'a document is not a mapping of `apiVersion`, `kind`, `metadata` and `spec`' },
  file_too_large: { severity: 'error', summary: 'a policy file is larger than 1 MiB' },
  file_encoding: { severity: 'error', summary: 'a policy file is not valid UTF-8' },
  file_unreadable: { severity: 'error', summary: 'a policy file or directory cannot be read' },
  symlink_outside_root: { severity: 'error', summary: 'a symbolic link leads outside the policy directory' },
  no_policy_files: { severity: 'error', summary: 'the policy directory holds no `*.yaml` or `*.yml` file' },
  // validate: the schema and literal checks
  unknown_kind: { severity: 'error', summary: 'a document\'s `kind` is not one of the policy kinds' },
  invalid_api_version: { severity: 'error', summary: 'a document\'s `apiVersion` is not `switchyard.dev/v1`' },
  unknown_field: { severity: 'error', summary: 'a field is not part of the policy language at that place' },
  missing_field: { severity: 'error', summary: 'a required field is absent' },
  invalid_type: { severity: 'error', summary: 'a value has the wrong type (e.g. a string where a number belongs)' },
  invalid_value: { severity: 'error', summary: 'a value is not one of the allowed values' },
  invalid_format: { severity: 'error', summary: 'a string does not have the required form (e.g. a DNS label name)' },
  out_of_range: { severity: 'error', summary: 'a number, string length or list size is outside its bounds' },
  duplicate_item: { severity: 'error', summary: 'a list that must hold distinct values repeats one' },
  key_literal: { severity: 'error', summary: 'a string looks like a credential (API key, token, password in a URL); keys never live in policy' },
  // link: references across documents
  duplicate_name: { severity: 'error', summary: 'two documents of the same kind have the same name' },
  organization_missing: { severity: 'error', summary: 'the policy has no Organization document' },
  organization_duplicate: { severity: 'error', summary: 'the policy has more than one Organization document' },
  unknown_reference: { severity: 'error', summary: 'a name refers to no document of the expected kind (or model alias)' },
  not_in_vocabulary: { severity: 'error', summary: 'a data class or task is not in the Organization\'s vocabulary' },
  classifier_duplicate: { severity: 'error', summary: 'the policy has more than one Classifier document' },
  team_default_not_allowed: { severity: 'error', summary: 'a Team\'s default data class is not among its allowed data classes' },
  duplicate_key_id: { severity: 'error', summary: 'two team keys have the same id' },
  duplicate_key_hash: { severity: 'error', summary: 'two team keys have the same SHA-256 hash' },
  downgrade_without_max_tier: { severity: 'error', summary: 'a Budget `downgrade` threshold has no `maxTier`' },
  max_tier_ignored: { severity: 'warning', summary: 'a Budget threshold sets `maxTier` but its action is not `downgrade`' },
  conflicting_fields: { severity: 'error', summary: 'fields that exclude each other are set together: a Test expecting `deny` and a candidate, an Invariant asserting `deny: true` and a property of candidates' },
  alias_is_model_name: { severity: 'warning', summary: 'an Organization model alias has the name of a Model, so a request for that name cannot tell the two apart' },
  unset_variable: { severity: 'error', summary: 'a Provider `baseUrl` uses `${VAR}` without a default and the variable is not set' },
  invalid_base_url: { severity: 'error', summary: 'a Provider `baseUrl` is not an http(s) URL after interpolation' },
  // analyze: static analysis of the linked policy over the request space
  empty_range: { severity: 'error', summary: 'a numeric range (`promptTokens`, Classifier bounds) holds for no value, e.g. `gt: 100, lt: 50`' },
  rule_matches_nothing: { severity: 'warning', summary: 'a Route, Vetting, Residency or Budget `match` holds for no request (no team has the labels or may declare the data classes)' },
  invariant_vacuous: { severity: 'warning', summary: 'an Invariant `forAll` covers no request, so it checks nothing' },
  route_ambiguous: { severity: 'error', summary: 'two routes of equal priority both match some request no higher-priority route takes; which one wins depends on declaration order' },
  route_shadowed: { severity: 'warning', summary: 'a route owns no request: routes tried before it take every request it matches' },
  route_dead: { severity: 'warning', summary: 'a route never routes a request: every target is removed for every request it owns' },
  route_can_be_empty: { severity: 'warning', summary: 'capabilities or enforced Vetting/Residency rules remove every target of a route for some of its requests' },
  target_unreachable: { severity: 'warning', summary: 'a route target is removed for every request the route owns' },
  weighted_zero_weight: { severity: 'error', summary: 'a weighted route\'s target weights sum to 0' },
  weight_ignored: { severity: 'warning', summary: 'a target sets `weight` but its route is not `strategy: weighted`' },
  sticky_key_ignored: { severity: 'warning', summary: 'a route sets `stickyKey` but is not `strategy: weighted`' },
  max_output_exceeds_context: { severity: 'warning', summary: 'a Model\'s `maxOutputTokens` is greater than its `contextWindow`' },
  budget_matches_nothing: { severity: 'warning', summary: 'a Budget\'s `models`/`providers` name no model a request of its teams can be sent to' },
  classifier_rule_unreachable: { severity: 'warning', summary: 'a Classifier rule never fires: an earlier rule holds for every request it holds for' },
  classifier_never_sets: { severity: 'warning', summary: 'a Route matches a task or complexity that the Classifier never sets' },
} as const satisfies Record<string, DiagnosticSpec>;

export type DiagnosticCode = keyof typeof DIAGNOSTICS;

/** A located, coded finding about a policy. Text form: `path:line:col: severity code: message`. */
export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** JSON pointer of the node within its document, e.g. `/spec/targets/0/model`; '' for the whole file. */
  readonly pointer: string;
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  readonly message: string;
}

export interface RequestErrorSpec {
  readonly status: number;
  /** OpenAI error `type`. */
  readonly type: string;
  readonly summary: string;
}

/** Codes of errors returned to API callers (and deny codes of decisions). */
export const REQUEST_ERRORS = {
  invalid_request: { status: 400, type: 'invalid_request_error', summary: 'the request is malformed or names a value outside the policy vocabulary' },
  invalid_api_key: { status: 401, type: 'authentication_error', summary: 'the API key is missing, unknown or expired' },
  data_class_not_allowed: { status: 403, type: 'permission_error', summary: 'the team may not declare this data class' },
  no_route: { status: 403, type: 'permission_error', summary: 'no Route matches the request' },
  no_eligible_model: { status: 403, type: 'permission_error', summary: 'every target of the matching route was removed' },
  budget_exhausted: { status: 429, type: 'rate_limit_error', summary: 'a budget denies the request' },
  rate_limited: { status: 429, type: 'rate_limit_error', summary: 'a Team or Budget rate limit (`rpm`, `tpm`) refuses the request until `retry-after`' },
  // proxy: transport, limits and admin
  not_found: { status: 404, type: 'not_found_error', summary: 'no endpoint at this method and path' },
  payload_too_large: { status: 413, type: 'invalid_request_error', summary: 'the request body exceeds the proxy\'s body limit' },
  request_timeout: { status: 408, type: 'invalid_request_error', summary: 'the client did not send the whole request in time' },
  unsupported_protocol: { status: 400, type: 'invalid_request_error', summary: 'retired: every candidate spoke a different wire protocol from the endpoint; requests are now translated (see `unsupported_feature`)' },
  unsupported_feature: { status: 400, type: 'invalid_request_error', summary: 'the request uses a field that no candidate\'s wire protocol can express (e.g. `n` > 1 for an Anthropic provider); the message names it' },
  upstream_error: { status: 502, type: 'server_error', summary: 'every candidate provider failed (error statuses, connection errors), or a stream broke after it started' },
  upstream_timeout: { status: 504, type: 'server_error', summary: 'the last candidate provider timed out (connect or first byte)' },
  upstream_rate_limited: { status: 429, type: 'rate_limit_error', summary: 'every candidate provider answered 429' },
  upstream_unavailable: { status: 503, type: 'server_error', summary: 'no candidate could be tried: open circuits or missing provider credentials' },
  overloaded: { status: 503, type: 'server_error', summary: 'the proxy has as many requests in flight as its limit allows; retry after `retry-after`' },
  ledger_unavailable: { status: 503, type: 'server_error', summary: 'the budget ledger cannot be reached and the proxy runs with `--ledger-failure closed`: a request an enforced budget or a rate limit would charge is refused; retry after `retry-after`' },
  admin_unauthorized: { status: 401, type: 'authentication_error', summary: 'the admin key is missing or wrong, or admin endpoints are disabled' },
  internal_error: { status: 500, type: 'server_error', summary: 'the proxy failed unexpectedly; the log has the details' },
} as const satisfies Record<string, RequestErrorSpec>;

export type RequestErrorCode = keyof typeof REQUEST_ERRORS;
