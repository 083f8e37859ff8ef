import { describe, expect, it } from 'vitest';
import { compile, compileMatch, decide } from '../../src/engine/index.js';
import { analyze, docs, exampleOf, load, only, resolved, spot, where } from './fixture.js';

const route = (name: string, priority: number, match?: string): [string, string] => [
  name,
  `priority: ${priority}\n${match === undefined ? '' : `match: ${match}\n`}targets: [{ model: big }]`,
];
const PRIORITY = 'priority: '.length;

describe('route_ambiguous', () => {
  const routes = docs('Route', route('default', 0), route('chat', 5, '{ tasks: [chat] }'), route('support', 5, '{ teams: [support] }'));

  it('reports equal-priority routes that share a request, at the later route’s priority, with a request in both', () => {
    const { diagnostics } = analyze({ 'routes.yaml': routes });
    const d = only(diagnostics, 'route_ambiguous');
    expect(`${d.file}:${d.line}:${d.col}`).toBe(spot('routes.yaml', routes, 'priority: 5', 2, PRIORITY));
    expect(d).toMatchObject({ severity: 'error', pointer: '/spec/priority' });
    const chatLine = spot('routes.yaml', routes, 'apiVersion', 2).split(':')[1];
    expect(d.message).toContain(`route \`support\` overlaps route \`chat\` (routes.yaml:${chatLine}) at equal priority 5`);
    const policy = load({ 'routes.yaml': routes });
    const example = exampleOf(d.message);
    for (const name of ['chat', 'support']) expect(compileMatch(policy.routes.get(name)!.spec.match)(resolved(policy, example))).toBe(true);
    expect(decide(compile(policy), example).route).toBe('chat');
    expect(diagnostics).toHaveLength(1);
  });

  it('does not report equal-priority routes with disjoint prompt-token ranges', () => {
    const disjoint = docs('Route', route('default', 0), route('short', 5, '{ tasks: [chat], promptTokens: { lt: 1000 } }'), route('long', 5, '{ tasks: [chat], promptTokens: { gte: 1000 } }'));
    expect(analyze({ 'routes.yaml': disjoint }).diagnostics).toEqual([]);
  });

  it('does not report equal-priority routes whose only common data class their common team may not declare', () => {
    // `support` may not declare phi, and `clinic` is not in the first route: no request matches both.
    const disjoint = docs('Route', route('default', 0), route('support', 5, '{ teams: [support] }'), route('phi', 5, '{ dataClasses: [phi] }'));
    expect(analyze({ 'routes.yaml': disjoint }).diagnostics).toEqual([]);
  });

  it('does not report equal-priority routes for teams told apart by labels', () => {
    const disjoint = docs('Route', route('default', 0), route('ops', 5, '{ tasks: [chat], teamLabels: { dept: ops } }'), route('care', 5, '{ tasks: [chat], teamLabels: { dept: care } }'));
    expect(analyze({ 'routes.yaml': disjoint }).diagnostics).toEqual([]);
  });

  it('counts only the requests that reach the equal priority: an overlap a higher route takes whole is not ambiguous', () => {
    // `small` takes every prompt below 1000, so `tiny` owns nothing and `from-999` owns 1000 and up: 999 is in both
    // equal-priority routes, but neither owns it.
    const routes = docs('Route', route('small', 10, '{ promptTokens: { lt: 1000 } }'), route('tiny', 5, '{ promptTokens: { lte: 999 } }'), route('from-999', 5, '{ promptTokens: { gte: 999 } }'));
    const { diagnostics } = analyze({ 'routes.yaml': routes });
    expect(diagnostics.map((d) => d.code)).toEqual(['route_shadowed']);
  });

  it('gives as its example a request the earlier route owns, not one a higher route takes', () => {
    const routes = docs('Route', route('small', 10, '{ promptTokens: { lt: 1000 } }'), route('tiny', 5, '{ promptTokens: { lte: 1999 } }'), route('from-999', 5, '{ promptTokens: { gte: 999 } }'));
    const d = only(analyze({ 'routes.yaml': routes }).diagnostics, 'route_ambiguous');
    expect(d.message).toContain('route `from-999` overlaps route `tiny`');
    const example = exampleOf(d.message);
    expect(example.promptTokens).toBeGreaterThanOrEqual(1000);
    expect(decide(compile(load({ 'routes.yaml': routes })), example).route).toBe('tiny');
  });

  it('reports every overlapping pair, including across files', () => {
    const a = docs('Route', route('default', 0), route('auto', 5, '{ models: [auto] }'));
    const b = docs('Route', route('chat', 5, '{ tasks: [chat] }'), route('support', 5, '{ teams: [support] }'));
    const { diagnostics } = analyze({ 'a.yaml': a, 'b.yaml': b });
    expect(where(diagnostics, 'route_ambiguous')).toEqual([
      spot('b.yaml', b, 'priority: 5', 1, PRIORITY),
      spot('b.yaml', b, 'priority: 5', 2, PRIORITY),
      spot('b.yaml', b, 'priority: 5', 2, PRIORITY),
    ]);
    const named = diagnostics.map((d) => /overlaps route `([a-z-]+)`/.exec(d.message)?.[1]).sort();
    expect(named).toEqual(['auto', 'auto', 'chat']);
  });
});

describe('route_shadowed', () => {
  it('reports a route whose every request a higher-priority route takes, naming it', () => {
    const routes = docs('Route', route('default', 0), route('wide', 10, '{ tasks: [chat, code] }'), route('support-code', 5, '{ teams: [support], tasks: [code] }'));
    const { diagnostics } = analyze({ 'routes.yaml': routes });
    const d = only(diagnostics, 'route_shadowed');
    expect(`${d.file}:${d.line}:${d.col}`).toBe(spot('routes.yaml', routes, 'priority: 5', 1, PRIORITY));
    expect(d.severity).toBe('warning');
    expect(d.message).toMatch(/^route `support-code` owns no request: every request it matches is taken first by route `wide` \(priority 10, routes\.yaml:\d+\)$/);
    expect(diagnostics).toHaveLength(1);
  });

  it('reports a route covered only by several routes together, naming each', () => {
    const routes = docs(
      'Route',
      route('default', 0),
      route('short', 10, '{ tasks: [chat], promptTokens: { lt: 1000 } }'),
      route('long', 10, '{ tasks: [chat], promptTokens: { gte: 1000 } }'),
      route('support', 5, '{ teams: [support], tasks: [chat] }'),
    );
    const d = only(analyze({ 'routes.yaml': routes }).diagnostics, 'route_shadowed');
    expect(d.message).toMatch(/taken first by routes `short` \(priority 10, routes\.yaml:\d+\), `long` \(priority 10, routes\.yaml:\d+\)$/);
  });

  it('does not report a route that higher-priority routes cover only in part', () => {
    const routes = docs('Route', route('default', 0), route('short', 10, '{ promptTokens: { lt: 1000 } }'), route('support', 5, '{ teams: [support] }'));
    expect(analyze({ 'routes.yaml': routes }).diagnostics).toEqual([]);
  });

  it('reports a catch-all under a higher catch-all', () => {
    const routes = docs('Route', route('first', 1), route('second', 0));
    const { diagnostics } = analyze({ 'routes.yaml': routes });
    expect(where(diagnostics, 'route_shadowed')).toEqual([spot('routes.yaml', routes, 'priority: 0', 1, PRIORITY)]);
  });

  it('reports a route that an equal-priority route declared first contains, as ambiguous and shadowed', () => {
    const routes = docs('Route', route('default', 0), route('chat', 5, '{ tasks: [chat] }'), route('support-chat', 5, '{ teams: [support], tasks: [chat] }'));
    const { diagnostics } = analyze({ 'routes.yaml': routes });
    expect(diagnostics.map((d) => d.code).sort()).toEqual(['route_ambiguous', 'route_shadowed']);
  });
});
