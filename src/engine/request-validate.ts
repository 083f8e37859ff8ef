// Checking an untrusted request context (explain --request, traffic files, /admin/decide) against
// schema/request-context.schema.json before deciding it. ajv compiles the schema once per process, and is
// loaded only then: the proxy imports this module with the engine but checks a context only on /admin/decide.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv2020 as Ajv2020Class, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { RequestContext } from './types.js';

let validator: ValidateFunction | undefined;
let schemaFields: ReadonlySet<string> | undefined;

function schema(): { readonly properties?: Record<string, unknown> } {
  // Resolved from this module so it works from src/ (tests) and dist/ (the package ships schema/).
  return JSON.parse(readFileSync(new URL('../../schema/request-context.schema.json', import.meta.url), 'utf8')) as { properties?: Record<string, unknown> };
}

function compiled(): ValidateFunction {
  if (validator !== undefined) return validator;
  const { Ajv2020 } = createRequire(import.meta.url)('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020Class };
  validator = new Ajv2020({ allErrors: true, strict: true }).compile(schema());
  return validator;
}

/** The fields a request context defines (other fields are allowed, so records with more pass, and ignored). */
export function requestContextFields(): ReadonlySet<string> {
  schemaFields ??= new Set(Object.keys(schema().properties ?? {}));
  return schemaFields;
}

function describe(e: ErrorObject): string {
  const at = e.instancePath === '' ? 'the request' : `\`${e.instancePath.slice(1).replace(/\//g, '.')}\``;
  if (e.keyword === 'required') return `the request needs \`${String(e.params['missingProperty'])}\``;
  if (e.keyword === 'enum') return `${at} must be one of ${(e.params['allowedValues'] as unknown[]).map((v) => `\`${String(v)}\``).join(', ')}`;
  return `${at} ${e.message ?? 'is invalid'}`;
}

export type RequestCheck = { ok: true; value: RequestContext } | { ok: false; errors: string[] };

/** Validate a parsed JSON value as a request context; errors are one lowercase line each. */
export function checkRequestContext(value: unknown): RequestCheck {
  const validate = compiled();
  if (validate(value)) return { ok: true, value: value as RequestContext };
  return { ok: false, errors: (validate.errors ?? []).map(describe) };
}
