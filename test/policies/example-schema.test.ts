// The example organisation in policies/ is the first thing a new user reads and the fixture later tests build
// on, so it must conform to the schema on its own terms: checked here with ajv directly, independent of the
// loader and validator that `switchyard validate` uses.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const policyDir = join(root, 'policies');
const MODELINE = '# yaml-language-server: $schema=../schema/policy.schema.json';

interface Doc {
  readonly file: string;
  readonly kind: string;
  readonly name: string;
  readonly spec: Record<string, unknown>;
  readonly value: unknown;
}

const files = readdirSync(policyDir)
  .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
  .sort();

function loadDocs(): Doc[] {
  const docs: Doc[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(join(policyDir, file), 'utf8'))) {
      expect(doc.errors.map((e) => `${file}: ${e.message}`)).toEqual([]);
      const value: unknown = doc.toJS();
      const record = value as { kind?: unknown; metadata?: { name?: unknown }; spec?: unknown };
      docs.push({
        file,
        kind: String(record.kind),
        name: String(record.metadata?.name),
        spec: (record.spec ?? {}) as Record<string, unknown>,
        value,
      });
    }
  }
  return docs;
}

const docs = loadDocs();
const ofKind = (kind: string): Doc[] => docs.filter((d) => d.kind === kind);

describe('policies/ example organisation', () => {
  it('has policy files', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  // yaml-language-server reads a modeline only for the document it sits in, so every document after a `---`
  // repeats it; otherwise editors would check only the first document of each file.
  it.each(files)('%s has the yaml-language-server $schema modeline on top of every document', (file) => {
    const lines = readFileSync(join(policyDir, file), 'utf8').split('\n');
    expect(lines[0]).toBe(MODELINE);
    const afterSeparators = lines.flatMap((line, i) => (line === '---' ? [lines[i + 1]] : []));
    expect(afterSeparators.filter((line) => line !== MODELINE)).toEqual([]);
  });

  it('every document conforms to schema/policy.schema.json', () => {
    const schema: unknown = JSON.parse(readFileSync(join(root, 'schema/policy.schema.json'), 'utf8'));
    const ajv = new Ajv2020({ allErrors: true, discriminator: true });
    const validate = ajv.compile(schema as object);
    const failures: string[] = [];
    for (const doc of docs) {
      if (!validate(doc.value)) {
        for (const e of validate.errors ?? []) failures.push(`${doc.file} ${doc.kind}/${doc.name}${e.instancePath}: ${e.message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('names are unique per kind', () => {
    const seen = new Set<string>();
    const duplicates = docs.map((d) => `${d.kind}/${d.name}`).filter((id) => seen.has(id) || !seen.add(id));
    expect(duplicates).toEqual([]);
  });

  // The size the issue asks of the example: enough to show every feature, small enough to read in minutes.
  it('covers the example organisation the README promises', () => {
    expect(ofKind('Organization')).toHaveLength(1);
    const providers = ofKind('Provider');
    expect(providers.length).toBeGreaterThanOrEqual(4);
    const regions = new Set(providers.flatMap((p) => p.spec.regions as string[]));
    expect([...regions].some((r) => r.startsWith('eu-'))).toBe(true);
    expect([...regions].some((r) => !r.startsWith('eu-'))).toBe(true);
    const models = ofKind('Model');
    expect(models.length).toBeGreaterThanOrEqual(8);
    expect(new Set(models.map((m) => m.spec.tier))).toEqual(new Set(['small', 'medium', 'large', 'frontier']));
    expect(ofKind('Team')).toHaveLength(3);
    expect(ofKind('Test').length).toBeGreaterThanOrEqual(8);
    expect(ofKind('Invariant').length).toBeGreaterThanOrEqual(3);
  });

  it('every provider reads its base URL and key from the environment', () => {
    for (const p of ofKind('Provider')) {
      expect(p.spec.baseUrl, p.name).toMatch(/^\$\{[A-Z][A-Z0-9_]*:-https?:\/\/[^}]+\}$/);
      expect((p.spec.credentials as { env: string }).env, p.name).toMatch(/_API_KEY$/);
    }
  });

  it('the demo keys the README documents hash to keys in teams.yaml', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const demoKeys = [...new Set(readme.match(/\bsy-demo-[a-z]+-\d{4}\b/g) ?? [])];
    expect(demoKeys.length).toBeGreaterThanOrEqual(3);
    const hashes = new Set(
      ofKind('Team').flatMap((t) => ((t.spec.keys ?? []) as { sha256: string }[]).map((k) => k.sha256)),
    );
    for (const key of demoKeys) {
      expect(hashes.has(createHash('sha256').update(key).digest('hex')), key).toBe(true);
    }
  });
});
