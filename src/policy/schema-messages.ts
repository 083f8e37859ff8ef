// Turning ajv's errors into the messages a person needs, at the offending key or value. One mistake, one
// message: errors of the branches of a failing `oneOf` are folded into it, and of several errors about the
// same value only the most telling one is kept.
import type { ErrorObject } from 'ajv';
import type { Diagnostic, DiagnosticCode } from '../errors.js';
import { diagnostic, quote, quoteList } from './diagnostic.js';
import { fieldName, joinPointer, placeName } from './pointer.js';
import type { LocateTarget, SourceDocument } from './source-document.js';
import { closest, didYouMean } from './suggest.js';

interface Finding {
  readonly pointer: string;
  readonly target: LocateTarget;
  readonly code: DiagnosticCode;
  readonly message: string;
  /** Findings with the same key are one mistake; the lowest rank wins. */
  readonly key: string;
  readonly rank: number;
  /** For an unknown field: the key of the missing-field finding it is a misspelling of. */
  readonly replaces?: string;
}

const DNS_LABEL = 'a DNS label (lowercase letters, digits and `-`, starting and ending with a letter or digit)';

// Patterns of the schema, in words. An unknown pattern still gets a correct (if terse) message.
const PATTERN_WORDS: ReadonlyMap<string, string> = new Map([
  ['^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', DNS_LABEL],
  ['^[A-Za-z_][A-Za-z0-9_]*$', 'an environment variable name (letters, digits and `_`, not starting with a digit)'],
  ['^[A-Za-z0-9][-A-Za-z0-9_.]*$', 'an id of letters, digits, `-`, `_` and `.`, starting with a letter or digit'],
  ['^[0-9a-f]{64}$', 'a SHA-256 hash as 64 lowercase hex digits'],
  ['^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})?)?$', 'an ISO 8601 date or date-time such as `2027-01-31` or `2027-01-31T12:00:00Z`'],
  ['^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$', 'a label key (letters, digits, `-`, `_`, `.` and `/`, starting and ending with a letter or digit)'],
  ['^[a-z0-9-]+$', 'a lowercase HTTP header name'],
]);

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: '`true` or `false`',
  array: 'a list',
  object: 'a mapping',
  null: 'empty',
};

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (value === '') return 'an empty string';
  return quote(value);
}

/** Whether `text`, written without quotes, is a YAML 1.2 core scalar of the JSON Schema `type`. */
function unquotedIs(text: string, type: unknown): boolean {
  if (type === 'boolean') return /^(true|True|TRUE|false|False|FALSE)$/.test(text);
  if (type === 'integer') return /^[-+]?[0-9]+$/.test(text);
  if (type === 'number') return /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text);
  return false;
}

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(' or ');
}

function schemaWords(schema: unknown): string {
  if (typeof schema !== 'object' || schema === null) return 'a valid value';
  const s = schema as { type?: unknown; items?: { type?: unknown } };
  if (s.type === 'array' && s.items?.type === 'string') return 'a list of strings';
  return typeWords(s.type);
}

function propertyNamesOf(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const props = (schema as { properties?: unknown }).properties;
  return typeof props === 'object' && props !== null ? Object.keys(props) : [];
}

/** Drop the errors that only explain why each branch of a failing `oneOf`/`anyOf` did not match. */
function withoutBranchNoise(errors: readonly ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  if (unions.length === 0) return [...errors];
  return errors.filter(
    (e) =>
      !unions.some(
        (u) => u !== e && e.schemaPath.startsWith(`${u.schemaPath}/`) && (e.instancePath === u.instancePath || e.instancePath.startsWith(`${u.instancePath}/`)),
      ),
  );
}

/**
 * Errors about a key (`propertyNames`) come as the key's own errors followed by one `propertyNames` error
 * naming it. ajv tags the key's errors with `propertyName` only when the schema is inlined, so the name is
 * attached here from the `propertyNames` error that follows them; that error is then redundant.
 */
function withKeyNames(errors: readonly ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  let pending: ErrorObject[] = [];
  for (const e of errors) {
    if (e.keyword === 'propertyNames') {
      const name = String((e.params as { propertyName?: unknown }).propertyName);
      const own = pending.filter((p) => p.instancePath === e.instancePath);
      out.push(...pending.filter((p) => p.instancePath !== e.instancePath));
      out.push(...(own.length > 0 ? own.map((p) => ({ ...p, propertyName: name, data: name })) : [{ ...e, keyword: 'invalidKey', propertyName: name, data: name }]));
      pending = [];
      continue;
    }
    // A string keyword may be about a key; it is known once a `propertyNames` error at the same path follows.
    if ((e as { propertyName?: string }).propertyName === undefined && KEY_KEYWORDS.has(e.keyword)) pending.push(e);
    else out.push(e);
  }
  return [...out, ...pending];
}

// Keywords that apply to strings: at the path of a mapping with a `propertyNames` error, they are about a key.
const KEY_KEYWORDS: ReadonlySet<string> = new Set(['pattern', 'minLength', 'maxLength', 'format', 'const', 'enum']);

function finding(e: ErrorObject, kind: string): Finding | undefined {
  const params = e.params as Record<string, unknown>;
  // Inner errors of `propertyNames` are about a key, not a value.
  const keyName = (e as { propertyName?: string }).propertyName;
  const pointer = keyName === undefined ? e.instancePath : joinPointer(e.instancePath, keyName);
  const target: LocateTarget = keyName === undefined ? 'value' : 'key';
  const subject = keyName === undefined ? quote(fieldName(pointer)) : `key ${quote(keyName)}`;
  const data: unknown = keyName === undefined ? e.data : keyName;
  const got = describeValue(data);
  const value = (code: DiagnosticCode, rank: number, message: string): Finding => ({ pointer, target, code, message, key: `${pointer}#value`, rank });
  // A value of the wrong type is pointed at itself, scalar or collection.
  const wrongType = (message: string): Finding => ({ ...value('invalid_type', 0, message), target: keyName === undefined ? 'node' : 'key' });

  switch (e.keyword) {
    case 'required': {
      const field = String(params.missingProperty);
      return { pointer: e.instancePath, target: 'key', code: 'missing_field', message: `missing required field ${quote(field)} in ${placeName(kind, e.instancePath)}`, key: `${e.instancePath}#required/${field}`, rank: 0 };
    }
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const allowed = propertyNamesOf(e.parentSchema);
      const suggestion = closest(field, allowed);
      const hint = suggestion !== undefined ? ` — did you mean ${quote(suggestion)}?` : allowed.length > 0 && allowed.length <= 12 ? ` (allowed: ${quoteList(allowed)})` : '';
      const at = joinPointer(e.instancePath, field);
      return {
        pointer: at,
        target: 'key',
        code: 'unknown_field',
        message: `unknown field ${quote(field)} in ${placeName(kind, e.instancePath)}${hint}`,
        key: `${at}#unknown`,
        rank: 0,
        ...(suggestion === undefined ? {} : { replaces: `${e.instancePath}#required/${suggestion}` }),
      };
    }
    case 'invalidKey':
      return value('invalid_format', 2, `${subject} is not allowed here`);
    case 'minProperties': {
      const fields = propertyNamesOf(e.parentSchema);
      if (fields.length > 0) return { pointer, target: 'key', code: 'missing_field', message: `${subject} must set at least one of ${quoteList(fields)}`, key: `${pointer}#value`, rank: 3 };
      return { pointer, target: 'key', code: 'out_of_range', message: `${subject} must not be empty`, key: `${pointer}#value`, rank: 3 };
    }
    case 'type': {
      // `sha256: 0001…` or `name: 1.10` are numbers to YAML; the fix is quoting, so say so.
      const quoteHint = params.type === 'string' && data !== null && (typeof data === 'number' || typeof data === 'boolean') ? ' (YAML reads it as a number or boolean: quote it)' : '';
      // The reverse: `zeroDataRetention: "true"` is the string `true`, which would be right without its quotes.
      if (typeof data === 'string' && unquotedIs(data, params.type)) {
        return wrongType(`${subject} must be ${typeWords(params.type)}, got the string ${got} (YAML reads a quoted value as a string: remove the quotes)`);
      }
      return wrongType(`${subject} must be ${typeWords(params.type)}, got ${got}${quoteHint}`);
    }
    case 'oneOf':
    case 'anyOf': {
      const branches = (e.schema as unknown[] | undefined) ?? [];
      const words = [...new Set(branches.map(schemaWords))].join(' or ');
      return wrongType(`${subject} must be ${words}, got ${got}`);
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[] | undefined) ?? [];
      const hint = typeof data === 'string' ? didYouMean(data, allowed.map(String)) : '';
      return value('invalid_value', 1, `${subject} must be one of ${quoteList(allowed)}, got ${got}${hint}`);
    }
    case 'const':
      return value('invalid_value', 1, `${subject} must be ${quote(params.allowedValue)}, got ${got}`);
    case 'pattern': {
      const pattern = String(params.pattern);
      const words = PATTERN_WORDS.get(pattern) ?? `a string matching ${quote(pattern)}`;
      return value('invalid_format', 2, `${subject} must be ${words}, got ${got}`);
    }
    case 'minLength':
      return value('out_of_range', 3, params.limit === 1 ? `${subject} must not be empty` : `${subject} must be at least ${String(params.limit)} characters long`);
    case 'maxLength':
      return value('out_of_range', 3, `${subject} is too long: at most ${String(params.limit)} characters`);
    case 'minimum':
      return value('out_of_range', 3, `${subject} must be at least ${String(params.limit)}, got ${got}`);
    case 'maximum':
      return value('out_of_range', 3, `${subject} must be at most ${String(params.limit)}, got ${got}`);
    case 'exclusiveMinimum':
      return value('out_of_range', 3, `${subject} must be greater than ${String(params.limit)}, got ${got}`);
    case 'exclusiveMaximum':
      return value('out_of_range', 3, `${subject} must be less than ${String(params.limit)}, got ${got}`);
    case 'minItems':
      return { ...value('out_of_range', 3, params.limit === 1 ? `${subject} must not be empty` : `${subject} needs at least ${String(params.limit)} items`), target: 'key' };
    case 'maxItems':
      return { ...value('out_of_range', 3, `${subject} has too many items: at most ${String(params.limit)}`), target: 'key' };
    case 'uniqueItems': {
      const i = Number(params.i);
      const j = Number(params.j);
      const dup = joinPointer(e.instancePath, Math.max(i, j));
      const item = Array.isArray(data) ? (data as unknown[])[Math.max(i, j)] : undefined;
      return { pointer: dup, target: 'value', code: 'duplicate_item', message: `${describeValue(item)} is listed twice in ${subject}`, key: `${dup}#value`, rank: 1 };
    }
    default:
      return value('invalid_value', 4, `${subject} is invalid: ${e.message ?? 'it does not match the schema'}`);
  }
}

/** Located diagnostics for the schema errors of one document of `kind`. */
export function schemaDiagnostics(errors: readonly ErrorObject[], source: SourceDocument, kind: string): Diagnostic[] {
  const best = new Map<string, Finding>();
  for (const e of withoutBranchNoise(withKeyNames(errors))) {
    const f = finding(e, kind);
    if (f === undefined) continue;
    const seen = best.get(f.key);
    if (seen === undefined || f.rank < seen.rank) best.set(f.key, f);
  }
  // A misspelt required field is one mistake: "unknown field `prority` — did you mean `priority`?" says it all.
  for (const f of best.values()) if (f.replaces !== undefined) best.delete(f.replaces);
  return [...best.values()].map((f) => diagnostic(source.locate(f.pointer, f.target), f.pointer, f.code, f.message));
}
