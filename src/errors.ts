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
  yaml_syntax: { severity: 'error', summary: 'the file is not well-formed YAML' },
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
} as const satisfies Record<string, RequestErrorSpec>;

export type RequestErrorCode = keyof typeof REQUEST_ERRORS;
