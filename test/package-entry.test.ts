// The package's entry (`main`, `types` in package.json) is the built library: a policy directory can be
// loaded, analysed, compiled and decided through it alone, as an embedder would.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

describe('package entry', () => {
  it('loads, analyses, compiles and decides the example policies through `main`', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; types: string };
    if (!existsSync(join(ROOT, 'dist'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    expect(existsSync(join(ROOT, pkg.types)), pkg.types).toBe(true);
    const lib = (await import(pathToFileURL(join(ROOT, pkg.main)).href)) as typeof import('../src/index.js');
    const loaded = await lib.loadPolicy(join(ROOT, 'policies'));
    if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('\n'));
    expect(lib.analyzePolicy(loaded.policy).filter((d) => d.severity === 'error')).toEqual([]);
    const decision = lib.decide(lib.compile(loaded.policy), { team: 'engineering', model: 'gpt-4-1-mini', promptTokens: 20 }, lib.NO_SPEND);
    expect(decision.outcome).not.toBe('deny');
    expect(decision.candidates.length).toBeGreaterThan(0);
  });
});
