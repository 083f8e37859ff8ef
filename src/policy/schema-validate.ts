// The validate stage: each document against the schema branch its `kind` selects (so one mistake is one
// message, not one per kind), plus the credential-literal scan. ajv compiles the schema once per process.
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Diagnostic } from '../errors.js';
import type { PolicyDocument } from './generated/policy.js';
import { diagnostic, quote, quoteList } from './diagnostic.js';
import { findKeyLiterals } from './key-literals.js';
import { KINDS, type Kind } from './model.js';
import { schemaDiagnostics } from './schema-messages.js';
import type { SourceDocument } from './source-document.js';
import { didYouMean } from './suggest.js';

export const API_VERSION = 'switchyard.dev/v1';

export interface ValidDocument {
  readonly source: SourceDocument;
  readonly document: PolicyDocument;
}

type Validators = ReadonlyMap<Kind, ValidateFunction>;
let validators: Validators | undefined;

/** The per-kind validators, compiled on first use. */
export function compiledValidators(): Validators {
  if (validators !== undefined) return validators;
  // Resolved from this module so it works from src/ (tests) and dist/ (the package ships schema/).
  const schema = JSON.parse(readFileSync(new URL('../../schema/policy.schema.json', import.meta.url), 'utf8')) as { $id: string };
  // strictRequired is off because the top level lists `required` fields that only its oneOf branches define.
  // Shared $defs compile to shared functions (inlineRefs: false) and codegen is not optimised: this halves
  // the compile time, which every CLI run pays, for no measurable cost in validation.
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictRequired: false,
    discriminator: true,
    verbose: true,
    inlineRefs: false,
    code: { optimize: false },
  });
  ajv.addSchema(schema);
  const out = new Map<Kind, ValidateFunction>();
  for (const kind of KINDS) {
    const validate = ajv.getSchema(`${schema.$id}#/$defs/${kind}Document`);
    if (validate === undefined) throw new Error(`schema/policy.schema.json has no $defs/${kind}Document`);
    out.set(kind, validate);
  }
  validators = out;
  return out;
}

const isKind = (value: unknown): value is Kind => typeof value === 'string' && (KINDS as readonly string[]).includes(value);

function validateOne(source: SourceDocument, diagnostics: Diagnostic[]): ValidDocument | undefined {
  const value = source.value as Record<string, unknown>;
  const before = diagnostics.length;
  const { apiVersion, kind } = value;
  if (apiVersion === undefined) {
    diagnostics.push(diagnostic(source.start, '', 'missing_field', `missing required field \`apiVersion\` (use ${quote(API_VERSION)})`));
  } else if (apiVersion !== API_VERSION) {
    diagnostics.push(diagnostic(source.locate('/apiVersion'), '/apiVersion', 'invalid_api_version', `unsupported apiVersion ${quote(apiVersion)}; use ${quote(API_VERSION)}`));
  }
  if (kind === undefined) {
    diagnostics.push(diagnostic(source.start, '', 'missing_field', `missing required field \`kind\` (one of ${quoteList(KINDS)})`));
    return undefined;
  }
  if (!isKind(kind)) {
    const hint = typeof kind === 'string' ? didYouMean(kind, KINDS) : '';
    const got = typeof kind === 'string' ? quote(kind) : 'a non-string value';
    diagnostics.push(diagnostic(source.locate('/kind'), '/kind', 'unknown_kind', `unknown kind ${got}${hint} (kinds: ${KINDS.join(', ')})`));
    return undefined;
  }
  const validate = compiledValidators().get(kind);
  if (validate !== undefined && !validate(value)) {
    // apiVersion has been reported above in one message of its own.
    const errors = (validate.errors ?? []).filter(
      (e) => !(e.instancePath === '/apiVersion' || (e.instancePath === '' && e.keyword === 'required' && (e.params as { missingProperty?: string }).missingProperty === 'apiVersion')),
    );
    diagnostics.push(...schemaDiagnostics(errors, source, kind));
  }
  // INVARIANT: a document without diagnostics passed its kind's schema, so it is that kind's document type.
  return diagnostics.length === before ? { source, document: value as unknown as PolicyDocument } : undefined;
}

export function validateDocuments(sources: readonly SourceDocument[]): { documents: ValidDocument[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const documents: ValidDocument[] = [];
  for (const source of sources) {
    const valid = validateOne(source, diagnostics);
    const literals = findKeyLiterals(source);
    diagnostics.push(...literals);
    if (valid !== undefined && literals.length === 0) documents.push(valid);
  }
  return { documents, diagnostics };
}
