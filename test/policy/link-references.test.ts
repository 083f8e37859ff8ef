// Reference checks that need more than one case of the conformance corpus.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicyFromSources } from '../../src/policy/index.js';

const baseDir = join(import.meta.dirname, '..', 'conformance', 'base');
const base = readdirSync(baseDir).map((f) => ({ path: f, text: readFileSync(join(baseDir, f), 'utf8') }));
const autoModel = readFileSync(join(baseDir, 'models.yaml'), 'utf8').split('---')[0]!.replace('name: gpt-4o-mini', 'name: auto');

describe('alias_is_model_name', () => {
  it('with no modelAliases written, reports a Model named like the default alias at its name', () => {
    const result = loadPolicyFromSources([...base, { path: 'z-auto.yaml', text: autoModel }], { env: {} });
    expect(result.ok).toBe(true);
    expect(result.diagnostics.map((d) => [d.code, d.severity, d.file, d.line, d.col, d.pointer])).toEqual([['alias_is_model_name', 'warning', 'z-auto.yaml', 4, 9, '/metadata/name']]);
    expect(result.diagnostics[0]?.message).toContain('Model `auto` has the name of the default model alias `auto`');
  });

  it('does not report a Model named `auto` when the Organization writes aliases without it', () => {
    const org = base.find((f) => f.path === 'org.yaml')!;
    const withAliases = { path: 'org.yaml', text: `${org.text.trimEnd()}\n  modelAliases: [fast]\n` };
    const result = loadPolicyFromSources([...base.filter((f) => f !== org), withAliases, { path: 'z-auto.yaml', text: autoModel }], { env: {} });
    expect(result.diagnostics).toEqual([]);
  });
});
