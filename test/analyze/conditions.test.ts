import { describe, expect, it } from 'vitest';
import { analyze, docs, only, spot, where } from './fixture.js';

const DEFAULT_ROUTE = docs('Route', ['default', 'priority: 0\ntargets: [{ model: big }]']);

describe('conditions that match no request', () => {
  it('reports a Vetting rule for data classes no team may declare, at `dataClasses`', () => {
    const rules = docs(
      'Vetting',
      ['phi-only', 'match: { teams: [support], dataClasses: [phi] }\nrequire: { zeroDataRetention: true }'],
      ['phi-anyone', 'match: { dataClasses: [phi] }\nrequire: { zeroDataRetention: true }'],
    );
    const { diagnostics } = analyze({ 'routes.yaml': DEFAULT_ROUTE, 'rules.yaml': rules });
    const d = only(diagnostics, 'rule_matches_nothing');
    expect(`${d.file}:${d.line}:${d.col}`).toBe(spot('rules.yaml', rules, 'dataClasses: [phi]'));
    expect(d).toMatchObject({ severity: 'warning', pointer: '/spec/match/dataClasses' });
    expect(d.message).toBe(
      'vetting rule `phi-only` matches no request: its only team `support` may not declare data class `phi` (`support` allows `public`, `internal`)',
    );
    // Near miss: `clinic` may declare phi, so the second rule applies to its requests.
    expect(diagnostics).toHaveLength(1);
  });

  it('reports a Residency rule whose team labels no team has, at `teamLabels`', () => {
    const rules = docs(
      'Residency',
      ['gold', 'match: { teamLabels: { tier: gold } }\nallowRegions: [eu-*]'],
      ['ops-clinic', 'match: { teams: [clinic], teamLabels: { dept: ops } }\nallowRegions: [eu-*]'],
      ['care', 'match: { teamLabels: { dept: [ops, care] } }\nallowRegions: [eu-*]'],
    );
    const { diagnostics } = analyze({ 'routes.yaml': DEFAULT_ROUTE, 'rules.yaml': rules });
    expect(where(diagnostics, 'rule_matches_nothing')).toEqual([spot('rules.yaml', rules, 'teamLabels'), spot('rules.yaml', rules, 'teamLabels', 2)]);
    const [gold, opsClinic] = diagnostics;
    expect(gold?.message).toBe('residency rule `gold` matches no request: no team has labels `tier`=`gold`');
    expect(opsClinic?.message).toBe('residency rule `ops-clinic` matches no request: team `clinic` does not have labels `dept`=`ops`');
    expect(diagnostics).toHaveLength(2);
  });

  it('reports a route that matches no request as such, not as shadowed', () => {
    const routes = `${DEFAULT_ROUTE}---\n${docs('Route', ['phi-support', 'priority: 5\nmatch: { teams: [support], dataClasses: [phi] }\ntargets: [{ model: big }]'])}`;
    const { diagnostics } = analyze({ 'routes.yaml': routes });
    expect(where(diagnostics, 'rule_matches_nothing')).toEqual([spot('routes.yaml', routes, 'dataClasses: [phi]')]);
    expect(diagnostics).toHaveLength(1);
  });

  it('reports a Budget whose labels no team has', () => {
    const budgets = docs('Budget', ['nobody', 'match: { teamLabels: { dept: finance } }\nper: team\nwindow: month\nlimitUsd: 10'], [
      'ops',
      'match: { teamLabels: { dept: ops } }\nper: team\nwindow: month\nlimitUsd: 10',
    ]);
    const { diagnostics } = analyze({ 'routes.yaml': DEFAULT_ROUTE, 'budgets.yaml': budgets });
    const d = only(diagnostics, 'rule_matches_nothing');
    expect(`${d.file}:${d.line}:${d.col}`).toBe(spot('budgets.yaml', budgets, 'teamLabels'));
    expect(d.message).toBe('budget `nobody` applies to no team: no team has labels `dept`=`finance`');
    expect(diagnostics).toHaveLength(1);
  });

  it('reports an Invariant whose forAll covers no request as vacuous, at the condition', () => {
    const invariants = docs(
      'Invariant',
      ['vacuous', 'forAll: { teams: [support, clinic], teamLabels: { dept: ops }, dataClasses: [phi] }\nassert: { zeroDataRetention: true }'],
      ['fine', 'forAll: { teams: [support, clinic], dataClasses: [phi] }\nassert: { zeroDataRetention: true }'],
    );
    const { diagnostics } = analyze({ 'routes.yaml': DEFAULT_ROUTE, 'invariants.yaml': invariants });
    const d = only(diagnostics, 'invariant_vacuous');
    expect(`${d.file}:${d.line}:${d.col}`).toBe(spot('invariants.yaml', invariants, 'dataClasses: [phi]'));
    expect(d).toMatchObject({ severity: 'warning', pointer: '/spec/forAll/dataClasses' });
    expect(d.message).toContain('invariant `vacuous` checks nothing: its `forAll` covers no request');
    expect(diagnostics).toHaveLength(1);
  });
});
