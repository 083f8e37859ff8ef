// Fuzzing the loader and validator (fast-check, time-boxed): random YAML-ish text, random JSON-ish
// documents, and mutations of a valid policy. Whatever the input: loading never throws, every diagnostic
// has a registered code and a real location and prints no credential, a rejection carries at least one
// error, and Object.prototype is never touched.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { Document, isNode, parseAllDocuments, stringify } from 'yaml';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIAGNOSTICS } from '../../src/errors.js';
import { redactKeyLiterals } from '../../src/policy/credential-shapes.js';
import { KINDS, loadPolicyFromSources, type LoadResult } from '../../src/policy/index.js';

const fixture = join(import.meta.dirname, 'fixtures', 'valid');
const RUN = { numRuns: 400, plugins: [fc.interruptAfterTimeLimit(6000)] };

function listYaml(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? listYaml(join(dir, n)) : /\.ya?ml$/.test(n) ? [join(dir, n)] : []));
}
const fixtureFiles = listYaml(fixture).map((abs) => ({ path: relative(fixture, abs).split('\\').join('/'), text: readFileSync(abs, 'utf8') }));
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const fixtureDocs = fixtureFiles.map((f) => parseAllDocuments(f.text).map((d) => d.toJS() as Json));

const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
function prototypeUntouched(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
  expect(Reflect.get({}, 'polluted')).toBeUndefined();
  expect(Reflect.get({}, 'isAdmin')).toBeUndefined();
}

/** The properties every load must have, whatever the input. */
function wellFormed(result: LoadResult, paths: readonly string[]): void {
  for (const d of result.diagnostics) {
    expect(Object.hasOwn(DIAGNOSTICS, d.code), `unregistered code ${d.code}`).toBe(true);
    expect(d.severity).toBe(DIAGNOSTICS[d.code].severity);
    expect(Number.isInteger(d.line) && d.line >= 1, `line of ${JSON.stringify(d)}`).toBe(true);
    expect(Number.isInteger(d.col) && d.col >= 1, `col of ${JSON.stringify(d)}`).toBe(true);
    expect(paths.includes(d.file) || d.file === '.', `file of ${JSON.stringify(d)}`).toBe(true);
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.message).not.toMatch(/[\r\n]/);
    expect(redactKeyLiterals(d.message), 'a credential in a message').toBe(d.message);
    expect(typeof d.pointer).toBe('string');
  }
  if (!result.ok) expect(result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  else expect(result.diagnostics.every((d) => d.severity === 'warning')).toBe(true);
}

function load(files: { path: string; text: string }[]): LoadResult {
  const result = loadPolicyFromSources(files, { env: {} });
  wellFormed(
    result,
    files.map((f) => f.path),
  );
  return result;
}

beforeAll(() => {
  // the fixture itself is valid, so every mutation starts from a clean policy
  expect(loadPolicyFromSources(fixtureFiles, { env: {} }).ok).toBe(true);
});
afterEach(prototypeUntouched);

const YAMLISH = [
  'a', 'kind', 'spec', ': ', ':', '- ', '-', '[', ']', '{', '}', ', ', '\n', '  ', '    ', '&x ', '*x', '&y ', '*y', '!!str ', '!tag ',
  '? ', '---\n', '...\n', '"', "'", '# c\n', '|\n', '>-\n', '\t', '0x1F', '.nan', '-.inf', '~', 'null', 'true', '1e999', '__proto__',
  'constructor', 'prototype', 'kind: Route\n', 'apiVersion: switchyard.dev/v1\n', 'metadata:\n  name: x\n', '%YAML 1.1\n',
  '%TAG ! tag:x,2000:\n', 'é', '\uFEFF', '\u0000', '\\', '${A}', 'sk-ant-AAAAAAAAAAAAAAAAAAAA1', '<<: *x\n',
];

describe('fuzzing the loader', () => {
  it('random YAML-ish text never throws and is always reported with a location', () => {
    const text = fc.oneof(
      fc.array(fc.constantFrom(...YAMLISH), { maxLength: 60 }).map((parts) => parts.join('')),
      fc.string({ unit: 'binary', maxLength: 200 }),
    );
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 3 }), (texts) => {
        load(texts.map((t, i) => ({ path: `f${i}.yaml`, text: t })));
        prototypeUntouched();
      }),
      RUN,
    );
  });

  it('random JSON-ish documents of every kind never throw', () => {
    const document = fc.record(
      {
        apiVersion: fc.constantFrom('switchyard.dev/v1', 'switchyard.dev/v2', 1),
        kind: fc.constantFrom(...KINDS, 'Rout', ''),
        metadata: fc.oneof(fc.record({ name: fc.oneof(fc.constantFrom('a', 'ok-name', 'Bad_Name'), fc.string()) }), fc.jsonValue({ maxDepth: 2 })),
        spec: fc.jsonValue({ maxDepth: 5 }),
      },
      { requiredKeys: ['kind'] },
    );
    fc.assert(
      fc.property(fc.array(document, { minLength: 1, maxLength: 4 }), fc.boolean(), (docs, asJson) => {
        const text = docs.map((d) => (asJson ? JSON.stringify(d) : stringify(d))).join('\n---\n');
        load([...fixtureFiles, { path: 'zz-fuzz.yaml', text }]);
      }),
      RUN,
    );
  });

  it('mutations of a valid policy (delete, rename, retype, __proto__, deep nesting, aliases) are rejected cleanly or still valid', () => {
    const mutation = fc.record({
      file: fc.nat(),
      doc: fc.nat(),
      path: fc.nat(),
      other: fc.nat(),
      op: fc.constantFrom('delete', 'rename', 'retype', 'proto', 'constructor', 'deep', 'alias', 'duplicate-line'),
      value: fc.jsonValue({ maxDepth: 3 }),
      depth: fc.integer({ min: 1, max: 120 }),
      line: fc.nat(),
    });
    fc.assert(
      fc.property(mutation, (m) => {
        const fileIndex = m.file % fixtureFiles.length;
        const docs = fixtureDocs[fileIndex] ?? [];
        const docIndex = m.doc % docs.length;
        const { text, forbidden } = mutate(docs, docIndex, m);
        const files = fixtureFiles.map((f, i) => (i === fileIndex ? { path: f.path, text } : f));
        const result = load(files);
        if (forbidden) {
          expect(result.ok).toBe(false);
          expect(result.diagnostics.map((d) => d.code)).toContain('forbidden_key');
        }
      }),
      RUN,
    );
  });
});

type Path = (string | number)[];

function paths(value: Json, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

interface Mutation {
  path: number;
  other: number;
  op: string;
  value: unknown;
  depth: number;
  line: number;
}

function mutate(docs: readonly Json[], docIndex: number, m: Mutation): { text: string; forbidden: boolean } {
  const original = docs[docIndex] ?? null;
  const all = paths(original).filter((p) => p.length > 0);
  const path = all[m.path % all.length] ?? ['spec'];
  const doc = new Document(structuredClone(original));
  let forbidden = false;
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1] ?? 'spec';
  switch (m.op) {
    case 'delete':
      doc.deleteIn(path);
      break;
    case 'rename': {
      const parent = doc.getIn(parentPath);
      if (typeof last === 'string' && parent !== null && typeof parent === 'object') {
        const node = doc.getIn(path, true);
        doc.deleteIn(path);
        doc.setIn([...parentPath, `${last.slice(1)}${last.charAt(0)}`], node);
      }
      break;
    }
    case 'retype':
      doc.setIn(path, doc.createNode(m.value));
      break;
    case 'proto':
    case 'constructor': {
      // the key is spliced into the text: the yaml library itself would not emit `__proto__` from an object
      const container = typeof last === 'number' || doc.getIn(parentPath) === undefined ? [] : parentPath;
      doc.setIn([...container, 'FORBIDDEN_KEY_MARK'], doc.createNode({ polluted: true, isAdmin: 'true' }));
      forbidden = true;
      break;
    }
    case 'deep': {
      let nested: Json = 'bottom';
      for (let i = 0; i < m.depth; i++) nested = [nested];
      doc.setIn(path, doc.createNode(nested));
      break;
    }
    case 'alias': {
      // anchored somewhere, aliased at `path`: before or after its anchor, inside it or not
      const source = doc.getIn(all[m.other % all.length] ?? path, true);
      if (isNode(source)) {
        source.anchor = 'fuzz';
        doc.setIn(path, 'ALIAS_MARK');
      }
      break;
    }
    default:
      break;
  }
  let text = doc.toString({ lineWidth: 0 });
  if (forbidden) text = text.replace('FORBIDDEN_KEY_MARK', m.op === 'proto' ? '__proto__' : 'constructor');
  text = text.replace('ALIAS_MARK', '*fuzz');
  const docTexts = docs.map((d, i) => (i === docIndex ? text : stringify(d, { lineWidth: 0 })));
  let joined = docTexts.join('---\n');
  if (m.op === 'duplicate-line') {
    const lines = joined.split('\n');
    const at = m.line % lines.length;
    lines.splice(at, 0, lines[at] ?? '');
    joined = lines.join('\n');
  }
  return { text: joined, forbidden };
}
