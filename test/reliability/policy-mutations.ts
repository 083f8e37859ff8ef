// Mutations that make a policy invalid by construction, for the fuzzing scenario. Each one introduces a defect
// no other mutation can undo (an unknown field, a missing required field, a value of a type its schema does not
// allow, a forbidden key, broken YAML, …), so any composition of them must be rejected. Which fields are required
// and which types are allowed is read from schema/policy.schema.json, the language's single source of truth.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ROOT } from './support.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** A policy file as documents (plain data) before it is written out. */
export interface DocFile {
  readonly path: string;
  readonly docs: JsonObject[];
  /** The file as written, while no mutation has touched its documents (comments and layout kept). */
  original?: string | undefined;
}

export interface TextFile {
  path: string;
  text: string;
}

interface SchemaNode {
  readonly $ref?: string;
  readonly type?: string | string[];
  readonly oneOf?: SchemaNode[];
  readonly anyOf?: SchemaNode[];
  readonly properties?: Record<string, SchemaNode>;
  readonly required?: string[];
  readonly const?: unknown;
  readonly enum?: unknown[];
}

const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'policy.schema.json'), 'utf8')) as { $defs: Record<string, SchemaNode> };

const resolve = (node: SchemaNode): SchemaNode => (node.$ref === undefined ? node : resolve(schema.$defs[node.$ref.replace('#/$defs/', '')] ?? {}));

/** The JSON types a schema node allows, or undefined when it does not say (then no value is surely wrong). */
function allowedTypes(node: SchemaNode): Set<string> | undefined {
  const n = resolve(node);
  const branches = n.oneOf ?? n.anyOf;
  if (branches !== undefined) {
    const out = new Set<string>();
    for (const b of branches) {
      const t = allowedTypes(b);
      if (t === undefined) return undefined;
      for (const x of t) out.add(x);
    }
    return out;
  }
  if (n.type === undefined) return undefined;
  const types = new Set(Array.isArray(n.type) ? n.type : [n.type]);
  if (types.has('integer')) types.add('number');
  return types;
}

const specOf = (kind: string): SchemaNode => resolve(schema.$defs[`${kind}Spec`] ?? {});
const documentOf = (kind: string): SchemaNode => resolve(schema.$defs[`${kind}Document`] ?? {});

/** One value per JSON type, each of which is that type and no other. */
const VALUE_OF_TYPE: Record<string, Json> = {
  string: 'fuzz-text',
  number: 12.5,
  boolean: true,
  array: ['fuzz'],
  object: { fuzz: 1 },
  null: null,
};

/** A value of a JSON type the node does not allow, or undefined when none can be named with certainty. */
function wrongValue(node: SchemaNode, pick: number): Json | undefined {
  const allowed = allowedTypes(node);
  if (allowed === undefined) return undefined;
  const wrong = Object.keys(VALUE_OF_TYPE).filter((t) => !allowed.has(t) && !(t === 'number' && allowed.has('integer')));
  return wrong.length === 0 ? undefined : VALUE_OF_TYPE[wrong[pick % wrong.length]!];
}

const isObject = (v: Json | undefined): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

export const STRUCTURAL = ['unknown-field', 'missing-field', 'wrong-type', 'bad-name', 'bad-kind', 'bad-api-version', 'dangling-reference', 'duplicate-name', 'key-literal'] as const;
export const TEXTUAL = ['forbidden-key', 'yaml-syntax', 'duplicate-key', 'yaml-tag', 'alias-bomb', 'deep-nesting', 'not-a-mapping', 'garbage-file'] as const;
export type MutationKind = (typeof STRUCTURAL)[number] | (typeof TEXTUAL)[number];

export interface Mutation {
  readonly kind: MutationKind;
  /** Which file, document, field and variant: taken modulo what exists. */
  readonly file: number;
  readonly doc: number;
  readonly pick: number;
  readonly text: string;
}

/** The diagnostic codes a mutation, alone on a valid policy, must produce (one of them at least). */
export const EXPECTED_CODES: Record<MutationKind, readonly string[]> = {
  'unknown-field': ['unknown_field'],
  'missing-field': ['missing_field'],
  'wrong-type': ['invalid_type'],
  'bad-name': ['invalid_format', 'out_of_range'],
  'bad-kind': ['unknown_kind'],
  'bad-api-version': ['invalid_api_version'],
  'dangling-reference': ['unknown_reference', 'unknown_field'],
  'duplicate-name': ['duplicate_name', 'organization_duplicate'],
  'key-literal': ['key_literal'],
  'forbidden-key': ['forbidden_key'],
  'yaml-syntax': ['yaml_syntax'],
  'duplicate-key': ['duplicate_key'],
  'yaml-tag': ['yaml_tag'],
  'alias-bomb': ['yaml_alias_limit'],
  'deep-nesting': ['yaml_depth'],
  'not-a-mapping': ['not_a_mapping'],
  'garbage-file': ['not_a_mapping', 'yaml_syntax', 'yaml_tag', 'yaml_unknown_alias', 'invalid_key', 'duplicate_key', 'forbidden_key', 'yaml_depth'],
};

/** Applies a structural mutation to one document (in place). */
export function mutateDocument(files: DocFile[], m: Mutation): void {
  const file = files[m.file % files.length]!;
  const doc = file.docs[m.doc % file.docs.length];
  if (doc === undefined) return;
  file.original = undefined;
  const kind = typeof doc.kind === 'string' ? doc.kind : '';
  const spec = isObject(doc.spec) ? doc.spec : (doc.spec = {});
  const metadata = isObject(doc.metadata) ? doc.metadata : (doc.metadata = { name: 'fuzzed' });
  switch (m.kind) {
    case 'unknown-field': {
      const where = [doc, metadata, spec][m.pick % 3]!;
      where[`fuzzField${m.pick % 97}`] = m.text;
      return;
    }
    case 'missing-field': {
      const required = [...(documentOf(kind).required ?? []).map((f) => ['doc', f]), ...(specOf(kind).required ?? []).map((f) => ['spec', f])];
      const [where, field] = required[m.pick % Math.max(1, required.length)] ?? ['doc', 'spec'];
      delete (where === 'doc' ? doc : spec)[field!];
      return;
    }
    case 'wrong-type': {
      const properties = Object.entries(specOf(kind).properties ?? {}).filter(([, node]) => wrongValue(node, m.pick) !== undefined);
      const chosen = properties[m.pick % Math.max(1, properties.length)];
      if (chosen === undefined) doc.metadata = ['not', 'a', 'mapping'];
      else spec[chosen[0]] = wrongValue(chosen[1], m.pick)!;
      return;
    }
    case 'bad-name':
      metadata.name = ['Bad_Name', '-leading-dash', 'x'.repeat(64), '', 'UPPER', 'a.b'][m.pick % 6]!;
      return;
    case 'bad-kind':
      doc.kind = ['Rout', 'route', '', 'Policy', 'Organisation'][m.pick % 5]!;
      return;
    case 'bad-api-version':
      doc.apiVersion = ['switchyard.dev/v2', 'v1', 'switchyard.dev/v1beta1', ''][m.pick % 4]!;
      return;
    case 'dangling-reference':
      if (kind === 'Route' && Array.isArray(spec.targets) && isObject(spec.targets[0])) spec.targets[0].model = `ghost-model-${m.pick % 1000}`;
      else if (kind === 'Model') spec.provider = `ghost-provider-${m.pick % 1000}`;
      else doc[`fuzzField${m.pick % 97}`] = 'dangling';
      return;
    case 'duplicate-name':
      file.docs.push(structuredClone(doc));
      return;
    case 'key-literal':
      metadata.description = `deploy key sk-ant-api03-Xy7Qz9Lm2Np4Rs6Tv8Wb0Kd${m.pick % 10}`;
      return;
    default:
      return;
  }
}

export function writeDocs(files: readonly DocFile[]): TextFile[] {
  return files.map((f) => ({ path: f.path, text: f.original ?? f.docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n') }));
}

/** Start offsets of the documents of a file written by `writeDocs`. */
function documentStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf('\n---\n'); at !== -1; at = text.indexOf('\n---\n', at + 1)) starts.push(at + 5);
  return starts;
}

const BROKEN_LINES = ['broken: [unclosed, list', 'broken: "unterminated', '\tbroken: tab-indented', 'broken: a: b', 'broken: {a: 1', 'broken: ]'];

/** Applies a textual mutation to the written files (in place). */
export function mutateText(files: TextFile[], m: Mutation): void {
  const file = files[m.file % files.length]!;
  const starts = documentStarts(file.text);
  const start = starts[m.doc % starts.length]!;
  const insertAt = (at: number, piece: string): void => void (file.text = file.text.slice(0, at) + piece + file.text.slice(at));
  switch (m.kind) {
    case 'forbidden-key':
      // At the top of a document: a key of its top-level mapping.
      insertAt(start, `${['__proto__', 'constructor', 'prototype'][m.pick % 3]}:\n  polluted: true\n  isAdmin: "true"\n`);
      return;
    case 'yaml-syntax':
      file.text = `${file.text.endsWith('\n') ? file.text : `${file.text}\n`}${BROKEN_LINES[m.pick % BROKEN_LINES.length]}\n`;
      return;
    case 'duplicate-key': {
      // The document's first top-level key line (past any comments), written twice.
      const key = /^[A-Za-z_][^:\n]*:.*$/m.exec(file.text.slice(start));
      if (key === null) file.text += '\n---\nkind: Route\nkind: Route\n';
      else insertAt(start + key.index, `${key[0]}\n`);
      return;
    }
    case 'yaml-tag':
      insertAt(start, `tagged: ${['!!str', '!custom', '!!python/object:os.system', '!!binary'][m.pick % 4]} value\n`);
      return;
    case 'alias-bomb': {
      const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
      file.text += `\n---\n${lines.join('\n')}\n`;
      return;
    }
    case 'deep-nesting':
      file.text += `\n---\nkind: Route\ndeep: ${'['.repeat(70 + (m.pick % 50))}x${']'.repeat(70 + (m.pick % 50))}\n`;
      return;
    case 'not-a-mapping':
      file.text += `\n---\n${['- a list', 'just a scalar', '42', '[1, 2]'][m.pick % 4]}\n`;
      return;
    case 'garbage-file':
      // A sequence at the top, whatever follows: never a mapping of a policy document.
      files.push({ path: `policies/zz-garbage-${m.pick % 100}.yaml`, text: `- ${m.text}` });
      return;
    default:
      return;
  }
}
