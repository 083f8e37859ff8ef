// Policy fuzzing (issue 9): policies — the example organisation, the loader's fixture, and randomly generated
// ones — each given one to three defects by construction (policy-mutations.ts), loaded as `validate` and the
// proxy's reloads load them. Whatever the input: loading never throws, every policy is rejected with at least one
// error, every diagnostic has a registered code and a real file:line:col, Object.prototype is never touched.
// Time is measured per policy and per document (a policy's load time over its documents, as the loader reads them
// all); the per-document bound (≤ 50 ms) is asserted only at full scale. A load over the bound is timed twice
// more and counts at its fastest: a pause of the machine (a collection, another process) is not the input's
// doing, while an input that is slow to load is slow every time.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTICS } from '../../src/errors.js';
import { loadPolicyFromSources, type LoadResult } from '../../src/policy/index.js';
import { policyInputOf } from '../support/policy-arbitrary.js';
import type { PolicyInput } from '../support/policy-builder.js';
import { EXPECTED_CODES, mutateDocument, mutateText, STRUCTURAL, TEXTUAL, writeDocs, type DocFile, type Json, type Mutation } from './policy-mutations.js';
import { atScale, ms, report, SCALE } from './scale.js';
import { percentile, ROOT } from './support.js';

const POLICIES = atScale(1_000, 10_000);
const BUDGET_MS = 50;

function listYaml(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? listYaml(join(dir, n)) : /\.ya?ml$/.test(n) ? [join(dir, n)] : []));
}

type JsonObject = { [key: string]: Json };

function docFilesOf(dir: string, prefix: string): DocFile[] {
  return listYaml(dir).map((abs) => {
    const original = readFileSync(abs, 'utf8');
    const docs = parseAllDocuments(original).map((d) => d.toJS() as JsonObject).filter((d) => d !== null);
    return { path: `${prefix}/${relative(dir, abs).split('\\').join('/')}`, docs, original };
  });
}

const EXAMPLE = docFilesOf(join(ROOT, 'policies'), 'policies');
const FIXTURE = docFilesOf(join(ROOT, 'test', 'policy', 'fixtures', 'valid'), 'fixture');

/** A generated policy as files of documents, one file per kind. */
function docFilesOfInput(input: PolicyInput): DocFile[] {
  const kinds: [string, string, readonly { name: string; labels?: Record<string, string>; spec: unknown }[] | undefined][] = [
    ['Organization', 'organization', input.organization === undefined ? undefined : [input.organization]],
    ['Provider', 'providers', input.providers],
    ['Model', 'models', input.models],
    ['Team', 'teams', input.teams],
    ['Route', 'routes', input.routes],
    ['Vetting', 'vettings', input.vettings],
    ['Residency', 'residencies', input.residencies],
    ['Budget', 'budgets', input.budgets],
  ];
  return kinds
    .filter(([, , docs]) => docs !== undefined && docs.length > 0)
    .map(([kind, file, docs]) => ({
      path: `generated/${file}.yaml`,
      docs: docs!.map((d) => JSON.parse(JSON.stringify({ apiVersion: 'switchyard.dev/v1', kind, metadata: d.labels === undefined ? { name: d.name } : { name: d.name, labels: d.labels }, spec: d.spec })) as JsonObject),
    }));
}

const base = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ name: 'example', valid: true, files: EXAMPLE }) },
  { weight: 1, arbitrary: fc.constant({ name: 'fixture', valid: true, files: FIXTURE }) },
  { weight: 3, arbitrary: policyInputOf().map((input) => ({ name: 'generated', valid: false, files: docFilesOfInput(input) })) },
);
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom(...STRUCTURAL, ...TEXTUAL),
  file: fc.nat(),
  doc: fc.nat(),
  pick: fc.nat(),
  text: fc.string({ unit: 'binary', maxLength: 80 }),
});

const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort().join(',');
const prototypeUntouched = (): boolean =>
  Object.getOwnPropertyNames(Object.prototype).sort().join(',') === prototypeKeys && Reflect.get({}, 'polluted') === undefined && Reflect.get({}, 'isAdmin') === undefined;

/** Every diagnostic names a registered code and a real location in one of the files. */
function badDiagnostics(result: LoadResult, paths: readonly string[]): string[] {
  return result.diagnostics
    .filter(
      (d) =>
        !Object.hasOwn(DIAGNOSTICS, d.code) ||
        !(Number.isInteger(d.line) && d.line >= 1 && Number.isInteger(d.col) && d.col >= 1) ||
        !(paths.includes(d.file) || d.file === '.') ||
        d.message === '' ||
        /[\r\n]/.test(d.message),
    )
    .map((d) => JSON.stringify(d));
}

describe('fuzzing policies', () => {
  it(`rejects ${POLICIES} generated and mutated policies cleanly, each with a code and a location`, { timeout: 600_000 }, () => {
    // The first load compiles the schema validator and warms the loader; what is measured is every load after it.
    expect(loadPolicyFromSources(writeDocs(EXAMPLE), { env: {} }).ok).toBe(true);
    expect(loadPolicyFromSources(writeDocs(FIXTURE), { env: {} }).ok).toBe(true);
    const times: number[] = [];
    const perDocument: number[] = [];
    const byCode = new Map<string, number>();
    let single = 0;
    fc.assert(
      fc.property(base, fc.array(mutation, { minLength: 1, maxLength: 3 }), (b, mutations) => {
        const docs = structuredClone(b.files);
        for (const m of mutations) if ((STRUCTURAL as readonly string[]).includes(m.kind)) mutateDocument(docs, m);
        const files = writeDocs(docs);
        for (const m of mutations) if ((TEXTUAL as readonly string[]).includes(m.kind)) mutateText(files, m);

        const started = performance.now();
        const result = loadPolicyFromSources(files, { env: {} });
        const elapsed = performance.now() - started;
        const documents = files.reduce((n, f) => n + f.text.split(/^---[ \t]*$/m).length, 0);
        let fastest = elapsed;
        for (let again = 0; again < 2 && fastest / documents > BUDGET_MS; again++) {
          const retimed = performance.now();
          loadPolicyFromSources(files, { env: {} });
          fastest = Math.min(fastest, performance.now() - retimed);
        }
        times.push(elapsed);
        perDocument.push(fastest / documents);

        expect(prototypeUntouched()).toBe(true);
        expect(result.ok).toBe(false);
        expect(result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
        expect(badDiagnostics(result, files.map((f) => f.path))).toEqual([]);
        for (const d of result.diagnostics) byCode.set(d.code, (byCode.get(d.code) ?? 0) + 1);
        // One defect in a policy that was valid: the loader names that defect.
        if (b.valid && mutations.length === 1) {
          single += 1;
          const expected = EXPECTED_CODES[mutations[0]!.kind];
          expect(result.diagnostics.map((d) => d.code).filter((c) => expected.includes(c)), `${mutations[0]!.kind}: ${result.diagnostics.map((d) => d.code).join(', ')}`).not.toEqual([]);
        }
      }),
      { numRuns: POLICIES, seed: 20_260_901, endOnFailure: true },
    );
    expect(times).toHaveLength(POLICIES);
    const maxPerDocument = Math.max(...perDocument);
    report('policy fuzzing', {
      policies: POLICIES,
      singleDefectOnValid: single,
      codes: byCode.size,
      policyP50: ms(percentile(times, 50)),
      policyP99: ms(percentile(times, 99)),
      policyMax: ms(Math.max(...times)),
      documentP99: ms(percentile(perDocument, 99)),
      documentMax: ms(maxPerDocument),
    });
    if (SCALE === 'full') expect(maxPerDocument).toBeLessThanOrEqual(BUDGET_MS);
  });
});
