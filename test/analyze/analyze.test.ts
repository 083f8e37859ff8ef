import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzePolicy, analyzePolicyDetailed, ANALYSIS_CODES } from '../../src/analyze/index.js';
import { DIAGNOSTICS } from '../../src/errors.js';
import { checkPolicy } from '../../src/policy/check.js';
import { loadPolicy } from '../../src/policy/index.js';
import { BASE, docs, load } from './fixture.js';

const PHI_ZDR = docs('Vetting', ['phi-zdr', 'match: { dataClasses: [phi] }\nrequire: { zeroDataRetention: true }']);

describe('analyzePolicy', () => {
  it('finds nothing to report in the example organisation', async () => {
    const loaded = await loadPolicy(join(import.meta.dirname, '..', '..', 'policies'), { env: {} });
    if (!loaded.ok) throw new Error('policies/ does not load');
    expect(analyzePolicy(loaded.policy)).toEqual([]);
  });

  it('reports only registered codes, and registers its codes', () => {
    for (const code of ANALYSIS_CODES) expect(DIAGNOSTICS[code]).toBeDefined();
  });

  it('runs named, timed stages', () => {
    const { timings } = analyzePolicyDetailed(load({ 'routes.yaml': docs('Route', ['default', 'priority: 0\ntargets: [{ model: big }]']) }));
    expect(timings.map((t) => t.stage)).toEqual(['ranges', 'weights', 'models', 'classifier', 'domain', 'conditions', 'routes', 'compile', 'eligibility', 'budgets']);
    for (const t of timings) expect(t.ms).toBeGreaterThanOrEqual(0);
  });

  it('skips, silently, the owned-request checks of a route whose region splits past the bound', () => {
    // `default` owns everything but chat requests (several boxes), and phi requests of clinic empty it.
    const routes = docs('Route', ['default', 'priority: 0\ntargets: [{ model: small }]'], ['chat', 'priority: 5\nmatch: { tasks: [chat] }\ntargets: [{ model: big }]']);
    const policy = load({ 'routes.yaml': routes, 'rules.yaml': PHI_ZDR });
    expect(analyzePolicyDetailed(policy).diagnostics.map((d) => d.code)).toEqual(['route_can_be_empty']);
    const bounded = analyzePolicyDetailed(policy, { limits: { maxPieces: 1 } });
    expect(bounded.skipped).toEqual(['default']);
    expect(bounded.diagnostics).toEqual([]);
  });

  it('reports no request checks for a policy without teams, where every one would fire for that one cause', () => {
    const routes = docs('Route', ['ab', 'priority: 0\nmatch: { tasks: [chat] }\nstrategy: weighted\ntargets: [{ model: small, weight: 0 }]']);
    const policy = load({ 'teams.yaml': '', 'routes.yaml': routes });
    expect(policy.teams.size).toBe(0);
    expect(analyzePolicy(policy).map((d) => d.code)).toEqual(['weighted_zero_weight']);
  });
});

describe('checkPolicy runs the analysis after a successful load', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  async function dirWith(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'switchyard-analyze-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries({ ...BASE, ...files })) await writeFile(join(dir, name), text);
    return dir;
  }

  it('fails on an analysis error', async () => {
    const routes = docs('Route', ['a', 'priority: 0\ntargets: [{ model: big }]'], ['b', 'priority: 0\ntargets: [{ model: small }]']);
    const result = await checkPolicy(await dirWith({ 'routes.yaml': routes }), { env: {} });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['route_ambiguous', 'route_shadowed']);
  });

  it('passes with analysis warnings, and lists them with the load’s', async () => {
    const routes = docs('Route', ['default', 'priority: 0\ntargets: [{ model: small }]']);
    const result = await checkPolicy(await dirWith({ 'routes.yaml': routes, 'rules.yaml': PHI_ZDR }), { env: {} });
    expect(result.ok).toBe(true);
    expect(result.diagnostics.map((d) => [d.file.endsWith('routes.yaml'), d.code])).toEqual([[true, 'route_can_be_empty']]);
  });

  it('does not analyse a policy that fails to load', async () => {
    const routes = docs('Route', ['a', 'priority: 0\ntargets: [{ model: big }]'], ['b', 'priority: 0\ntargets: [{ model: nowhere }]']);
    const result = await checkPolicy(await dirWith({ 'routes.yaml': routes }), { env: {} });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['unknown_reference']);
  });
});
