import { describe, expect, it } from 'vitest';
import { compile, decide } from '../../src/engine/index.js';
import { analyze, docs, exampleOf, load, only, spot } from './fixture.js';

const PHI_ZDR = docs('Vetting', ['phi-zdr', 'match: { dataClasses: [phi] }\nrequire: { zeroDataRetention: true }']);
const DEFAULT = ['default', 'priority: 0\ntargets: [{ model: big }]'] as [string, string];

/** The engine's decision on a message's example request. */
function decideExample(files: Record<string, string>, message: string) {
  return decide(compile(load(files)), exampleOf(message));
}

describe('route_dead', () => {
  it('reports a route whose every owned request loses every target to an enforced rule, at `targets`', () => {
    const routes = docs('Route', DEFAULT, ['phi', 'priority: 5\nmatch: { dataClasses: [phi] }\ntargets: [{ model: small }]']);
    const files = { 'routes.yaml': routes, 'rules.yaml': PHI_ZDR };
    const { diagnostics } = analyze(files);
    const d = only(diagnostics, 'route_dead');
    expect(`${d.file}:${d.line}:${d.col}`).toBe(spot('routes.yaml', routes, 'targets', 2));
    expect(d).toMatchObject({ severity: 'warning', pointer: '/spec/targets' });
    expect(d.message).toContain('route `phi` never routes a request: every target is removed for every request it owns, e.g. ');
    expect(d.message).toContain('zeroDataRetention is false, required true [Vetting/phi-zdr]');
    const decision = decideExample(files, d.message);
    expect(decision).toMatchObject({ outcome: 'deny', route: 'phi', deny: { code: 'no_eligible_model' } });
    // Its one target is of course never used, but that is the same finding.
    expect(diagnostics).toHaveLength(1);
  });

  it('reports a route that owns only prompts larger than every target’s context window', () => {
    const routes = docs('Route', DEFAULT, ['huge', 'priority: 5\nmatch: { promptTokens: { gt: 200000 } }\ntargets: [{ model: big }]']);
    const d = only(analyze({ 'routes.yaml': routes }).diagnostics, 'route_dead');
    expect(d.message).toContain('context window 128000 is smaller');
    expect(decideExample({ 'routes.yaml': routes }, d.message)).toMatchObject({ route: 'huge', deny: { code: 'no_eligible_model' } });
  });

  it('does not count monitor-mode rules, which remove nothing', () => {
    const monitor = docs('Vetting', ['phi-zdr', 'match: { dataClasses: [phi] }\nrequire: { zeroDataRetention: true }\nenforcement: monitor']);
    const routes = docs('Route', DEFAULT, ['phi', 'priority: 5\nmatch: { dataClasses: [phi] }\ntargets: [{ model: small }]']);
    expect(analyze({ 'routes.yaml': routes, 'rules.yaml': monitor }).diagnostics).toEqual([]);
  });
});

describe('route_can_be_empty', () => {
  it('reports a route that rules empty for some of its requests, with one of them', () => {
    const routes = docs('Route', ['default', 'priority: 0\ntargets: [{ model: small }]']);
    const files = { 'routes.yaml': routes, 'rules.yaml': PHI_ZDR };
    const { diagnostics } = analyze(files);
    const d = only(diagnostics, 'route_can_be_empty');
    expect(`${d.file}:${d.line}:${d.col}`).toBe(spot('routes.yaml', routes, 'targets'));
    expect(d.message).toMatch(/^route `default` can end with no eligible target: e\.g\. `\{"team":"clinic","dataClass":"phi",.*\}` is denied with `no_eligible_model`: `small` \(provider `us`\): zeroDataRetention is false, required true \[Vetting\/phi-zdr\]$/);
    expect(decideExample(files, d.message)).toMatchObject({ route: 'default', deny: { code: 'no_eligible_model' } });
    expect(diagnostics).toHaveLength(1);
  });

  it('does not count prompts too large for every target', () => {
    // Above 128,000 prompt tokens both targets are too small; below it `big` is always left.
    const routes = docs('Route', ['default', 'priority: 0\ntargets: [{ model: small }, { model: big }]']);
    expect(analyze({ 'routes.yaml': routes, 'rules.yaml': PHI_ZDR }).diagnostics).toEqual([]);
  });

  it('does not count requests emptied by context windows together with rules', () => {
    // Internal data between 8,000 and 1,000,000 prompt tokens: `small` is too small and `gratis` trains on data.
    // Rules alone always leave `small`, so only the prompt size empties the route — as for any route.
    const training = docs('Vetting', ['no-training', 'match: { dataClasses: [internal, phi] }\nrequire: { trainsOnData: false }']);
    const routes = docs('Route', ['default', 'priority: 0\ntargets: [{ model: small }, { model: gratis }]']);
    const files = { 'routes.yaml': routes, 'rules.yaml': training };
    expect(analyze(files).diagnostics).toEqual([]);
    const denied = decide(compile(load(files)), { team: 'support', dataClass: 'internal', model: 'auto', promptTokens: 9000 });
    expect(denied.deny?.code).toBe('no_eligible_model');
  });
});

describe('target_unreachable', () => {
  it('reports a target an enforced rule removes for every request the route owns, at its model', () => {
    const routes = docs('Route', DEFAULT, ['phi', 'priority: 5\nmatch: { dataClasses: [phi] }\ntargets: [{ model: small }, { model: big }]']);
    const files = { 'routes.yaml': routes, 'rules.yaml': PHI_ZDR };
    const { diagnostics } = analyze(files);
    const d = only(diagnostics, 'target_unreachable');
    expect(`${d.file}:${d.line}:${d.col}`).toBe(spot('routes.yaml', routes, 'small'));
    expect(d).toMatchObject({ severity: 'warning', pointer: '/spec/targets/0/model' });
    expect(d.message).toContain('target `small` of route `phi` is never used: it is removed for every request the route owns, e.g. ');
    expect(d.message).toContain('[Vetting/phi-zdr]');
    const decision = decideExample(files, d.message);
    expect(decision.route).toBe('phi');
    expect(decision.candidates.map((c) => c.model)).toEqual(['big']);
    expect(diagnostics).toHaveLength(1);
  });

  it('reports a target lacking a required capability and one whose context window is below every owned prompt', () => {
    const routes = docs(
      'Route',
      DEFAULT,
      ['tools', 'priority: 5\nmatch: { tasks: [code] }\nrequires: { capabilities: [tools] }\ntargets: [{ model: small }, { model: big }]'],
      ['long', 'priority: 4\nmatch: { promptTokens: { gt: 10000 } }\ntargets: [{ model: big }, { model: small }]'],
    );
    const { diagnostics } = analyze({ 'routes.yaml': routes });
    expect(diagnostics.map((d) => [d.code, `${d.file}:${d.line}:${d.col}`])).toEqual([
      ['target_unreachable', spot('routes.yaml', routes, 'small', 1)],
      ['target_unreachable', spot('routes.yaml', routes, 'small', 2)],
    ]);
    expect(diagnostics[0]?.message).toContain('lacks capability `tools` [Route/tools]');
    expect(diagnostics[1]?.message).toContain('context window 8000 is smaller');
  });

  it('does not report a target removed for only some of the route’s requests', () => {
    const routes = docs('Route', ['default', 'priority: 0\ntargets: [{ model: small }, { model: big }]']);
    expect(analyze({ 'routes.yaml': routes, 'rules.yaml': PHI_ZDR }).diagnostics).toEqual([]);
  });
});
